// SPDX-License-Identifier: Apache-2.0
// Waits for a duration or SIGINT/SIGTERM, whichever comes first.

import Dispatch
import Foundation
import NIOCore
import Synchronization

enum RunUntil {
    /// Completes after `duration` or on the first SIGINT/SIGTERM; returns the signal's name if one stopped it.
    static func durationOrSignal(_ duration: TimeAmount, on eventLoop: any EventLoop) async -> String? {
        let promise = eventLoop.makePromise(of: String?.self)
        let once = Once()
        let timer = eventLoop.scheduleTask(in: duration) { if once.first() { promise.succeed(nil) } }
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { if once.first() { promise.succeed(name) } }
            source.resume()
            sources.append(source)
        }
        let result = try? await promise.futureResult.get()
        timer.cancel()
        for source in sources { source.cancel() }
        return result ?? nil
    }
}

/// True exactly once.
private final class Once: Sendable {
    private let fired = Atomic<Bool>(false)
    func first() -> Bool { !fired.exchange(true, ordering: .acquiringAndReleasing) }
}
