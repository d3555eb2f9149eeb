// SPDX-License-Identifier: Apache-2.0
// The datastore line of `show status` (issue #6): a file names its path; etcd says whether it is connected, the
// revision, changes applied, the lease and the node's blocks, and the last error while it is not connected. The
// status survives the JSON codec, and a status from an older daemon (no datastore) still decodes.

import ControlProtocol
import Foundation
import Testing

@Suite("show status: datastore line")
struct DatastoreStatusTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func status(_ datastore: DatastoreStatus?) -> DaemonStatus {
        DaemonStatus(
            version: "swiftletd 0.1.0", routerID: "10.0.1.2", localAS: 64512, nodeName: "node-1", startedAt: 0,
            sessionsEstablished: 1, sessionsTotal: 1, datastore: datastore)
    }

    @Test func fileAndEtcdLines() {
        #expect(!StatusReport.render(Self.status(nil), now: 10, timeZone: Self.utc).contains("Datastore"))
        let file = StatusReport.render(Self.status(DatastoreStatus(kind: "file", source: "/etc/swiftlet/swiftlet.yaml")), now: 10, timeZone: Self.utc)
        #expect(file.contains("Datastore: file /etc/swiftlet/swiftlet.yaml\nDaemon is up and running"))
        let up = DatastoreStatus(
            kind: "etcd", source: "http://10.0.0.5:2379", connected: true, revision: 42, snapshots: 3, lease: "694d7f",
            blocks: ["10.244.0.64/26"])
        #expect(StatusReport.render(Self.status(up), now: 10, timeZone: Self.utc).contains(
            "Datastore: etcd http://10.0.0.5:2379, connected, revision 42, 3 change(s) applied, lease 694d7f, blocks 10.244.0.64/26\n"))
        var down = up
        down.connected = false
        down.lastError = "etcd unavailable"
        down.blocks = []
        #expect(StatusReport.render(Self.status(down), now: 10, timeZone: Self.utc).contains(
            "Datastore: etcd http://10.0.0.5:2379, DISCONNECTED (sessions and routes kept), revision 42, 3 change(s) applied, lease 694d7f, blocks none; last error: etcd unavailable\n"))
    }

    @Test func codec() throws {
        let status = Self.status(DatastoreStatus(kind: "etcd", source: "http://a:2379", revision: 7, blocks: ["10.0.0.0/26"]))
        let data = try JSONEncoder().encode(status)
        #expect(try JSONDecoder().decode(DaemonStatus.self, from: data) == status)
        let old = #"{"version":"v","routerID":"1.1.1.1","localAS":1,"nodeName":"n","startedAt":0,"sessionsEstablished":0,"sessionsTotal":0}"#
        #expect(try JSONDecoder().decode(DaemonStatus.self, from: Data(old.utf8)).datastore == nil)
    }
}
