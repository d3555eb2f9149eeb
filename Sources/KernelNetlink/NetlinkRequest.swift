// SPDX-License-Identifier: Apache-2.0
// Pure builders for the netlink requests Swiftlet sends: values in, the exact octets for sendmsg out, no socket.
// Route requests are in NetlinkRequest+Route.swift, links in +Link, neighbours in +Neighbour. Every request but a
// dump asks for an acknowledgement (NLM_F_REQUEST|NLM_F_ACK), so a batch can count answers by sequence number.

/// Namespace for the request builders.
public enum NetlinkRequest {}
