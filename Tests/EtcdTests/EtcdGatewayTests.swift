// SPDX-License-Identifier: Apache-2.0
// The gateway's JSON without an etcd: request shapes, response decoding (answers captured from etcd 3.4.23), watch
// stream framing and error mapping. Fast, no network, no clock.

import EtcdClient
import Foundation
import Testing

@Suite("etcd gateway JSON")
struct EtcdGatewayTests {
    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test(
        "A prefix's range end increments its last byte below 0xff (clientv3 GetPrefixRangeEnd)",
        arguments: [
            ([UInt8]("/calico/".utf8), [UInt8]("/calico0".utf8)),
            ([0x61, 0xff], [0x62]),
            ([0xff, 0xff], [0x00]),
            ([], [0x00]),
        ] as [([UInt8], [UInt8])])
    func prefixRangeEnd(prefix: [UInt8], end: [UInt8]) {
        #expect(EtcdGateway.prefixRangeEnd(prefix) == end)
    }

    @Test("The next page starts right after the last key")
    func keyAfter() {
        #expect(EtcdGateway.keyAfter(Array("/a/1".utf8)) == Array("/a/1".utf8) + [0])
    }

    @Test("A paged range request carries key, range_end, limit and revision as strings and base64")
    func rangeRequest() throws {
        let body = try Self.json(
            EtcdGateway.encode(
                EtcdGateway.rangeRequest(
                    key: Array("/a/".utf8), rangeEnd: Array("/a0".utf8), limit: 100, revision: 42)))
        #expect(body["key"] as? String == Self.b64("/a/"))
        #expect(body["range_end"] as? String == Self.b64("/a0"))
        #expect(body["limit"] as? String == "100")
        #expect(body["revision"] as? String == "42")
        let first = try Self.json(
            EtcdGateway.encode(EtcdGateway.rangeRequest(key: [0x61], rangeEnd: nil, limit: 0, revision: 0)))
        #expect(first["revision"] == nil && first["limit"] == nil && first["range_end"] == nil)
    }

    @Test("A txn maps compares to target/field pairs and operations to request_put / request_delete_range")
    func txnRequest() throws {
        let body = try Self.json(
            EtcdGateway.encode(
                EtcdGateway.txnRequest(
                    compare: [
                        .createRevision(key: "/k", equals: 0), .modRevision(key: "/k", equals: 7),
                        .value(key: "/k", equals: Array("v".utf8)),
                    ],
                    success: [.put(key: "/k", value: Array("x".utf8), lease: 99), .deletePrefix("/p/")],
                    failure: [.delete(key: "/k")])))
        let compare = try #require(body["compare"] as? [[String: Any]])
        #expect(compare.count == 3)
        #expect(compare[0]["target"] as? String == "CREATE" && compare[0]["create_revision"] as? String == "0")
        #expect(compare[1]["target"] as? String == "MOD" && compare[1]["mod_revision"] as? String == "7")
        #expect(compare[2]["target"] as? String == "VALUE" && compare[2]["value"] as? String == Self.b64("v"))
        #expect(compare.allSatisfy { $0["result"] as? String == "EQUAL" && $0["key"] as? String == Self.b64("/k") })
        let success = try #require(body["success"] as? [[String: Any]])
        let put = try #require(success[0]["request_put"] as? [String: Any])
        #expect(put["lease"] as? String == "99" && put["value"] as? String == Self.b64("x"))
        let deletePrefix = try #require(success[1]["request_delete_range"] as? [String: Any])
        #expect(deletePrefix["range_end"] as? String == Self.b64("/p0"))
        let failure = try #require(body["failure"] as? [[String: Any]])
        let delete = try #require(failure[0]["request_delete_range"] as? [String: Any])
        #expect(delete["range_end"] == nil)
    }

    @Test("A watch asks for the prefix from a revision with progress notifications")
    func watchRequest() throws {
        let body = try Self.json(
            EtcdGateway.encode(EtcdGateway.watchCreateRequest(prefix: "/calico/", fromRevision: 12)))
        let create = try #require(body["create_request"] as? [String: Any])
        #expect(create["key"] as? String == Self.b64("/calico/"))
        #expect(create["range_end"] as? String == Self.b64("/calico0"))
        #expect(create["start_revision"] as? String == "12")
        #expect(create["progress_notify"] as? Bool == true)
    }

