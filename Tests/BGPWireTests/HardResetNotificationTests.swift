// SPDX-License-Identifier: Apache-2.0
// RFC 8538 §4: a Cease/Hard Reset carries the NOTIFICATION it replaces in its Data; logs and the CLI name both.

import BGPWire
import Testing

@Suite("Hard Reset NOTIFICATION (RFC 8538 §4)")
struct HardResetNotificationTests {
    @Test("The wrapped NOTIFICATION comes back out of the Data, with its own data")
    func roundTrip() throws {
        let inner = BGPNotification(code: .cease, subcode: CeaseSubcode.administrativeShutdown, data: [3, 0x62, 0x79, 0x65])
        let wrapped = BGPNotification.hardReset(wrapping: inner)
        #expect(wrapped.code == .cease && wrapped.subcode == CeaseSubcode.hardReset)
        #expect(wrapped.hardResetInner == inner)
        #expect(wrapped.name == "Cease: Hard Reset (Cease: Administrative Shutdown)")
        #expect(wrapped.summary == "6/9 Cease: Hard Reset (Cease: Administrative Shutdown): \"bye\"")
    }

    @Test("Other NOTIFICATIONs and a Hard Reset too short to hold one have no inner NOTIFICATION")
    func noInner() {
        #expect(BGPNotification.bfdDown.hardResetInner == nil)
        #expect(BGPNotification.bfdDown.name == "Cease: BFD Down")
        let short = BGPNotification(code: .cease, subcode: CeaseSubcode.hardReset, data: [6])
        #expect(short.hardResetInner == nil)
        #expect(short.name == "Cease: Hard Reset")
    }
}
