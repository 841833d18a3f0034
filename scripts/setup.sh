#!/usr/bin/env bash
# Installs what skiff needs on a fresh Debian 12 machine and builds it (addon + TypeScript).
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2: test assertions and the netlink benchmark's peer; nftables: portmap, ipMasq and
# the leak check; conntrack: portmap's UDP flush; containernetworking-plugins: the reference
# CNI plugins (/usr/lib/cni) the interop tests and benchmarks compare against;
# docker-registry, skopeo, umoci, busybox-static: test images built locally and served by a
# registry on 127.0.0.1; runc + conmon: the CRI runtime's containers; containerd: the
# reference CRI runtime the conformance suite and `bench cri` compare against; zstd: zstd'd
# image layers are decoded by Debian's zstd in a child process (src/host/zstd.ts).
# Toolchain for the addon: python3, make, g++.
# golang-go, golang-google-grpc-dev, golang-google-protobuf-dev: the tests build a grpc-go
# CRI client (test/grpc-go) in GOPATH mode, an upstream client like crictl and the kubelet
# that sends the socket path as :authority; curl: a raw HTTP/2 request on the CRI socket.
PACKAGES=(iproute2 nftables conntrack containernetworking-plugins docker-registry skopeo umoci busybox-static runc conmon containerd etcd-server zstd python3 make g++
  golang-go golang-google-grpc-dev golang-google-protobuf-dev curl)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm run build
