// SPDX-License-Identifier: Apache-2.0
// The commands swiftletd's BIRD-compatible socket understands, parsed from one request line: `show status`,
// `show protocols [all] [NAME | "PATTERN"]`, `show route [all] [PREFIX | for ADDRESS] [protocol NAME]`, and
// `quit`/`exit` (ignored, as BIRD's server ignores them: birdcl handles them itself). Keywords are matched
// case-insensitively and may be abbreviated to any unambiguous prefix (`sh pro all`), which is what birdc
// expands on its side; BIRD's server itself wants whole words, so this is a superset. Everything else is a
// `9001 syntax error`, with BIRD's wording where BIRD has one.

/// One parsed request line.
public enum BirdCommand: Hashable, Sendable {
    case showStatus
    case showProtocols(all: Bool, selector: BirdProtocolSelector?)
    case showRoute(BirdRouteQuery)
    /// `quit`/`exit`: no reply, the connection stays open (BIRD's server behaves the same).
    case quit
    /// A `9001` reply with this text after `syntax error, `.
    case syntaxError(String)

    /// Parses one line (without its newline).
    public static func parse(_ line: String) -> BirdCommand {
        var tokens: [Token]
        switch tokenize(line) {
        case .success(let t): tokens = t
        case .failure(let error): return .syntaxError(error.text)
        }
        guard !tokens.isEmpty else { return .syntaxError("unexpected END") }
        let first = tokens.removeFirst()
        switch keyword(first, ["show", "quit", "exit"]) {
        case "quit", "exit": return tokens.isEmpty ? .quit : .syntaxError("unexpected CF_SYM_UNDEFINED, expecting END")
        case "show": break
        case .some(let other): return .syntaxError("command not supported by swiftletd: \(other)")
        case nil:
            return .syntaxError(
                unsupportedTopLevel.contains(where: { $0.hasPrefix(first.text.lowercased()) })
                    ? "command not supported by swiftletd: \(first.text)" : "unexpected CF_SYM_UNDEFINED")
        }
        guard !tokens.isEmpty else { return .syntaxError("unexpected END") }
        let what = tokens.removeFirst()
        switch keyword(what, ["status", "protocols", "route"]) {
        case "status":
            return tokens.isEmpty ? .showStatus : .syntaxError("unexpected CF_SYM_UNDEFINED, expecting END")
        case "protocols":
            var all = false
            if let next = tokens.first, keyword(next, ["all"]) == "all" {
                all = true
                tokens.removeFirst()
            }
            guard let target = tokens.first else { return .showProtocols(all: all, selector: nil) }
            guard tokens.count == 1 else { return .syntaxError("unexpected CF_SYM_UNDEFINED, expecting END") }
            return .showProtocols(all: all, selector: target.quoted ? .pattern(target.text) : .name(target.text))
        case "route":
            return parseRoute(tokens)
        default:
            return .syntaxError(
                unsupportedShow.contains(where: { $0.hasPrefix(what.text.lowercased()) })
                    ? "command not supported by swiftletd: show \(what.text)" : "unexpected CF_SYM_UNDEFINED")
        }
    }

    private static func parseRoute(_ tokens: [Token]) -> BirdCommand {
        var query = BirdRouteQuery()
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token.quoted ? nil : keyword(token, ["all", "for", "protocol", "primary"]) {
            case "all": query.all = true
            case "primary": query.primaryOnly = true
            case "for", "protocol":
                guard index < tokens.count else { return .syntaxError("unexpected END") }
                if keyword(token, ["for", "protocol"]) == "for" {
                    query.prefix = tokens[index].text
                    query.longestMatch = true
                } else {
                    query.protocolName = tokens[index].text
                }
                index += 1
            default:
                guard !token.quoted, token.text.first.map({ $0.isHexDigit || $0 == ":" }) == true,
                    query.prefix == nil
                else { return .syntaxError("unexpected CF_SYM_UNDEFINED") }
                query.prefix = token.text
            }
        }
        return .showRoute(query)
    }

    /// Top-level BIRD commands this socket does not implement (answered "not supported", not "unexpected").
    static let unsupportedTopLevel = [
        "configure", "disable", "enable", "restart", "reload", "down", "debug", "dump", "eval", "echo", "mrtdump",
        "graceful", "help",
    ]
    static let unsupportedShow = [
        "interfaces", "ospf", "rip", "static", "symbols", "bfd", "babel", "memory", "rpki", "mrt",
    ]

    struct Token: Hashable {
        var text: String
        var quoted: Bool
    }

    struct TokenError: Error {
        var text: String
    }

    static func tokenize(_ line: String) -> Result<[Token], TokenError> {
        var tokens: [Token] = []
        var current = ""
        var inQuotes = false
        var wasQuoted = false
        for character in line {
            if inQuotes {
                if character == "\"" {
                    inQuotes = false
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
                wasQuoted = true
            } else if character == " " || character == "\t" || character == "\r" {
                if !current.isEmpty || wasQuoted { tokens.append(Token(text: current, quoted: wasQuoted)) }
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
        }
        if inQuotes { return .failure(TokenError(text: "Unterminated string")) }
        if !current.isEmpty || wasQuoted { tokens.append(Token(text: current, quoted: wasQuoted)) }
        return .success(tokens)
    }

    /// The keyword `token` names: an exact match, or the one keyword it is a prefix of.
    static func keyword(_ token: Token, _ keywords: [String]) -> String? {
        guard !token.quoted, !token.text.isEmpty else { return nil }
        let word = token.text.lowercased()
        if keywords.contains(word) { return word }
        let candidates = keywords.filter { $0.hasPrefix(word) }
        return candidates.count == 1 ? candidates[0] : nil
    }
}

/// Which protocols `show protocols` is about.
public enum BirdProtocolSelector: Hashable, Sendable {
    /// A bare name: the protocol of that name (BIRD: a known symbol, else a syntax error).
    case name(String)
    /// A quoted shell pattern (`"Mesh_*"`): `*` and `?` wildcards.
    case pattern(String)

    /// Whether `name` is selected.
    public func matches(_ name: String) -> Bool {
        switch self {
        case .name(let wanted): name == wanted
        case .pattern(let pattern): Self.match(Array(pattern), Array(name))
        }
    }

    /// BIRD's `patmatch`: `*` any run, `?` any one character.
    static func match(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var star: Int?, resume = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                p += 1
                resume = t
            } else if let s = star {
                p = s + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// The `show route` options this socket supports.
public struct BirdRouteQuery: Hashable, Sendable {
    public var all = false
    public var primaryOnly = false
    /// A prefix, or with `longestMatch` an address (`show route for 10.0.0.1`).
    public var prefix: String?
    public var longestMatch = false
    public var protocolName: String?

    public init(
        all: Bool = false, primaryOnly: Bool = false, prefix: String? = nil, longestMatch: Bool = false,
        protocolName: String? = nil
    ) {
        self.all = all
        self.primaryOnly = primaryOnly
        self.prefix = prefix
        self.longestMatch = longestMatch
        self.protocolName = protocolName
    }
}
