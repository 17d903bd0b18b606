#!/bin/bash
# Fetch real Debian debug kernels (vmlinux only) into a cache outside the repo, and check
# `kfuncbtf scan` on them against bpftool's dump of the same file's .BTF.
#
#   tests/bench/realkernel.sh fetch            # download + extract; prints the vmlinux paths
#   tests/bench/realkernel.sh path 6.12        # print the cached vmlinux path (fetching it if needed)
#   KFUNCBTF=build/kfuncbtf tests/bench/realkernel.sh check   # scan 6.12 vs the bpftool oracle
#
# Cache: $KFB_CACHE or /var/cache/kfuncbtf. Packages: the newest linux-image-6.12.*+deb12-amd64-dbg
# and linux-image-6.1.0-*-amd64-dbg that apt-cache knows (override with KFB_PKG_612 / KFB_PKG_61).
# Only ./usr/lib/debug/boot/vmlinux-* is kept; the .deb is deleted after extraction.
set -eu -o pipefail

CACHE=${KFB_CACHE:-/var/cache/kfuncbtf}
mkdir -p "$CACHE"

newest() { # newest() REGEX: newest package name matching REGEX
  apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' | grep -E "$1" | sort -V | tail -1
}

pkg_for() {
  case "$1" in
    6.12) echo "${KFB_PKG_612:-$(newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64-dbg$')}" ;;
    6.1) echo "${KFB_PKG_61:-$(newest '^linux-image-6\.1\.0-[0-9]+-amd64-dbg$')}" ;;
    *) echo "unknown kernel series '$1' (6.12 or 6.1)" >&2; return 2 ;;
  esac
}

# fetch_one SERIES: prints the path of the cached vmlinux for SERIES.
fetch_one() {
  local pkg dir vm
  pkg=$(pkg_for "$1")
  [ -n "$pkg" ] || { echo "no package for $1 in apt-cache (apt-get update?)" >&2; return 2; }
  dir=$CACHE/$pkg
  vm=$(ls "$dir"/vmlinux-* 2>/dev/null | head -1 || true)
  if [ -z "$vm" ]; then
    mkdir -p "$dir/tmp"
    (cd "$dir/tmp" && apt-get download "$pkg" >&2)
    dpkg-deb --fsys-tarfile "$dir"/tmp/*.deb | tar -x -C "$dir/tmp" --wildcards '*/boot/vmlinux-*'
    mv "$dir"/tmp/usr/lib/debug/boot/vmlinux-* "$dir/"
    rm -rf "$dir/tmp"
    vm=$(ls "$dir"/vmlinux-* | head -1)
  fi
  echo "$vm"
}

cmd=${1:-fetch}
case "$cmd" in
  fetch) fetch_one 6.12; fetch_one 6.1 ;;
  path) fetch_one "${2:?series}" ;;
  check) shift; exec "$(dirname "$0")/check_realkernel.sh" "$(fetch_one 6.12)" "$@" ;;
  *) echo "usage: $0 fetch|path SERIES|check" >&2; exit 2 ;;
esac
