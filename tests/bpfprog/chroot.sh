# Sourced by tests/bpfprog/build-corpus.sh and oracle.sh: the Debian unstable (sid) chroot that
# holds 2026's BPF toolchain (clang 21, bpftool 7.8, libbpf 1.8 with its static archive, libelf,
# zlib, zstd), built once and cached.
#
#   kfb_sid_chroot            # prints the chroot's path, creating it first if needed (~5 min)
#   kfb_sid_run CMD...        # runs CMD inside it (bash -c), with /proc mounted and
#                             # $KFB_BIND_SRC bound read-only at /src, $KFB_BIND_OUT at /out
#
# Cache: $KFB_CACHE/sid-chroot (default /var/cache/kfuncbtf). The chroot's apt reads sid from the
# mirror this machine uses; the sid index served here is a snapshot whose Valid-Until has passed
# (kernel-7.md §1), hence Acquire::Check-Valid-Until "false" in the chroot's apt.conf.d. The
# host's own apt sources are never touched.
KFB_CACHE=${KFB_CACHE:-/var/cache/kfuncbtf}
KFB_SID=$KFB_CACHE/sid-chroot
# The packages the corpus and the loader need. clang-21 and llvm-21 by name so a later sid
# default does not silently change the compiler that made testdata.
KFB_SID_PKGS="clang-21 llvm-21 lld-21 bpftool libbpf-dev libelf-dev zlib1g-dev libzstd-dev gcc libc6-dev make pkg-config ca-certificates python3 cpio"

kfb_mirror() {
  local m
  m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -m1 '/debian/\?$' || true)
  [ -n "$m" ] || m=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\/\{0,1\}\) .*/\2/p' \
                     /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 || true)
  [ -n "$m" ] || { echo "chroot: cannot find this machine's Debian mirror in /etc/apt" >&2; return 2; }
  echo "$m"
}

kfb_sid_chroot() {
  if [ "$(cat "$KFB_SID/.kfb-ready" 2>/dev/null)" != "$KFB_SID_PKGS" ]; then
    command -v debootstrap >/dev/null || { echo "chroot: debootstrap is not installed" >&2; return 2; }
    local m
    m=$(kfb_mirror)
    if [ ! -e "$KFB_SID/.kfb-bootstrapped" ]; then
      rm -rf "$KFB_SID"
      echo "chroot: debootstrap --variant=minbase sid $KFB_SID $m" >&2
      debootstrap --variant=minbase sid "$KFB_SID" "$m" > "$KFB_CACHE/sid-debootstrap.log" 2>&1 ||
        { echo "chroot: debootstrap failed; see $KFB_CACHE/sid-debootstrap.log" >&2; return 2; }
      touch "$KFB_SID/.kfb-bootstrapped"
    fi
    printf 'deb %s sid main\n' "$m" > "$KFB_SID/etc/apt/sources.list"
    printf 'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n' \
      > "$KFB_SID/etc/apt/apt.conf.d/99kfuncbtf"
    echo "chroot: apt-get install $KFB_SID_PKGS" >&2
    kfb_sid_run "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $KFB_SID_PKGS" \
      > "$KFB_CACHE/sid-apt.log" 2>&1 ||
      { echo "chroot: apt-get failed; see $KFB_CACHE/sid-apt.log" >&2; return 2; }
    echo "$KFB_SID_PKGS" > "$KFB_SID/.kfb-ready"
  fi
  echo "$KFB_SID"
}

# kfb_sid_run SCRIPT: bash -c SCRIPT inside the chroot. Mounts are made for the call and undone
# after it (lazy unmount: nothing of the host stays attached to the cache).
kfb_sid_run() {
  local rc=0 mnts=()
  mount -t proc proc "$KFB_SID/proc" && mnts+=("$KFB_SID/proc")
  mount --bind /dev "$KFB_SID/dev" && mnts+=("$KFB_SID/dev")
  cp -L /etc/resolv.conf "$KFB_SID/etc/resolv.conf" 2>/dev/null || true
  if [ -n "${KFB_BIND_SRC:-}" ]; then
    mkdir -p "$KFB_SID/src"
    mount --bind -o ro "$KFB_BIND_SRC" "$KFB_SID/src" && mnts+=("$KFB_SID/src")
  fi
  if [ -n "${KFB_BIND_OUT:-}" ]; then
    mkdir -p "$KFB_SID/out"
    mount --bind "$KFB_BIND_OUT" "$KFB_SID/out" && mnts+=("$KFB_SID/out")
  fi
  chroot "$KFB_SID" /usr/bin/env -i PATH=/usr/lib/llvm-21/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 /bin/bash -c "$1" || rc=$?
  local i
  for ((i = ${#mnts[@]} - 1; i >= 0; i--)); do umount -l "${mnts[$i]}" 2>/dev/null || true; done
  return $rc
}
