// SPDX-License-Identifier: Apache-2.0
// An etcd v3 client over etcd's JSON gRPC gateway (HTTP/1.1 POSTs to /v3/kv/..., /v3/lease/..., /v3/watch), enough
// for a Calico-style datastore: KV range (paged, one revision), put, delete, txn, leases with keepalive, and prefix
// watches with progress notifications. Calico's own client (libcalico-go lib/backend/etcdv3) uses clientv3 over
// gRPC; the gateway carries the same messages as JSON, which keeps this client to AsyncHTTPClient and Foundation.
//
// Endpoints are tried in order on connection errors, starting from the one that answered last. Every unary call is
// bounded by `Configuration.requestTimeout` (connect, request and body), so a dead etcd never hangs a caller.

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOSSL
import Synchronization

public final class EtcdClient: Sendable {
    public struct Configuration: Sendable {
        /// Bound on one unary call across all endpoints (connect, send, answer).
        public var requestTimeout: Duration = .seconds(5)
        /// Bound on opening one connection; a dead endpoint costs at most this before the next is tried.
        public var connectTimeout: Duration = .seconds(2)
        /// Keys per page of `range(prefix:)`.
        public var pageSize: Int = 1000
        /// Largest unary response body accepted.
        public var maximumResponseBytes: Int = 128 << 20
        /// A watch that receives nothing for this long ends with `unavailable` (a hung or partitioned etcd keeps
        /// the connection open). It must exceed etcd's `--experimental-watch-progress-notify-interval` (10 minutes
        /// by default), since a quiet prefix is silent until the next progress notification. `nil`: never.
        public var watchIdleTimeout: Duration? = .seconds(11 * 60)

        public init() {}
    }

    public let endpoints: [String]
    public let configuration: Configuration
    private let http: HTTPClient
    /// Watches get their own client: its read timeout is the watch idle timeout, which unary calls must not inherit.
    private let watchHTTP: HTTPClient
    private let logger: Logger
    /// Index of the endpoint that answered last; calls start there (one owner: this mutex).
    private let preferred = Mutex(0)
    private let isShutDown = Atomic(false)

    public init(
        endpoints: [String], tls: EtcdTLS? = nil, logger: Logger = Logger(label: "etcd"),
        configuration: Configuration = Configuration()
    ) throws {
        guard !endpoints.isEmpty else { throw EtcdError.invalidConfiguration("no endpoints") }
        self.endpoints = try endpoints.map(Self.normalised)
        self.configuration = configuration
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration()
        // No read timeout: a watch may be quiet for minutes; unary calls have their own deadline.
        httpConfiguration.timeout = .init(connect: TimeAmount(configuration.connectTimeout), read: nil)
        // The gateway is HTTP/1.1; with TLS etcd would otherwise negotiate h2 for its gRPC server.
        httpConfiguration.httpVersion = .http1Only
        httpConfiguration.redirectConfiguration = .disallow
        if let tls {
            httpConfiguration.tlsConfiguration = try Self.tlsConfiguration(tls)
        } else if self.endpoints.contains(where: { $0.hasPrefix("https://") }) {
            httpConfiguration.tlsConfiguration = .makeClientConfiguration()
        }
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        httpConfiguration.timeout.read = configuration.watchIdleTimeout.map { TimeAmount($0) }
        watchHTTP = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
    }

    /// Closes connections; running watches end with `unavailable`. Call it before the last reference goes; a client
    /// dropped without it shuts its HTTP client down in the background (AsyncHTTPClient would otherwise trap).
    public func shutdown() async throws {
        guard !isShutDown.exchange(true, ordering: .relaxed) else { return }
        try await watchHTTP.shutdown()
        try await http.shutdown()
    }

    deinit {
        if !isShutDown.exchange(true, ordering: .relaxed) {
            watchHTTP.shutdown { _ in }
            http.shutdown { _ in }
        }
    }

    // MARK: KV

    public func get(_ key: String) async throws -> EtcdKeyValue? {
        let body = EtcdGateway.rangeRequest(key: Array(key.utf8), rangeEnd: nil, limit: 0, revision: 0)
        let response = try await unary("/v3/kv/range", body, as: EtcdGateway.RangeResponse.self)
        return try response.kvs?.first?.model()
    }

