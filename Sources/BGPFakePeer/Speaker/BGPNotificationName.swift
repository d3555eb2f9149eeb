// SPDX-License-Identifier: Apache-2.0
import BGPWire

/// The codec's one (code, subcode) → text table, for raw numbers.
enum BGPNotificationName {
    static func describe(code: UInt8, subcode: UInt8) -> String {
        BGPNotification.describe(code: ErrorCode(rawValue: code), subcode: subcode)
    }
}
