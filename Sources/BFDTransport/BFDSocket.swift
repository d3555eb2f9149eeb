// SPDX-License-Identifier: Apache-2.0
// The UDP sockets of RFC 5881/5883, made with plain syscalls before NIO adopts them (`withBoundSocket`), so every
// option is in place before the first packet can arrive. Receive sockets carry a classic BPF filter on the IP TTL /
// IPv6 Hop Limit: Linux enforces IP_MINTTL and IPV6_MINHOPCOUNT for TCP only, and NIO's datagram metadata does not
// carry the TTL, so the kernel drops single-hop packets that were forwarded (RFC 5881 §5) before we see them.

import BGPWire
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A socket call that failed.
public struct BFDSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

enum BFDSocket {
    /// `struct sock_filter` (linux/filter.h), not exported by Glibc.
    struct Instruction {
        var code: UInt16
        var jumpTrue: UInt8
        var jumpFalse: UInt8
        var k: UInt32
    }

    /// `struct sock_fprog`.
    struct Program {
        var length: UInt16
        var filter: UnsafeMutablePointer<Instruction>?
    }

    /// linux/filter.h `SKF_NET_OFF`: loads relative to the network (IP) header of the datagram.
    static let networkOffset: Int32 = -0x100000
    static let attachFilterOption: Int32 = 26  // SO_ATTACH_FILTER

    /// Accept a datagram only when its TTL (IPv4 octet 8) or Hop Limit (IPv6 octet 7) is at least `minimum`.
    static func ttlFilter(family: IPAddress.Family, minimum: UInt8) -> [Instruction] {
        let offset: Int32 = family == .ipv4 ? 8 : 7
        return [
            Instruction(code: 0x30, jumpTrue: 0, jumpFalse: 0, k: UInt32(bitPattern: networkOffset + offset)),  // ldb
            Instruction(code: 0x35, jumpTrue: 0, jumpFalse: 1, k: UInt32(minimum)),  // jge #minimum
            Instruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0xFFFF_FFFF),  // ret: whole packet
            Instruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0),  // ret 0: drop
        ]
    }

    /// A socket bound to `port` on every address of `family`, accepting only TTL ≥ `minimumTTL`.
    static func receiving(family: IPAddress.Family, port: Int, minimumTTL: UInt8?) throws(BFDSocketError) -> CInt {
        let fd = try open(family)
        do throws(BFDSocketError) {
            if family == .ipv6 { try set(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            if let minimumTTL {
                var instructions = ttlFilter(family: family, minimum: minimumTTL)
                let result = instructions.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    var program = Program(length: UInt16(buffer.count), filter: buffer.baseAddress)
                    return setsockopt(
                        fd, SOL_SOCKET, attachFilterOption, &program, socklen_t(MemoryLayout<Program>.size))
                }
                if result != 0 { throw BFDSocketError(operation: "SO_ATTACH_FILTER", errno: errno) }
            }
            try bind(fd, address: family == .ipv4 ? "0.0.0.0" : "::", port: port)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A socket for one session's packets: TTL 255 (RFC 5881 §5, RFC 5883 §5), bound to `local` (or any address)
    /// and the first free source port from `ports` starting at `first`. Returns the descriptor and the port.
    static func sending(
        family: IPAddress.Family, local: IPAddress?, first: Int, inUse: Set<Int>
    ) throws(BFDSocketError) -> (CInt, Int) {
        let fd = try open(family)
        do throws(BFDSocketError) {
            if family == .ipv4 {
                try set(fd, Int32(IPPROTO_IP), IP_TTL, 255)
            } else {
                try set(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
                try set(fd, Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, 255)
            }
            let range = BFDPeerConfiguration.sourcePorts
            let address = local?.description ?? (family == .ipv4 ? "0.0.0.0" : "::")
            var port = first
            for _ in 0..<range.count {
                if !inUse.contains(port) {
                    do throws(BFDSocketError) {
                        try bind(fd, address: address, port: port)
                        return (fd, port)
                    } catch where error.errno == EADDRINUSE {
                        // taken by someone else: try the next one
                    }
                }
                port = port == range.upperBound ? range.lowerBound : port + 1
            }
            throw BFDSocketError(operation: "bind (no free source port in 49152-65535)", errno: EADDRINUSE)
        } catch {
            close(fd)
            throw error
        }
    }

    private static func open(_ family: IPAddress.Family) throws(BFDSocketError) -> CInt {
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw BFDSocketError(operation: "socket", errno: errno) }
        return fd
    }

    private static func set(_ fd: CInt, _ level: Int32, _ name: Int32, _ value: CInt) throws(BFDSocketError) {
        var value = value
        if setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<CInt>.size)) != 0 {
            throw BFDSocketError(operation: "setsockopt \(level)/\(name)", errno: errno)
        }
    }

    private static func bind(_ fd: CInt, address: String, port: Int) throws(BFDSocketError) {
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address, port: port)
        } catch {
            throw BFDSocketError(operation: "address \(address)", errno: EINVAL)
        }
        let result = socketAddress.withSockAddr { pointer, length in Glibc.bind(fd, pointer, socklen_t(length)) }
        if result != 0 { throw BFDSocketError(operation: "bind \(address) port \(port)", errno: errno) }
    }
}