    /// All keys under `prefix` at one revision, fetched `Configuration.pageSize` keys at a time: the first page fixes
    /// the revision and later pages read at it, continuing after the last key seen. If etcd compacts that revision
    /// between pages the listing starts over.
    public func range(prefix: String) async throws -> EtcdRangeResult {
        var attempts = 0
        while true {
            do {
                return try await pagedRange(prefix: prefix)
            } catch EtcdError.server(let code, let message)
                where code == EtcdError.GRPCCode.outOfRange && message.contains("compacted") && attempts < 3
            {
                attempts += 1
                logger.notice(
                    "etcd range restarts: revision compacted between pages", metadata: ["prefix": "\(prefix)"])
            }
        }
    }

    private func pagedRange(prefix: String) async throws -> EtcdRangeResult {
        let end = EtcdGateway.prefixRangeEnd(Array(prefix.utf8))
        var start = Array(prefix.utf8)
        var revision: Int64 = 0
        var kvs: [EtcdKeyValue] = []
        while true {
            let body = EtcdGateway.rangeRequest(
                key: start, rangeEnd: end, limit: configuration.pageSize, revision: revision)
            let page = try await unary("/v3/kv/range", body, as: EtcdGateway.RangeResponse.self)
            if revision == 0 {
                revision = page.header?.revision?.value ?? 0
                guard revision > 0 else { throw EtcdError.malformedResponse("range without header revision") }
            }
            let pageKVs = try (page.kvs ?? []).map { (kv) throws(EtcdError) in try kv.model() }
            kvs.append(contentsOf: pageKVs)
            guard page.more == true, let last = pageKVs.last else { break }
            start = EtcdGateway.keyAfter(Array(last.key.utf8))
        }
        return EtcdRangeResult(kvs: kvs, revision: revision)
    }

    /// Returns the store revision after the put.
    @discardableResult
    public func put(_ key: String, value: [UInt8], lease: Int64? = nil) async throws -> Int64 {
        let body = EtcdGateway.putRequest(key: key, value: value, lease: lease)
        let response = try await leaseCall(lease ?? 0) {
            try await self.unary("/v3/kv/put", body, as: EtcdGateway.PutResponse.self)
        }
        return response.header?.revision?.value ?? 0
    }

    /// Returns how many keys were deleted (0 or 1).
    @discardableResult
    public func delete(_ key: String) async throws -> Int64 {
        let body = EtcdGateway.deleteRequest(key: key, prefix: false)
        let response = try await unary(
            "/v3/kv/deleterange", body, as: EtcdGateway.DeleteRangeResponse.self, idempotent: false)
        return response.deleted?.value ?? 0
    }

    /// Deletes every key under `prefix`; returns how many.
    @discardableResult
    public func delete(prefix: String) async throws -> Int64 {
        let body = EtcdGateway.deleteRequest(key: prefix, prefix: true)
        let response = try await unary(
            "/v3/kv/deleterange", body, as: EtcdGateway.DeleteRangeResponse.self, idempotent: false)
        return response.deleted?.value ?? 0
    }

    /// If every compare holds, runs `success`, else `failure`, atomically (etcd Txn).
    ///
    /// Sent to another endpoint only when the first could not be connected to, so one call never applies twice.
    /// On `unavailable` the outcome is unknown (as with clientv3): re-read the keys before retrying.
    public func txn(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = [])
        async throws -> EtcdTxnResult
    {
        let body = EtcdGateway.txnRequest(compare: compare, success: success, failure: failure)
        let leases = (success + failure).compactMap { operation -> Int64? in
            if case .put(_, _, let lease?) = operation, lease != 0 { return lease }
            return nil
        }
        let response = try await leaseCall(leases.first ?? 0) {
            try await self.unary("/v3/kv/txn", body, as: EtcdGateway.TxnResponse.self, idempotent: false)
        }
        return EtcdTxnResult(succeeded: response.succeeded ?? false, revision: response.header?.revision?.value ?? 0)
    }

    /// Compacts history up to `revision` (tests use it to provoke `compacted` watches).
    public func compact(revision: Int64) async throws {
        _ = try await unary(
            "/v3/kv/compaction", ["revision": String(revision), "physical": true], as: EtcdGateway.PutResponse.self)
    }

    /// The current store revision (maintenance status header).
    public func currentRevision() async throws -> Int64 {
        let response = try await unary("/v3/maintenance/status", [:], as: EtcdGateway.PutResponse.self)
        return response.header?.revision?.value ?? 0
    }

    // MARK: leases

    public func grantLease(ttl: Int64) async throws -> EtcdLease {
        let response = try await unary(
            "/v3/lease/grant", ["TTL": String(ttl)], as: EtcdGateway.LeaseGrantResponse.self)
        if let error = response.error, !error.isEmpty { throw EtcdError.server(code: 0, message: error) }
        guard let id = response.id?.value, id != 0 else { throw EtcdError.malformedResponse("lease grant without ID") }
        return EtcdLease(id: id, ttl: response.ttl?.value ?? ttl)
    }

