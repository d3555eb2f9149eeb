// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD shim for bench/cluster/run --listen-backlog N: raises every listen(2) backlog of the DUT to at least N,
// so a run can show how much of a DUT's time to converge is SYNs dropped at a full listen queue (BIRD listens with
// 8, swiftletd with NIO's 128) rather than BGP work. Changes nothing else; the kernel still caps the value at
// net.core.somaxconn.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int listen(int fd, int backlog) {
    static int (*real_listen)(int, int);
    static int minimum = -1;
    if (!real_listen) real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    if (minimum < 0) {
        const char *text = getenv("BENCH_LISTEN_BACKLOG");
        minimum = text ? atoi(text) : 0;
    }
    return real_listen(fd, backlog < minimum ? minimum : backlog);
}
