#!/bin/bash
# Fetch real Debian debug kernels (vmlinux only) into a cache outside the repo, and check
# `kfuncbtf scan` on them against bpftool's dump of the same file's .BTF.
#
#   tests/bench/realkernel.sh fetch            # download + extract; prints the vmlinux paths
#   tests/bench/realkernel.sh path 6.12        # print the cached vmlinux path (fetching it if needed)
#   KFUNCBTF=build/kfuncbtf tests/bench/realkernel.sh check   # scan 6.12 vs the bpftool oracle
#   tests/bench/realkernel.sh vmlinux-o        # build (once, ~7 min on 2 cores) a real 6.1 vmlinux.o
#
# Cache: $KFB_CACHE or /var/cache/kfuncbtf. Packages: the newest linux-image-6.12.*+deb12-amd64-dbg
# and linux-image-6.1.0-*-amd64-dbg that apt-cache knows (override with KFB_PKG_612 / KFB_PKG_61).
# Only ./usr/lib/debug/boot/vmlinux-* is kept; the .deb is deleted after extraction.
# vmlinux-o: apt-get installs linux-source-6.1 and the kernel's build tools, and builds
# $CACHE/linux-6.1/vmlinux.o exactly as /work/shared/kernel-build.md says (tinyconfig + BPF,
# networking congestion controls, DWARF 5, BTF); prints its path.
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

# build_vmlinux_o: prints the path of the cached vmlinux.o (building it first if needed).
build_vmlinux_o() {
  local dir=$CACHE/linux-6.1
  if [ ! -s "$dir/vmlinux.o" ] || [ ! -e "$dir/.kfb-built" ]; then
    local need=() p
    for p in linux-source-6.1 flex bison bc libssl-dev libelf-dev dwarves make gcc; do
      dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xf /usr/src/linux-source-6.1.tar.xz -C "$dir" --strip-components=1
    (
      cd "$dir"
      make -s tinyconfig
      ./scripts/config \
        -e 64BIT -e MODULES -d DEBUG_INFO_BTF_MODULES \
        -e PRINTK -e BPF -e BPF_SYSCALL -e BPF_JIT \
        -e DEBUG_KERNEL -d DEBUG_INFO_NONE -e DEBUG_INFO_DWARF5 -d DEBUG_INFO_REDUCED -d DEBUG_INFO_SPLIT \
        -e DEBUG_INFO_BTF \
        -e CGROUPS -e CGROUP_BPF \
        -e NET -e INET -e TCP_CONG_ADVANCED -e TCP_CONG_CUBIC -e TCP_CONG_DCTCP -e TCP_CONG_BBR \
        -e KEXEC -e KEYS \
        -e PERF_EVENTS -e KPROBES -e FTRACE -e KPROBE_EVENTS -e BPF_EVENTS \
        -e SMP -e FUNCTION_TRACER -e DYNAMIC_FTRACE
      make -s olddefconfig
      make -s -j"$(nproc)" vmlinux
    ) >&2
    touch "$dir/.kfb-built"
  fi
  echo "$dir/vmlinux.o"
}

cmd=${1:-fetch}
case "$cmd" in
  fetch) fetch_one 6.12; fetch_one 6.1 ;;
  path) fetch_one "${2:?series}" ;;
  vmlinux-o) build_vmlinux_o ;;
  check) shift; exec "$(dirname "$0")/check_realkernel.sh" "$(fetch_one 6.12)" "$@" ;;
  *) echo "usage: $0 fetch|path SERIES|check|vmlinux-o" >&2; exit 2 ;;
esac
