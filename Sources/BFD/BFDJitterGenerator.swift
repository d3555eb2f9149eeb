// SPDX-License-Identifier: Apache-2.0
// A small seedable random number generator for the transmit jitter of RFC 5880 §6.8.7, so that tests (and
// replays) see the same intervals for the same seed. The daemon seeds it from the system generator.

/// SplitMix64: deterministic for a given seed, good enough to spread BFD transmissions; not for cryptography.
public struct BFDJitterGenerator: RandomNumberGenerator, Hashable, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
