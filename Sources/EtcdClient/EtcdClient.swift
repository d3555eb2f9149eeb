// SPDX-License-Identifier: Apache-2.0
// Placeholder; the etcd v3 client lands with issue #6.
