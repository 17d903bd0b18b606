#!/bin/bash
# Fetch real Debian debug kernels (vmlinux only) into a cache outside the repo, and check
# `kfuncbtf scan` on them against bpftool's dump of the same file's .BTF.
#
#   tests/bench/realkernel.sh fetch            # download + extract 6.12, 6.1, 7.2, 7.3; prints the vmlinux paths
#   tests/bench/realkernel.sh path 6.12        # print the cached vmlinux path (fetching it if needed)
#   tests/bench/realkernel.sh vmlinuz 7.3      # the bootable vmlinuz of that kernel (7.2, 7.3)
#   tests/bench/realkernel.sh image 7.3        # the stripped ELF inside that vmlinuz
#   tests/bench/realkernel.sh source 7.3       # the linux-source-7.3 tree, unpacked (6.12, 7.2, 7.3)
#   tests/bench/realkernel.sh modules 7.3      # every .ko of that kernel (linux-modules-*), decompressed
#   KFUNCBTF=build/kfuncbtf tests/bench/realkernel.sh check   # scan 6.12 vs the bpftool oracle
#   tests/bench/realkernel.sh vmlinux-o        # build (once, ~7 min on 2 cores) a real 6.1 vmlinux.o
#
# Cache: $KFB_CACHE or /var/cache/kfuncbtf. Packages: the newest linux-image-6.12.*+deb12-amd64-dbg
# and linux-image-6.1.0-*-amd64-dbg that apt-cache knows (override with KFB_PKG_612 / KFB_PKG_61).
# 7.2 and 7.3 come from Debian unstable and experimental, through a private apt configuration
# in $CACHE/apt (never the system's sources): the newest linux-image-7.2.*+deb14-amd64-dbg and
# linux-image-7.3*-amd64-dbg, their linux-binary-* (vmlinuz) and linux-source-7.x. Override with
# KFB_PKG_72 / KFB_PKG_73. Only the vmlinux (and vmlinuz) is kept, as $CACHE/<package>/vmlinux-<abi>
# (vmlinuz-<abi>); the .deb is deleted after extraction.
# vmlinux-o: apt-get installs linux-source-6.1 and the kernel's build tools, and builds
# $CACHE/linux-6.1/vmlinux.o exactly as /work/shared/kernel-build.md says (tinyconfig + BPF,
# networking congestion controls, DWARF 5, BTF); prints its path.
set -eu -o pipefail

CACHE=${KFB_CACHE:-/var/cache/kfuncbtf}
mkdir -p "$CACHE"

newest() { # newest() REGEX: newest package name matching REGEX
  apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' | grep -E "$1" | sort -V | tail -1
}

