// SPDX-License-Identifier: Apache-2.0
// Secrets in the Kubernetes secret-mount layout (`<dir>/<name>/<key>`), one trailing newline trimmed, and the rule
// that a resolved password never appears in any printed form of the configuration.

import BGPWire
import ClusterModel
import Datastore
import Foundation
import Testing

@Suite("SecretStore and redaction")
struct SecretStoreTests {
    /// A fresh directory with `files` (relative path → contents).
    static func directory(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-secrets-\(UUID().uuidString)")
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return root.path
    }

    @Test("secretKeyRef {name, key} reads <dir>/<name>/<key> and trims one trailing newline")
    func resolve() throws {
        let dir = try Self.directory(["bgp/pw": "s3cret\n", "bgp/two": "a\n\n", "bgp/raw": "x y"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = SecretStore(directory: dir)
        #expect(store.resolve(SecretReference(name: "bgp", key: "pw")) == "s3cret")
        #expect(store.resolve(SecretReference(name: "bgp", key: "two")) == "a\n")
        #expect(store.resolve(SecretReference(name: "bgp", key: "raw")) == "x y")
        #expect(store.resolve(SecretReference(name: "bgp", key: "missing")) == nil)
        #expect(store.resolve(SecretReference(name: "..", key: "pw")) == nil)
    }

    @Test("The example secret resolves through ConfigLoader")
    func exampleSecret() throws {
        let config = try ConfigFixtures.planExample("ebgp-tor.yaml", node: "rack1-node1")
        #expect(config.peers.first?.password == "example-tor-password")
    }

    @Test("ConfigLoader: a missing secret names the password field and the secrets directory")
    func loaderMissingSecret() throws {
        let dir = try Self.directory([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = ConfigLoader.load(path: ConfigFixtures.example("ebgp-tor.yaml"), nodeName: "rack1-node1", secretsDirectory: dir)
        guard case .failure(let errors) = result else {
            Issue.record("expected a missing-secret error")
            return
        }
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.field == "BGPPeer(rack1-tor-node1).spec.password.secretKeyRef")
        #expect(error.file.hasSuffix("config/ebgp-tor.yaml") && error.line == 61 && error.column == 5)
        #expect(error.message.contains(dir))
    }

    @Test("ConfigLoader without a secrets directory: secretKeyRef is an error, not a throw")
    func loaderNoSecretsDirectory() {
        let result = ConfigLoader.load(path: ConfigFixtures.example("ebgp-tor.yaml"), nodeName: "rack1-node1", secretsDirectory: nil)
        guard case .failure(let errors) = result else {
            Issue.record("expected an error")
            return
        }
        #expect(errors.first?.message.contains("--secrets") == true)
    }

    @Test("The password never appears in description, debugDescription, dump, or the configuration's description")
    func redaction() throws {
        let config = try ConfigFixtures.planExample("ebgp-tor.yaml", node: "rack1-node1")
        let peer = try #require(config.peers.first)
        let secret = "example-tor-password"
        #expect(peer.password == secret)
        #expect(!String(describing: peer).contains(secret))
        #expect(String(describing: peer).contains("<redacted>"))
        #expect(!String(reflecting: peer).contains(secret))
        #expect(!"\(peer)".contains(secret))
        var dumped = ""
        dump(peer, to: &dumped)
        #expect(!dumped.contains(secret))
        #expect(!String(describing: config).contains(secret))
        #expect(!String(reflecting: config).contains(secret))
        #expect(!String(describing: config.peers).contains(secret))
    }
}
