// SPDX-License-Identifier: Apache-2.0
// A neighbour entry the kernel (or a fake) refused to replace or delete, mapped back from the answer's sequence
// number, with the errno and the extended-ack text: the neighbour counterpart of RouteFailure.

/// A neighbour change that was refused.
public struct NeighbourFailure: Hashable, Sendable, CustomStringConvertible {
    public var entry: NeighbourEntry
    public var error: KernelErrno
    /// The kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it gave one.
    public var message: String?

    public init(entry: NeighbourEntry, error: KernelErrno, message: String? = nil) {
        self.entry = entry
        self.error = error
        self.message = message
    }

    public var description: String {
        let what = switch entry {
        case .arp(let address, let linkLayerAddress, let index):
            "arp \(address) lladdr \(linkLayerAddress) dev \(index)"
        case .bridgeForwarding(let linkLayerAddress, let destination, let index):
            "fdb \(linkLayerAddress) dst \(destination) dev \(index)"
        }
        return "\(what): \(error)" + (message.map { " (\($0))" } ?? "")
    }
}
