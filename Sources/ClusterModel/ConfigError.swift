// SPDX-License-Identifier: Apache-2.0
// Configuration errors and the source positions they point at. Every problem an operator can make in a config file
// becomes one `ConfigError` naming file, line, column and the dotted field path (`BGPPeer(tor).spec.asNumber`), so
// loading reports all mistakes at once and never throws past `Datastore` (docs/architecture.md §6).

/// Where a YAML node starts: 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The whole file, when no node is to blame (line and column 0 are left out of messages).
    public static func file(_ file: String) -> SourceLocation { SourceLocation(file: file, line: 0, column: 0) }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One mistake in the configuration, printed as `file:line:column: field: message`.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the error concerns the file (or the configuration) as a whole.
    public var line: Int
    public var column: Int
    /// Dotted path such as `BGPPeer(rack1-tor).spec.asNumber`; empty for YAML syntax errors.
    public var field: String
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public init(at location: SourceLocation, field: String, message: String) {
        self.init(file: location.file, line: location.line, column: location.column, field: field, message: message)
    }

    public var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    public var description: String {
        field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}

/// Every error of one load, in file order. A struct rather than `[ConfigError]` because `Result` needs its failure
/// to conform to `Error`, and conforming `Array` to it retroactively would leak into every importer.
public struct ConfigErrors: Error, Hashable, Sendable, RandomAccessCollection, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) { self.errors = errors }
    public init(arrayLiteral elements: ConfigError...) { self.errors = elements }

    public var startIndex: Int { errors.startIndex }
    public var endIndex: Int { errors.endIndex }
    public subscript(position: Int) -> ConfigError { errors[position] }

    /// One error per line, as `swiftletd` prints them.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