    /// Refreshes the lease once; returns its TTL again. etcd answers an unknown or expired lease with TTL 0.
    public func keepAlive(_ id: Int64) async throws -> Int64 {
        let response = try await unary(
            "/v3/lease/keepalive", ["ID": String(id)], as: EtcdGateway.LeaseKeepAliveResponse.self)
        if let error = response.error {
            throw EtcdGateway.serverError(
                code: error.grpcCode ?? error.httpCode ?? 0, message: error.message ?? "keepalive error")
        }
        let ttl = response.result?.ttl?.value ?? 0
        guard ttl > 0 else { throw EtcdError.leaseNotFound(id) }
        return ttl
    }

    /// Revokes the lease; its keys are deleted. Throws `leaseNotFound` if it is already gone.
    public func revoke(_ id: Int64) async throws {
        _ = try await leaseCall(id) {
            try await self.unary(
                "/v3/lease/revoke", ["ID": String(id)], as: EtcdGateway.PutResponse.self, idempotent: false)
        }
    }

    /// Maps etcd's "requested lease not found" (gRPC NOT_FOUND, rpctypes.ErrLeaseNotFound) to `leaseNotFound(id)`.
    private func leaseCall<T>(_ id: Int64, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch EtcdError.server(let code, let message)
            where id != 0 && code == EtcdError.GRPCCode.notFound && message.contains("lease not found")
        {
            throw EtcdError.leaseNotFound(id)
        }
    }

    // MARK: transport

