// SPDX-License-Identifier: Apache-2.0
// epoll(7) for RouteBlaster: Swift's Glibc module does not export <sys/epoll.h>.
#pragma once
#include <sys/epoll.h>
