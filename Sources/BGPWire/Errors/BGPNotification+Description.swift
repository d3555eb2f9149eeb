// SPDX-License-Identifier: Apache-2.0
// The one (code, subcode) → text table for logs and the CLI (IANA registry names).

extension BGPNotification {
    /// Human text for a code/subcode pair; unknown pairs print their numbers.
    public static func describe(code: ErrorCode, subcode: UInt8) -> String {
        let codeName: String
        let subcodes: [String]
        switch code {
        case .messageHeader:
            codeName = "Message Header Error"
            subcodes = ["", "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"]
        case .openMessage:
            codeName = "OPEN Message Error"
            subcodes = [
                "", "Unsupported Version Number", "Bad Peer AS", "Bad BGP Identifier", "Unsupported Optional Parameter",
                "Authentication Failure (deprecated)", "Unacceptable Hold Time", "Unsupported Capability", "", "", "",
                "Role Mismatch",
            ]
        case .updateMessage:
            codeName = "UPDATE Message Error"
            subcodes = [
                "", "Malformed Attribute List", "Unrecognized Well-known Attribute", "Missing Well-known Attribute",
                "Attribute Flags Error", "Attribute Length Error", "Invalid ORIGIN Attribute",
                "AS Routing Loop (deprecated)", "Invalid NEXT_HOP Attribute", "Optional Attribute Error",
                "Invalid Network Field", "Malformed AS_PATH",
            ]
        case .holdTimerExpired:
            codeName = "Hold Timer Expired"
            subcodes = []
        case .finiteStateMachine:
            codeName = "Finite State Machine Error"
            subcodes = [
                "", "Receive Unexpected Message in OpenSent State", "Receive Unexpected Message in OpenConfirm State",
                "Receive Unexpected Message in Established State",
            ]
        case .cease:
            codeName = "Cease"
            subcodes = [
                "", "Maximum Number of Prefixes Reached", "Administrative Shutdown", "Peer De-configured",
                "Administrative Reset", "Connection Rejected", "Other Configuration Change",
                "Connection Collision Resolution", "Out of Resources", "Hard Reset", "BFD Down",
            ]
        case .routeRefreshMessage:
            codeName = "ROUTE-REFRESH Message Error"
            subcodes = ["", "Invalid Message Length"]
        case .sendHoldTimerExpired:
            codeName = "Send Hold Timer Expired"
            subcodes = []
        default:
            return "Unknown error code \(code.rawValue) subcode \(subcode)"
        }
        if subcode == 0 { return codeName }
        let index = Int(subcode)
        if index < subcodes.count, !subcodes[index].isEmpty { return "\(codeName): \(subcodes[index])" }
        return "\(codeName): subcode \(subcode)"
    }
}
