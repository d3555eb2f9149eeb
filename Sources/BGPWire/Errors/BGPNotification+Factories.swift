// SPDX-License-Identifier: Apache-2.0
// Every NOTIFICATION Swiftlet builds, one factory per RFC clause, each filling the Data that clause asks for.
// RFC 4271 §6.1 (header), §6.2 (OPEN), §6.3 (UPDATE), §6.5-6.7; RFC 5492 §5; RFC 6608; RFC 4486; RFC 7313 §5;
// RFC 8203/9003; RFC 9687.

extension BGPNotification {
    // MARK: Message header (RFC 4271 §6.1)

    /// The marker is not all ones. RFC 4271 §6.1 names no Data.
    public static let connectionNotSynchronized = Self(code: .messageHeader, subcode: 1)

    /// RFC 4271 §6.1: "the Data field MUST contain the erroneous Length field."
    public static func badMessageLength(_ length: UInt16) -> Self {
        Self(code: .messageHeader, subcode: 2, data: [UInt8(length >> 8), UInt8(length & 0xFF)])
    }

    /// RFC 4271 §6.1: "the Data field MUST contain the erroneous Type field."
    public static func badMessageType(_ type: UInt8) -> Self {
        Self(code: .messageHeader, subcode: 3, data: [type])
    }

    // MARK: OPEN (RFC 4271 §6.2, RFC 5492 §5)

    /// RFC 4271 §6.2: Data is "a 2-octet unsigned integer, which indicates the largest, locally-supported version
    /// number less than the version the remote BGP peer bid". Ours is 4.
    public static let unsupportedVersionNumber = Self(code: .openMessage, subcode: 1, data: [0x00, OpenMessage.version])

    /// RFC 4271 §6.2: the peer's AS is not the one expected. No Data.
    public static let badPeerAS = Self(code: .openMessage, subcode: 2)

    /// RFC 4271 §6.2 / RFC 6286 §2.2: the BGP Identifier is zero or equals ours (iBGP). No Data.
    public static let badBGPIdentifier = Self(code: .openMessage, subcode: 3)

    /// RFC 4271 §6.2: an Optional Parameter type we do not recognise. No Data.
    public static let unsupportedOptionalParameter = Self(code: .openMessage, subcode: 4)

    /// RFC 4271 §6.2: a Hold Time of 1 or 2 seconds. No Data.
    public static let unacceptableHoldTime = Self(code: .openMessage, subcode: 6)

    /// RFC 5492 §5: "the Data field ... MUST contain the ... Capabilities that are unsupported", each as a
    /// code/length/value triple.
    public static func unsupportedCapability(_ capabilities: [Capability]) -> Self {
        var data: [UInt8] = []
        for capability in capabilities { capability.appendTLV(to: &data) }
        return Self(code: .openMessage, subcode: 7, data: data)
    }

    /// RFC 4271 §6.2 leaves structural OPEN damage without a subcode (an optional parameter or capability whose
    /// length runs past its container); BIRD and FRR both send subcode 0 "unspecific" for it.
    public static let malformedOpen = Self(code: .openMessage, subcode: 0)

    // MARK: UPDATE (RFC 4271 §6.3)

    /// RFC 4271 §6.3: the withdrawn/attribute lengths overrun the message, or MP_REACH/MP_UNREACH repeat
    /// (RFC 7606 §3 (g)). No Data.
    public static let malformedAttributeList = Self(code: .updateMessage, subcode: 1)

    /// RFC 4271 §6.3: "the Data field MUST contain the unrecognized attribute (type, length, and value)."
    public static func unrecognizedWellKnownAttribute(_ attribute: [UInt8]) -> Self {
        Self(code: .updateMessage, subcode: 2, data: attribute)
    }

    /// RFC 4271 §6.3: "the Data field MUST contain the Attribute Type Code of the missing, well-known attribute."
    public static func missingWellKnownAttribute(_ code: AttributeCode) -> Self {
        Self(code: .updateMessage, subcode: 3, data: [code.rawValue])
    }

    /// RFC 4271 §6.3: "the Data field MUST contain the erroneous attribute (type, length, and value)."
    public static func attributeFlagsError(_ attribute: [UInt8]) -> Self {
        Self(code: .updateMessage, subcode: 4, data: attribute)
    }

    /// RFC 4271 §6.3: "the Data field MUST contain the erroneous attribute (type, length, and value)."
    public static func attributeLengthError(_ attribute: [UInt8]) -> Self {
        Self(code: .updateMessage, subcode: 5, data: attribute)
    }

    /// RFC 4271 §6.3: "the Data field MUST contain the unrecognized attribute (type, length, and value)."
    public static func invalidOriginAttribute(_ attribute: [UInt8]) -> Self {
        Self(code: .updateMessage, subcode: 6, data: attribute)
    }

    /// RFC 4271 §6.3: "the Data field MUST contain the incorrect attribute (type, length, and value)."
    public static func invalidNextHopAttribute(_ attribute: [UInt8]) -> Self {
        Self(code: .updateMessage, subcode: 8, data: attribute)
    }