# The private apt configuration for unstable + experimental (kernel-7.md §1), from the mirror
# this machine's apt uses. Its index is a snapshot whose Valid-Until has passed.
SID=$CACHE/apt
sid_apt_opts() {
  echo "-o Dir::Etc::sourcelist=$SID/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$SID/lists" \
       "-o Dir::Cache=$SID/cache -o Acquire::Check-Valid-Until=false -o Debug::NoLocking=1"
}
sid_apt() { # sid_apt COMMAND ARGS...: apt-get/apt-cache against unstable + experimental
  local tool=$1; shift
  if [ ! -s "$SID/sources.list" ] || ! ls "$SID"/lists/*_Packages* >/dev/null 2>&1; then
    local m
    m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -m1 '/debian/\?$' ||
        sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\/\{0,1\}\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)
    [ -n "$m" ] || { echo "realkernel: cannot find this machine's Debian mirror" >&2; return 2; }
    mkdir -p "$SID/lists/partial" "$SID/cache/archives/partial"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$m" sid "$m" experimental \
      > "$SID/sources.list"
    # shellcheck disable=SC2046
    apt-get $(sid_apt_opts) update -qq >&2
  fi
  # shellcheck disable=SC2046
  "$tool" $(sid_apt_opts) "$@"
}
sid_newest() {
  sid_apt apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' | grep -E "$1" | sort -V | tail -1
}
# sid_extract PKG DIR PATTERN...: download PKG from unstable/experimental, extract the members
# matching PATTERN into DIR/tmp (the caller moves what it keeps).
sid_extract() {
  local pkg=$1 dir=$2; shift 2
  mkdir -p "$dir/tmp"
  # Root downloads into a root-only cache dir: no _apt sandbox (it cannot write there).
  (cd "$dir/tmp" && sid_apt apt-get -o APT::Sandbox::User=root download -qq "$pkg" >&2)
  dpkg-deb --fsys-tarfile "$dir"/tmp/*.deb | tar -x -C "$dir/tmp" --wildcards "$@"
  rm -f "$dir"/tmp/*.deb
}

pkg_for() {
  case "$1" in
    6.12) echo "${KFB_PKG_612:-$(newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64-dbg$')}" ;;
    6.1) echo "${KFB_PKG_61:-$(newest '^linux-image-6\.1\.0-[0-9]+-amd64-dbg$')}" ;;
    7.2) echo "${KFB_PKG_72:-$(sid_newest '^linux-image-7\.2\.[0-9]+\+deb14-amd64-dbg$')}" ;;
    7.3) echo "${KFB_PKG_73:-$(sid_newest '^linux-image-7\.3(\.[0-9]+)?(\+deb14)?-amd64-dbg$')}" ;;
    *) echo "unknown kernel series '$1' (6.1, 6.12, 7.2 or 7.3)" >&2; return 2 ;;
  esac
}

# fetch_one SERIES: prints the path of the cached vmlinux for SERIES.
fetch_one() {
  local pkg dir vm
  pkg=$(pkg_for "$1")
  [ -n "$pkg" ] || { echo "no package for $1 in apt-cache (apt-get update?)" >&2; return 2; }
  dir=$CACHE/$pkg
  vm=$(ls "$dir"/vmlinux-* 2>/dev/null | head -1 || true)
  if [ -z "$vm" ] && [ "${1%%.*}" -ge 7 ]; then
    # 7.x: the vmlinux is usr/lib/debug/lib/modules/<abi>/vmlinux (boot/vmlinux-* links to it).
    sid_extract "$pkg" "$dir" './usr/lib/debug/lib/modules/*/vmlinux'
    local f
    f=$(ls "$dir"/tmp/usr/lib/debug/lib/modules/*/vmlinux)
    mv "$f" "$dir/vmlinux-$(basename "$(dirname "$f")")"
    rm -rf "$dir/tmp"
    vm=$(ls "$dir"/vmlinux-* | head -1)
  elif [ -z "$vm" ]; then
    mkdir -p "$dir/tmp"
    (cd "$dir/tmp" && apt-get download "$pkg" >&2)
    dpkg-deb --fsys-tarfile "$dir"/tmp/*.deb | tar -x -C "$dir/tmp" --wildcards '*/boot/vmlinux-*'
    mv "$dir"/tmp/usr/lib/debug/boot/vmlinux-* "$dir/"
    rm -rf "$dir/tmp"
    vm=$(ls "$dir"/vmlinux-* | head -1)
  fi
  echo "$vm"
}

# fetch_vmlinuz SERIES (7.x): prints the path of the cached bootable vmlinuz of that kernel.
fetch_vmlinuz() {
  local pkg dir vz
  pkg=$(pkg_for "$1")
  [ -n "$pkg" ] || { echo "no package for $1 in unstable/experimental" >&2; return 2; }
  pkg=linux-binary-${pkg#linux-image-}
  pkg=${pkg%-dbg}
  dir=$CACHE/$pkg
  vz=$(ls "$dir"/vmlinuz-* 2>/dev/null | head -1 || true)
  if [ -z "$vz" ]; then
    sid_extract "$pkg" "$dir" './usr/lib/modules/*/vmlinuz'
    local f
    f=$(ls "$dir"/tmp/usr/lib/modules/*/vmlinuz)
    mv "$f" "$dir/vmlinuz-$(basename "$(dirname "$f")")"
    rm -rf "$dir/tmp"
    vz=$(ls "$dir"/vmlinuz-* | head -1)
  fi
  echo "$vz"
}

# fetch_image SERIES (7.x): prints the path of the ELF inside that kernel's vmlinuz (the image
# the kernel runs: stripped, no symbols and no DWARF, the same .BTF and .BTF_ids as the debug
# vmlinux), decompressed once from the first zstd, xz or gzip stream that yields an ELF and
# cached next to the vmlinuz as vmlinux-<abi>.
fetch_image() {
  local vz out magic dec off
  vz=$(fetch_vmlinuz "$1")
  out=$(dirname "$vz")/vmlinux-${vz##*/vmlinuz-}
  if [ ! -s "$out" ]; then
    for magic in '\x28\xb5\x2f\xfd:zstd' '\xfd\x37\x7a\x58\x5a\x00:xz' '\x1f\x8b\x08:gzip'; do
      dec=${magic##*:}
      command -v "$dec" >/dev/null || continue
      for off in $(LC_ALL=C grep -obUaP "${magic%:*}" "$vz" | cut -d: -f1); do
        tail -c +$((off + 1)) "$vz" | "$dec" -dc 2>/dev/null > "$out.tmp" || true
        if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
          mv "$out.tmp" "$out"
          break 2
        fi
      done
    done
    rm -f "$out.tmp"
    [ -s "$out" ] || { echo "realkernel: no ELF found inside $vz (zstd, xz, gzip)" >&2; return 2; }
  fi
  echo "$out"
}

# fetch_source SERIES: prints the path of the unpacked linux-source-SERIES tree (7.x from the
# private unstable/experimental configuration; 6.12 is Debian 12's own package, installed by apt).
fetch_source() {
  local dir=$CACHE/linux-source-$1
  if [ ! -e "$dir/.kfb-unpacked" ]; then
    rm -rf "$dir"
    if [ "$1" = 6.12 ]; then
      [ -f /usr/src/linux-source-6.12.tar.xz ] ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-source-6.12 >&2
      mkdir -p "$dir"
      tar -xf /usr/src/linux-source-6.12.tar.xz -C "$dir" --strip-components=1
    else
      sid_extract "linux-source-$1" "$dir" './usr/src/linux-source-*.tar.xz'
      tar -xf "$dir"/tmp/usr/src/linux-source-*.tar.xz -C "$dir" --strip-components=1
      rm -rf "$dir/tmp"
    fi
    touch "$dir/.kfb-unpacked"
  fi
  echo "$dir"
}

# fetch_modules SERIES (7.x): prints the directory holding every .ko of that kernel's
# linux-modules-* package (the modules of the vmlinux fetch_one and fetch_image give),
# decompressed (Debian ships them .ko.xz) once and cached as $CACHE/<package>/modules.
fetch_modules() {
  local pkg dir f
  pkg=$(pkg_for "$1")
  [ -n "$pkg" ] || { echo "no package for $1 in unstable/experimental" >&2; return 2; }
  pkg=linux-modules-${pkg#linux-image-}
  pkg=${pkg%-dbg}
  dir=$CACHE/$pkg
  if [ ! -e "$dir/.kfb-unpacked" ]; then
    rm -rf "$dir"
    sid_extract "$pkg" "$dir" './usr/lib/modules/*/kernel/*'
    mv "$dir"/tmp/usr/lib/modules/*/kernel "$dir/modules"
    rm -rf "$dir/tmp"
    while IFS= read -r -d '' f; do
      case "$f" in
        *.ko.xz) xz -d "$f" ;;
        *.ko.zst) zstd -q -d --rm "$f" ;;
        *.ko.gz) gzip -d "$f" ;;
      esac
    done < <(find "$dir/modules" -name '*.ko.*' -print0)
    touch "$dir/.kfb-unpacked"
  fi
  echo "$dir/modules"
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
  fetch) fetch_one 6.12; fetch_one 6.1; fetch_one 7.2; fetch_one 7.3 ;;
  path) fetch_one "${2:?series}" ;;
  vmlinuz) fetch_vmlinuz "${2:?series (7.2 or 7.3)}" ;;
  image) fetch_image "${2:?series (7.2 or 7.3)}" ;;
  source) fetch_source "${2:?series (6.12, 7.2 or 7.3)}" ;;
  modules) fetch_modules "${2:?series (7.2 or 7.3)}" ;;
  vmlinux-o) build_vmlinux_o ;;
  check) shift; exec "$(dirname "$0")/check_realkernel.sh" "$(fetch_one 6.12)" "$@" ;;
  *) echo "usage: $0 fetch|path SERIES|vmlinuz SERIES|image SERIES|source SERIES|modules SERIES|check|vmlinux-o" >&2; exit 2 ;;
esac