    /// POSTs `body` as JSON and decodes the answer, within `requestTimeout` over all endpoints. A call that is not
    /// `idempotent` moves to the next endpoint only if the request cannot have reached etcd.
    func unary<T: Decodable & Sendable>(
        _ path: String, _ body: [String: Any], as type: T.Type, idempotent: Bool = true
    ) async throws -> T {
        let data = EtcdGateway.encode(body)
        let timeout = configuration.requestTimeout
        let answer = try await withThrowingTaskGroup(of: Data.self) { group in
            group.addTask { try await self.post(path, data, idempotent: idempotent) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw EtcdError.unavailable("\(path) timed out after \(timeout)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
        return try EtcdGateway.decode(type, answer)
    }

    /// One request, tried on each endpoint in turn while connecting fails. A non-200 answer is final (it came from
    /// etcd, and another member would say the same), except gRPC UNAVAILABLE for idempotent calls.
    private func post(_ path: String, _ data: Data, idempotent: Bool) async throws -> Data {
        var failures: [String] = []
        for index in endpointOrder() {
            let url = endpoints[index] + path
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
            let body: ByteBuffer
            let status: Int
            do {
                let response = try await http.execute(request, timeout: TimeAmount(configuration.requestTimeout))
                status = Int(response.status.code)
                body = try await response.body.collect(upTo: configuration.maximumResponseBytes)
            } catch {
                try Task.checkCancellation()
                logger.warning("etcd request failed", metadata: ["url": "\(url)", "error": "\(error)"])
                failures.append("\(endpoints[index]): \(error)")
                if !idempotent && !Self.failedBeforeSending(error) {
                    throw EtcdError.unavailable("\(path): outcome unknown: \(failures.joined(separator: "; "))")
                }
                continue
            }
            preferred.withLock { $0 = index }
            let answer = Data(buffer: body)
            guard status == 200 else {
                let error = EtcdGateway.unaryError(httpStatus: status, body: answer)
                logger.debug("etcd answered an error", metadata: ["url": "\(url)", "error": "\(error)"])
                // A member without quorum answers UNAVAILABLE ("no leader"); another member may do better. Only
                // for calls that may safely run twice: the member might have applied it before failing.
                if case .unavailable = error, idempotent {
                    failures.append("\(endpoints[index]): \(error)")
                    continue
                }
                throw error
            }
            return answer
        }
        throw EtcdError.unavailable(failures.joined(separator: "; "))
    }

    /// Whether `error` means no connection was made, so the request never reached etcd.
    package static func failedBeforeSending(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .connectTimeout }
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        // NIOPosix's happy-eyeballs connect failure; that module is not a dependency of this target.
        return String(describing: type(of: error)) == "NIOConnectionError"
    }

    /// Every endpoint index, starting with the one that answered last.
    func endpointOrder() -> [Int] {
        let start = preferred.withLock { $0 }
        return (0..<endpoints.count).map { (start + $0) % endpoints.count }
    }

    // MARK: watch

    /// Events for keys under `prefix` from `fromRevision` on, in order. Ends by throwing (unavailable when the
    /// connection drops or etcd stops, compacted when the revision is gone); the caller re-watches.
    ///
    /// Batches without events are progress notifications (requested with `progress_notify`; etcd sends them every
    /// `--experimental-watch-progress-notify-interval`, 10 minutes by default): everything up to their revision has
    /// been delivered. Resume from `EtcdWatchBatch.resumeRevision` of the last batch. Ending the iteration (or
    /// dropping the stream) cancels the watch.
    public func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<EtcdWatchBatch, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: EtcdWatchBatch.self, throwing: Error.self)
        let task = Task {
            do {
                try await self.runWatch(prefix: prefix, fromRevision: fromRevision, into: continuation)
            } catch is CancellationError {
                continuation.finish()
            } catch let error as EtcdError {
                if !Task.isCancelled {
                    self.logger.warning(
                        "etcd watch ended", metadata: ["prefix": "\(prefix)", "error": "\(error)"])
                }
                continuation.finish(throwing: error)
            } catch {
                continuation.finish(throwing: Task.isCancelled ? error : EtcdError.unavailable("watch: \(error)"))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch(
        prefix: String, fromRevision: Int64, into continuation: AsyncThrowingStream<EtcdWatchBatch, Error>.Continuation
    ) async throws {
        let data = EtcdGateway.encode(EtcdGateway.watchCreateRequest(prefix: prefix, fromRevision: fromRevision))
        let response = try await openWatch(data)
        var framer = GatewayLineFramer()
        do {
            for try await chunk in response.body {
                for line in try framer.append(chunk.readableBytesView) {
                    switch try EtcdGateway.watchMessage(line) {
                    case .created(let revision):
                        logger.debug("etcd watch created", metadata: ["prefix": "\(prefix)", "revision": "\(revision)"])
                        continuation.yield(EtcdWatchBatch(events: [], revision: revision, isCreated: true))
                    case .batch(let events, let revision):
                        continuation.yield(EtcdWatchBatch(events: events, revision: revision))
                    case .progress(let revision):
                        continuation.yield(EtcdWatchBatch(events: [], revision: revision))
                    }
                }
            }
        } catch let error as EtcdError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw EtcdError.unavailable("watch connection lost: \(error)")
        }
        try Task.checkCancellation()
        throw EtcdError.unavailable("watch stream closed by etcd")
    }

    /// Sends the create request to the first endpoint that answers, bounded by `requestTimeout` until the head.
    private func openWatch(_ data: Data) async throws -> HTTPClientResponse {
        var failures: [String] = []
        for index in endpointOrder() {
            let url = endpoints[index] + "/v3/watch"
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
            let response: HTTPClientResponse
            do {
                // The deadline covers only the response head; the body streams for as long as the watch lives.
                response = try await watchHTTP.execute(request, timeout: TimeAmount(configuration.requestTimeout))
            } catch {
                try Task.checkCancellation()
                logger.warning("etcd watch request failed", metadata: ["url": "\(url)", "error": "\(error)"])
                failures.append("\(endpoints[index]): \(error)")
                continue
            }
            preferred.withLock { $0 = index }
            guard response.status == .ok else {
                let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
                throw EtcdGateway.unaryError(httpStatus: Int(response.status.code), body: Data(buffer: body))
            }
            return response
        }
        throw EtcdError.unavailable(failures.joined(separator: "; "))
    }

    // MARK: configuration

    /// "http://host:port" without a trailing slash; only http and https.
    static func normalised(_ endpoint: String) throws(EtcdError) -> String {
        var text = endpoint.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme, scheme == "http" || scheme == "https",
            url.host != nil
        else { throw .invalidConfiguration("endpoint \(endpoint): want http://host:port or https://host:port") }
        return text
    }

    static func tlsConfiguration(_ tls: EtcdTLS) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        do {
            // Loaded here as PEM: NIOSSL's `.file` sources guess the format from the name and take "x.key" for DER.
            if let caFile = tls.caFile {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
            switch (tls.certFile, tls.keyFile) {
            case (let cert?, let key?):
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            case (nil, nil):
                break
            default:
                throw EtcdError.invalidConfiguration("a client certificate needs both certFile and keyFile")
            }
        } catch let error as EtcdError {
            throw error
        } catch {
            throw EtcdError.invalidConfiguration("TLS files: \(error)")
        }
        return configuration
    }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
