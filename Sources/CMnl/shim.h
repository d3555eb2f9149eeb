// SPDX-License-Identifier: Apache-2.0
// libmnl (Debian libmnl-dev) and the kernel's netlink headers, for KernelNetlink's socket.
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
