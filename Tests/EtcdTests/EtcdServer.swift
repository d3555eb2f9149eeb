// SPDX-License-Identifier: Apache-2.0
// Placeholder; the etcd test server lands with issue #6.