    @Test("Watch lines: created, a PUT without type, a DELETE with only key and mod_revision, progress")
    func watchMessages() throws {
        let created = #"{"result":{"header":{"cluster_id":"1","revision":"3","raft_term":"2"},"created":true}}"#
        #expect(try EtcdGateway.watchMessage(Data(created.utf8)) == .created(revision: 3))
        let put =
            #"{"result":{"header":{"revision":"4"},"events":[{"kv":{"key":"L2EvMg==","create_revision":"4","mod_revision":"4","version":"1","value":"djI=","lease":"7"}}]}}"#
        #expect(
            try EtcdGateway.watchMessage(Data(put.utf8))
                == .batch(
                    events: [
                        EtcdWatchEvent(
                            kind: .put,
                            kv: EtcdKeyValue(
                                key: "/a/2", value: Array("v2".utf8), createRevision: 4, modRevision: 4, version: 1,
                                lease: 7))
                    ], revision: 4))
        let delete = #"{"result":{"header":{"revision":"5"},"events":[{"type":"DELETE","kv":{"key":"L2EvMg==","mod_revision":"5"}}]}}"#
        #expect(
            try EtcdGateway.watchMessage(Data(delete.utf8))
                == .batch(
                    events: [EtcdWatchEvent(kind: .delete, kv: EtcdKeyValue(key: "/a/2", value: [], modRevision: 5))],
                    revision: 5))
        let progress = #"{"result":{"header":{"revision":"9"}}}"#
        #expect(try EtcdGateway.watchMessage(Data(progress.utf8)) == .progress(revision: 9))
    }

    @Test("A compacted start revision ends the watch with .compacted; another cancel or an error line ends it too")
    func watchEnds() {
        let compacted = #"{"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"3"}}"#
        #expect(throws: EtcdError.compacted(compactRevision: 3)) {
            try EtcdGateway.watchMessage(Data(compacted.utf8))
        }
        let canceled = #"{"result":{"header":{"revision":"3"},"canceled":true,"cancel_reason":"permission denied"}}"#
        #expect(throws: EtcdError.server(code: 0, message: "watch canceled: permission denied")) {
            try EtcdGateway.watchMessage(Data(canceled.utf8))
        }
        let unavailable = #"{"error":{"grpc_code":14,"http_code":503,"message":"no leader","http_status":"Service Unavailable"}}"#
        #expect(throws: EtcdError.unavailable("no leader")) { try EtcdGateway.watchMessage(Data(unavailable.utf8)) }
        #expect(throws: EtcdError.self) { try EtcdGateway.watchMessage(Data("{\"result\":".utf8)) }
    }

    @Test("Unary errors: gRPC code and message from the body, UNAVAILABLE as .unavailable, else the HTTP status")
    func unaryErrors() {
        let notFound = #"{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}"#
        #expect(
            EtcdGateway.unaryError(httpStatus: 404, body: Data(notFound.utf8))
                == .server(code: 5, message: "etcdserver: requested lease not found"))
        let noLeader = #"{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}"#
        #expect(EtcdGateway.unaryError(httpStatus: 503, body: Data(noLeader.utf8)) == .unavailable("etcdserver: no leader"))
        #expect(EtcdGateway.unaryError(httpStatus: 502, body: Data("Bad Gateway".utf8)) == .server(code: 502, message: "Bad Gateway"))
    }

    @Test("Range answers: int64s as strings, absent fields as zero, bad base64 as malformedResponse")
    func rangeDecoding() throws {
        let answer =
            #"{"header":{"revision":"2"},"kvs":[{"key":"L2EvMQ==","create_revision":"2","mod_revision":"2","version":"1","value":"aGVsbG8="}],"more":true,"count":"1"}"#
        let range = try EtcdGateway.decode(EtcdGateway.RangeResponse.self, Data(answer.utf8))
        #expect(range.more == true)
        #expect(range.header?.revision?.value == 2)
        let kv = try #require(try range.kvs?.first?.model())
        #expect(kv == EtcdKeyValue(key: "/a/1", value: Array("hello".utf8), createRevision: 2, modRevision: 2, version: 1))
        let bad = #"{"header":{"revision":"2"},"kvs":[{"key":"!!!"}]}"#
        let decoded = try EtcdGateway.decode(EtcdGateway.RangeResponse.self, Data(bad.utf8))
        #expect(throws: EtcdError.self) { try decoded.kvs?.first?.model() }
        #expect(throws: EtcdError.self) {
            try EtcdGateway.decode(EtcdGateway.RangeResponse.self, Data(#"{"header":{"revision":"x"}}"#.utf8))
        }
    }

    @Test("The line framer yields whole lines whatever the chunking", arguments: [1, 2, 7, 64, 1000])
    func framer(chunk: Int) throws {
        let text = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n{\"partial\""
        var framer = GatewayLineFramer()
        var lines: [String] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            for line in try framer.append(bytes[start..<min(start + chunk, bytes.count)]) {
                lines.append(String(decoding: line, as: UTF8.self))
            }
        }
        #expect(lines == ["{\"a\":1}", "{\"b\":2}\r", "{\"c\":3}"])
    }

    @Test("A line longer than the limit ends the stream")
    func framerLimit() {
        var framer = GatewayLineFramer(maximumLineLength: 8)
        #expect(throws: EtcdError.self) { _ = try framer.append(Array("0123456789".utf8)) }
    }

    @Test("Endpoints must be http(s) URLs")
    func endpoints() async throws {
        #expect(throws: EtcdError.self) { _ = try EtcdClient(endpoints: []) }
        #expect(throws: EtcdError.self) { _ = try EtcdClient(endpoints: ["127.0.0.1:2379"]) }
        #expect(throws: EtcdError.self) {
            _ = try EtcdClient(
                endpoints: ["http://127.0.0.1:2379"], tls: EtcdTLS(caFile: nil, certFile: "c", keyFile: nil))
        }
        let client = try EtcdClient(endpoints: ["http://127.0.0.1:2379/", "https://[::1]:2379"])
        #expect(client.endpoints == ["http://127.0.0.1:2379", "https://[::1]:2379"])
        try await client.shutdown()
    }

    @Test("A batch resumes after its last event, a progress notification after its revision")
    func resumeRevision() {
        let kv = EtcdKeyValue(key: "/a", value: [], modRevision: 10)
        #expect(EtcdWatchBatch(events: [EtcdWatchEvent(kind: .put, kv: kv)], revision: 2000).resumeRevision == 11)
        #expect(EtcdWatchBatch(events: [], revision: 20).resumeRevision == 21)
    }
}
