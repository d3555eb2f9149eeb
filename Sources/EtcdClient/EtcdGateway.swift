// SPDX-License-Identifier: Apache-2.0
// The JSON shapes of etcd's gRPC gateway (grpc-gateway over etcdserverpb, served on the client port at /v3/...):
// request bodies built here and response bodies decoded here, with no IO, so tests check them without an etcd.
// Facts from etcd's api/etcdserverpb/rpc.proto and Documentation/dev-guide/api_grpc_gateway.md, and from trying
// etcd 3.4: bytes fields are base64, int64 fields are decimal strings, fields at their zero value are left out
// (a PUT event has no "type", a false "succeeded" is absent), stream responses are one JSON object per line wrapped
// in {"result": ...} or {"error": ...}, and a failed unary call answers {"error","message","code"} with an HTTP
// status derived from the gRPC code.

import Foundation

package enum EtcdGateway {
    // MARK: keys

    /// The `range_end` that selects every key starting with `prefix` (clientv3 `GetPrefixRangeEnd`): the prefix with
    /// its last byte below 0xff incremented and the bytes after it dropped; "\0" (all keys) when there is none.
    package static func prefixRangeEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    /// The smallest key after `key` (for paging: the next page starts here).
    package static func keyAfter(_ key: [UInt8]) -> [UInt8] { key + [0] }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    static func base64(_ string: String) -> String { base64(Array(string.utf8)) }

    static func bytes(base64 text: String?, field: String) throws(EtcdError) -> [UInt8] {
        guard let text else { return [] }
        guard let data = Data(base64Encoded: text) else { throw .malformedResponse("\(field) is not base64") }
        return Array(data)
    }

    // MARK: requests

    package static func rangeRequest(key: [UInt8], rangeEnd: [UInt8]?, limit: Int, revision: Int64) -> [String: Any] {
        var body: [String: Any] = ["key": base64(key)]
        if let rangeEnd { body["range_end"] = base64(rangeEnd) }
        if limit > 0 { body["limit"] = String(limit) }
        if revision > 0 { body["revision"] = String(revision) }
        return body
    }

    package static func putRequest(key: String, value: [UInt8], lease: Int64?) -> [String: Any] {
        var body: [String: Any] = ["key": base64(key), "value": base64(value)]
        if let lease, lease != 0 { body["lease"] = String(lease) }
        return body
    }

    package static func deleteRequest(key: String, prefix: Bool) -> [String: Any] {
        var body: [String: Any] = ["key": base64(key)]
        if prefix { body["range_end"] = base64(prefixRangeEnd(Array(key.utf8))) }
        return body
    }

    package static func txnRequest(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation])
        -> [String: Any]
    {
        [
            "compare": compare.map(compareJSON), "success": success.map(operationJSON),
            "failure": failure.map(operationJSON),
        ]
    }

    /// Compare.result defaults to EQUAL (0); the target names the field that is compared (rpc.proto `Compare`).
    static func compareJSON(_ compare: EtcdCompare) -> [String: Any] {
        switch compare {
        case .createRevision(let key, let revision):
            ["result": "EQUAL", "target": "CREATE", "key": base64(key), "create_revision": String(revision)]
        case .modRevision(let key, let revision):
            ["result": "EQUAL", "target": "MOD", "key": base64(key), "mod_revision": String(revision)]
        case .value(let key, let value):
            ["result": "EQUAL", "target": "VALUE", "key": base64(key), "value": base64(value)]
        }
    }

    static func operationJSON(_ operation: EtcdOperation) -> [String: Any] {
        switch operation {
        case .put(let key, let value, let lease): ["request_put": putRequest(key: key, value: value, lease: lease)]
        case .delete(let key): ["request_delete_range": deleteRequest(key: key, prefix: false)]
        case .deletePrefix(let prefix): ["request_delete_range": deleteRequest(key: prefix, prefix: true)]
        }
    }

    package static func watchCreateRequest(prefix: String, fromRevision: Int64) -> [String: Any] {
        var create: [String: Any] = [
            "key": base64(prefix), "range_end": base64(prefixRangeEnd(Array(prefix.utf8))),
            "progress_notify": true,
        ]
        if fromRevision > 0 { create["start_revision"] = String(fromRevision) }
        return ["create_request": create]
    }

    package static func encode(_ body: [String: Any]) -> Data {
        // Only strings, bools, arrays and dictionaries built above: serialisation cannot fail.
        (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    // MARK: responses

    package struct Header: Decodable, Sendable {
        package var revision: GatewayInt64?
    }

    package struct KeyValue: Decodable, Sendable {
        package var key: String?
        package var value: String?
        package var createRevision: GatewayInt64?
        package var modRevision: GatewayInt64?
        package var version: GatewayInt64?
        package var lease: GatewayInt64?

        enum CodingKeys: String, CodingKey {
            case key, value, version, lease
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }

        package func model() throws(EtcdError) -> EtcdKeyValue {
            EtcdKeyValue(
                key: String(decoding: try EtcdGateway.bytes(base64: key, field: "key"), as: UTF8.self),
                value: try EtcdGateway.bytes(base64: value, field: "value"),
                createRevision: createRevision?.value ?? 0, modRevision: modRevision?.value ?? 0,
                version: version?.value ?? 0, lease: lease?.value ?? 0)
        }
    }

    package struct RangeResponse: Decodable, Sendable {
        package var header: Header?
        package var kvs: [KeyValue]?
        package var more: Bool?
    }

    package struct PutResponse: Decodable, Sendable {
        package var header: Header?
    }

    package struct DeleteRangeResponse: Decodable, Sendable {
        package var header: Header?
        package var deleted: GatewayInt64?
    }

    package struct TxnResponse: Decodable, Sendable {
        package var header: Header?
        package var succeeded: Bool?
    }

    package struct LeaseGrantResponse: Decodable, Sendable {
        package var header: Header?
        package var id: GatewayInt64?
        package var ttl: GatewayInt64?
        package var error: String?

        enum CodingKeys: String, CodingKey {
            case header, error
            case id = "ID"
            case ttl = "TTL"
        }
    }

    /// /v3/lease/keepalive is a stream endpoint, so its one answer is wrapped in "result".
    package struct LeaseKeepAliveResponse: Decodable, Sendable {
        package var result: LeaseGrantResponse?
        package var error: StreamError?
    }

    package struct StreamError: Decodable, Sendable {
        package var grpcCode: Int?
        package var httpCode: Int?
        package var message: String?

        enum CodingKeys: String, CodingKey {
            case message
            case grpcCode = "grpc_code"
            case httpCode = "http_code"
        }
    }

    /// The body of a failed unary call.
    package struct UnaryError: Decodable, Sendable {
        package var error: String?
        package var message: String?
        package var code: Int?
    }

    package struct WatchResponse: Decodable, Sendable {
        package var header: Header?
        package var created: Bool?
        package var canceled: Bool?
        package var compactRevision: GatewayInt64?
        package var cancelReason: String?
        package var events: [Event]?

        enum CodingKeys: String, CodingKey {
            case header, created, canceled, events
            case compactRevision = "compact_revision"
            case cancelReason = "cancel_reason"
        }
    }

    package struct Event: Decodable, Sendable {
        package var type: String?
        package var kv: KeyValue?
    }

    package struct WatchLine: Decodable, Sendable {
        package var result: WatchResponse?
        package var error: StreamError?
    }

    /// One line of a watch stream, as the client acts on it.
    package enum WatchMessage: Sendable, Equatable {
        case created(revision: Int64)
        case batch(events: [EtcdWatchEvent], revision: Int64)
        case progress(revision: Int64)
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws(EtcdError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            let text = String(decoding: data.prefix(200), as: UTF8.self)
            throw .malformedResponse("\(T.self): \(error) in \(text)")
        }
    }

    /// Maps one line of a watch stream; throws what ends the watch (`compacted`, a cancel, an error line).
    package static func watchMessage(_ line: Data) throws(EtcdError) -> WatchMessage {
        let decoded = try decode(WatchLine.self, line)
        if let error = decoded.error {
            throw serverError(code: error.grpcCode ?? error.httpCode ?? 0, message: error.message ?? "watch error")
        }
        guard let response = decoded.result else { throw .malformedResponse("watch line without result") }
        let revision = response.header?.revision?.value ?? 0
        // A start revision below the compaction point: etcd answers created + canceled with compact_revision
        // (rpc.proto WatchResponse.compact_revision).
        if let compact = response.compactRevision?.value, compact > 0 {
            throw .compacted(compactRevision: compact)
        }
        if response.canceled == true {
            throw .server(code: 0, message: "watch canceled: \(response.cancelReason ?? "no reason given")")
        }
        if response.created == true { return .created(revision: revision) }
        let events = try (response.events ?? []).map { (event) throws(EtcdError) -> EtcdWatchEvent in
            guard let kv = event.kv else { throw .malformedResponse("watch event without kv") }
            let kind: EtcdWatchEvent.Kind
            switch event.type ?? "PUT" {
            case "PUT": kind = .put
            case "DELETE": kind = .delete
            case let other: throw .malformedResponse("watch event type \(other)")
            }
            return EtcdWatchEvent(kind: kind, kv: try kv.model())
        }
        return events.isEmpty ? .progress(revision: revision) : .batch(events: events, revision: revision)
    }

    /// A gRPC status as an `EtcdError`: UNAVAILABLE means "retry later", like a lost connection.
    package static func serverError(code: Int, message: String) -> EtcdError {
        code == EtcdError.GRPCCode.unavailable ? .unavailable(message) : .server(code: code, message: message)
    }

    /// The error a non-200 unary answer carries.
    package static func unaryError(httpStatus: Int, body: Data) -> EtcdError {
        if let decoded = try? JSONDecoder().decode(UnaryError.self, from: body), let code = decoded.code {
            return serverError(code: code, message: decoded.message ?? decoded.error ?? "")
        }
        return .server(code: httpStatus, message: String(decoding: body.prefix(200), as: UTF8.self))
    }
}

/// An int64 of the gateway: a decimal string (proto3 JSON mapping), or a plain number from older gateways.
package struct GatewayInt64: Decodable, Sendable, Equatable {
    package var value: Int64

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an int64: \(text)")
            }
            self.value = value
        } else {
            value = try container.decode(Int64.self)
        }
    }
}

/// Splits a streamed body into lines (the gateway writes one JSON object per line) across arbitrary chunking.
package struct GatewayLineFramer: Sendable {
    private var buffer: [UInt8] = []
    /// A line longer than this ends the stream as malformed rather than growing without bound.
    package var maximumLineLength: Int

    package init(maximumLineLength: Int = 64 << 20) { self.maximumLineLength = maximumLineLength }

    /// The complete lines now available (without their newline; empty lines skipped).
    package mutating func append(_ bytes: some Sequence<UInt8>) throws(EtcdError) -> [Data] {
        buffer.append(contentsOf: bytes)
        var lines: [Data] = []
        var start = 0
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[start..<newline]
            if !line.allSatisfy({ $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: " ") }) { lines.append(Data(line)) }
            start = newline + 1
        }
        buffer.removeFirst(start)
        if buffer.count > maximumLineLength {
            throw .malformedResponse("stream line over \(maximumLineLength) bytes")
        }
        return lines
    }
}
