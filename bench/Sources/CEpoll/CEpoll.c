// SPDX-License-Identifier: Apache-2.0
// Empty: CEpoll only exposes <sys/epoll.h> through its header.
#include "CEpoll.h"