    /// RFC 4271 §6.3: "The Data field MUST contain the attribute (type, length, and value)."
    public static func optionalAttributeError(_ attribute: [UInt8]) -> Self {
        Self(code: .updateMessage, subcode: 9, data: attribute)
    }

    /// RFC 4271 §6.3: the NLRI (or withdrawn routes) field is syntactically incorrect. No Data.
    public static let invalidNetworkField = Self(code: .updateMessage, subcode: 10)

    /// RFC 4271 §6.3: the AS_PATH is syntactically incorrect. No Data.
    public static let malformedASPath = Self(code: .updateMessage, subcode: 11)

    // MARK: Timers and FSM (RFC 4271 §6.5-6.6, RFC 6608, RFC 9687)

    /// RFC 4271 §6.5. No Data.
    public static let holdTimerExpired = Self(code: .holdTimerExpired, subcode: 0)

    /// RFC 9687 §3: our own sends made no progress for the Send Hold Time. No Data.
    public static let sendHoldTimerExpired = Self(code: .sendHoldTimerExpired, subcode: 0)

    /// RFC 6608 §3: a message that the FSM does not expect in OpenSent (1), OpenConfirm (2) or Established (3);
    /// 0 when none of those apply. RFC 6608 names no Data.
    public static func finiteStateMachineError(subcode: UInt8) -> Self {
        Self(code: .finiteStateMachine, subcode: subcode)
    }

    // MARK: Cease (RFC 4486, RFC 8203/9003, RFC 8538)

    /// RFC 4486 §4: "the Data field ... AFI (2 octets), SAFI (1 octet), and the prefix upper bound (4 octets)".
    public static func maximumPrefixesReached(family: AddressFamily, limit: UInt32) -> Self {
        Self(
            code: .cease, subcode: CeaseSubcode.maximumPrefixesReached,
            data: [
                UInt8(family.afi.rawValue >> 8), UInt8(family.afi.rawValue & 0xFF), family.safi.rawValue,
                UInt8(limit >> 24), UInt8((limit >> 16) & 0xFF), UInt8((limit >> 8) & 0xFF), UInt8(limit & 0xFF),
            ])
    }

    /// RFC 8203/9003 §2: a length octet and up to 255 octets of UTF-8, truncated on a character boundary.
    public static func administrativeShutdown(message: String? = nil) -> Self {
        Self(code: .cease, subcode: CeaseSubcode.administrativeShutdown, data: shutdownData(message))
    }

    /// RFC 8203/9003 §2, with subcode 4 "Administrative Reset".
    public static func administrativeReset(message: String? = nil) -> Self {
        Self(code: .cease, subcode: CeaseSubcode.administrativeReset, data: shutdownData(message))
    }

    /// RFC 4486 §4. No Data.
    public static let peerDeconfigured = Self(code: .cease, subcode: CeaseSubcode.peerDeconfigured)
    /// RFC 4486 §4. No Data.
    public static let connectionRejected = Self(code: .cease, subcode: CeaseSubcode.connectionRejected)
    /// RFC 4486 §4. No Data.
    public static let otherConfigurationChange = Self(code: .cease, subcode: CeaseSubcode.otherConfigurationChange)
    /// RFC 4486 §4 / RFC 4271 §6.8. No Data.
    public static let connectionCollisionResolution = Self(
        code: .cease, subcode: CeaseSubcode.connectionCollisionResolution)
    /// RFC 4486 §4. No Data.
    public static let outOfResources = Self(code: .cease, subcode: CeaseSubcode.outOfResources)
    /// RFC 9384 §2: the session ends because BFD detected a forwarding failure. No Data.
    public static let bfdDown = Self(code: .cease, subcode: CeaseSubcode.bfdDown)

    /// RFC 8538 §3: "the Data field ... contains the ... NOTIFICATION that would have been sent" (code, subcode,
    /// data) wrapped in a Cease/Hard Reset.
    public static func hardReset(wrapping inner: BGPNotification) -> Self {
        Self(code: .cease, subcode: CeaseSubcode.hardReset, data: [inner.code.rawValue, inner.subcode] + inner.data)
    }

    // MARK: ROUTE-REFRESH (RFC 7313 §5)

    /// RFC 7313 §5: "the Data field ... MUST contain the complete ROUTE-REFRESH message."
    public static func invalidRouteRefreshLength(_ message: [UInt8]) -> Self {
        Self(code: .routeRefreshMessage, subcode: 1, data: message)
    }

    static func shutdownData(_ message: String?) -> [UInt8] {
        guard let message, !message.isEmpty else { return [0] }
        var bytes: [UInt8] = []
        // RFC 9003 §2: at most 255 octets; cut before a character that would not fit.
        for scalar in message.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if bytes.count + encoded.count > 255 { break }
            bytes += encoded
        }
        return [UInt8(bytes.count)] + bytes
    }
}
