// SPDX-License-Identifier: Apache-2.0
// What a watch delivers (mvccpb.Event grouped per etcdserverpb.WatchResponse). A batch with no events is a progress
// notification: nothing under the prefix changed up to `revision`.

public struct EtcdWatchEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case put, delete }
    public var kind: Kind
    /// For a delete: key and modRevision set (the delete's revision), value empty.
    public var kv: EtcdKeyValue

    public init(kind: Kind, kv: EtcdKeyValue) {
        self.kind = kind
        self.kv = kv
    }
}

public struct EtcdWatchBatch: Sendable {
    /// In revision order; empty for a progress notification.
    public var events: [EtcdWatchEvent]
    /// The store revision when etcd sent the batch (the response header's). While a watch catches up from an old
    /// revision etcd sends at most 1000 revisions per batch with the current revision here, so resume from the last
    /// event's modRevision + 1; for a progress notification (no events) every change up to `revision` was sent
    /// (etcd mvcc/watchable_store.go, `syncWatchers` and `progress`).
    public var revision: Int64

    /// Where a re-watch continues without losing or repeating events (meaningless for `isCreated`).
    public var resumeRevision: Int64 {
        if let last = events.last { return last.kv.modRevision + 1 }
        return revision + 1
    }

    /// The first batch of every watch: etcd accepted it (no events; `revision` is the store's revision then, and
    /// events from the start revision on still follow, so this is not a resume point). Lets a caller see that a
    /// watch resumed while nothing changes.
    public var isCreated: Bool

    public init(events: [EtcdWatchEvent], revision: Int64, isCreated: Bool = false) {
        self.events = events
        self.revision = revision
        self.isCreated = isCreated
    }
}
