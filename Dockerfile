# syntax=docker/dockerfile:1
# SPDX-License-Identifier: Apache-2.0
# Swiftlet container image: swiftletd (ENTRYPOINT) and swiftletctl.
#
#     docker build -t swiftlet .
#     docker run -d --name swiftlet --network host --cap-add NET_ADMIN --cap-add NET_BIND_SERVICE \
#         -e NODENAME="$(hostname)" -v /etc/swiftlet:/etc/swiftlet:ro -v /run/swiftlet:/run/swiftlet swiftlet
#     docker exec swiftlet swiftletctl show protocols
#     docker kill -s HUP swiftlet          # reload the configuration
#
# Arguments after the image name replace CMD (swiftletd's defaults are the same paths, so `swiftlet --log-level
# debug` works too). The Calico Node name comes from --node, else $NODENAME, else the container's host name.
#
# Build stage: the official Swift image for Debian 12. Assumption: the tag `swift:6.3-bookworm` exists on Docker Hub
# (Swift publishes `<version>-bookworm` tags; the project is developed with Swift 6.3.1). If it does not, use
# `--build-arg SWIFT_IMAGE=swift:6.2-bookworm` or any Swift >= 6.2 image based on bookworm, so that glibc matches
# the runtime stage.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libmnl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so editing Sources/ does not refetch them.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# --static-swift-stdlib links the Swift runtime and Foundation into the binaries: the runtime stage needs only
# glibc, libstdc++ and libmnl. (Swift builds the test targets' manifests only; Tests/ is copied because
# Package.swift declares them.)
RUN swift build -c release --static-swift-stdlib --product swiftletd \
    && swift build -c release --static-swift-stdlib --product swiftletctl \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/swiftletd" "$(swift build -c release --show-bin-path)/swiftletctl" /out/

FROM ${RUNTIME_IMAGE}
# libmnl0: netlink (route programming). iproute2 is not needed by swiftletd; it is handy for `ip route` in
# `docker exec`, and small.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libmnl0 iproute2 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/swiftletd /out/swiftletctl /usr/local/bin/
COPY config/swiftlet.yaml /etc/swiftlet/swiftlet.yaml
# Fail the build if a shared library is missing (for instance a Swift runtime library that was not linked in).
RUN ! ldd /usr/local/bin/swiftletd /usr/local/bin/swiftletctl | grep -q 'not found' \
    && swiftletd --version && mkdir -p /run/swiftlet
# Root, on purpose: programming routes over netlink needs CAP_NET_ADMIN and port 179 needs CAP_NET_BIND_SERVICE.
# A non-root user would need file capabilities on the binary plus ambient capabilities, and calico/node runs its
# BIRD as root in a privileged container too. Give the container only those two capabilities (--cap-add NET_ADMIN
# --cap-add NET_BIND_SERVICE, or `cap_add` in Compose / `securityContext.capabilities.add` in Kubernetes) and host
# networking, so the routes land in the node's namespace.
USER root
# BGP. The control socket is /run/swiftlet/swiftlet.ctl (mount /run/swiftlet to use swiftletctl from the host).
EXPOSE 179/tcp
VOLUME ["/run/swiftlet"]
# SIGTERM: Cease to every peer, routes stay in the kernel for the restart. SIGHUP: reload the configuration.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/swiftletd"]
CMD ["--config", "/etc/swiftlet/swiftlet.yaml", "--control-socket", "/run/swiftlet/swiftlet.ctl"]
