// SPDX-License-Identifier: Apache-2.0
// Import and export policy as values (Calico BGPFilter, RFC 1997 well-known communities): filled in by issue #4.
