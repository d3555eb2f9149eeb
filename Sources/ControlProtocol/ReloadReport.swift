// SPDX-License-Identifier: Apache-2.0
// The answer to a `reload` that was applied (SIGHUP logs the same value): which peers were added, removed,
// restarted because their definition changed, or left alone, and which other parts of the configuration changed.
// Unchanged peers keep their sessions: their `since` in `show protocols` does not move.

/// What one applied reload changed.
public struct ReloadReport: Hashable, Sendable, Codable {
    /// The configuration file that was read.
    public var configFile: String
    /// New sessions (started).
    public var peersAdded: [String]
    /// Sessions that were deconfigured (Cease 6/3).
    public var peersRemoved: [String]
    /// Sessions whose definition changed and that were restarted (Cease 6/6).
    public var peersChanged: [String]
    /// Sessions left alone.
    public var peersUnchanged: [String]
    /// Everything else that changed, one phrase each ("export policy", "originated routes", …); entries that only
    /// take effect on a restart say so.
    public var otherChanges: [String]
    /// The new configuration's notes (accepted but ignored fields and the like).
    public var notes: [String]

    public init(
        configFile: String, peersAdded: [String] = [], peersRemoved: [String] = [], peersChanged: [String] = [],
        peersUnchanged: [String] = [], otherChanges: [String] = [], notes: [String] = []
    ) {
        self.configFile = configFile
        self.peersAdded = peersAdded
        self.peersRemoved = peersRemoved
        self.peersChanged = peersChanged
        self.peersUnchanged = peersUnchanged
        self.otherChanges = otherChanges
        self.notes = notes
    }

    /// Nothing at all changed.
    public var isNoOp: Bool {
        peersAdded.isEmpty && peersRemoved.isEmpty && peersChanged.isEmpty && otherChanges.isEmpty
    }

    /// One line: "reloaded FILE: peers 1 added, 0 removed, 1 changed, 2 unchanged; other changes: …".
    public var summary: String {
        var text = "reloaded \(configFile): peers \(peersAdded.count) added, \(peersRemoved.count) removed, "
            + "\(peersChanged.count) changed, \(peersUnchanged.count) unchanged"
        text += otherChanges.isEmpty ? "; no other changes" : "; other changes: " + otherChanges.joined(separator: ", ")
        return text
    }
}
