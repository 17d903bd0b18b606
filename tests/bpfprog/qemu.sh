# Sourced by tests/bpfprog/oracle.sh, scope-matrix.sh and poison.sh (after chroot.sh): the static
# libbpf loader (loader.c) and one QEMU boot of a kernel with it as /init.
#
#   kfb_loader                     # builds $KFB_WORK/init when loader.c changed; sets $libbpf
#   kfb_boot KERNEL DIR CONSOLE    # boots KERNEL (7.3, 7.2: tests/bench/realkernel.sh vmlinuz)
#                                  # with DIR as /objs (DIR/list: the objects, one per line,
#                                  # relative to DIR; "run:" before one: also test-run its
#                                  # SEC("syscall") programs) and writes the console to CONSOLE
#
# Needs root (the sid chroot builds the loader), qemu-system-x86_64 and cpio; $repo and $here set.
KFB_WORK=$KFB_CACHE/bpfprog

# The loader: static, against the libbpf of linux-source-7.3's tools/lib/bpf (libbpf 1.8, the
# one tools/sched_ext/Makefile links the schedulers with; sid's libbpf-dev is 1.7) and sid's
# libelf.a, libz.a, libzstd.a; rebuilt when loader.c changes.
kfb_loader() {
  local src73 sum
  mkdir -p "$KFB_WORK"
  kfb_sid_chroot >/dev/null
  mkdir -p "$KFB_SID/kfb"
  cp "$here/loader.c" "$here/tables.py" "$KFB_SID/kfb/"
  src73=$("$repo/tests/bench/realkernel.sh" source 7.3)
  sum=$( (cat "$here/loader.c"; echo "$src73") | sha256sum | cut -c1-16)
  if [ "$(cat "$KFB_WORK/init.sum" 2>/dev/null)" != "$sum" ]; then
    # libbpf is built once per source tree (/build/libbpf/src says which).
    KFB_BIND_SRC=$KFB_CACHE kfb_sid_run "set -e
      if [ \"\$(cat /build/libbpf/src 2>/dev/null)\" != '$src73' ]; then
        rm -rf /build/libbpf && mkdir -p /build/libbpf
        make -s -C /src/${src73#"$KFB_CACHE"/}/tools/lib/bpf OUTPUT=/build/libbpf/ DESTDIR=/build/libbpf/root \
          prefix=/usr -j2 install >/dev/null
        echo '$src73' > /build/libbpf/src
      fi
      gcc -static -O2 -Wall -I/build/libbpf/root/usr/include -o /kfb/init /kfb/loader.c \
        /build/libbpf/root/usr/lib64/libbpf.a -lelf -lz -lzstd"
    cp "$KFB_SID/kfb/init" "$KFB_WORK/init"
    echo "$sum" > "$KFB_WORK/init.sum"
  fi
  libbpf="$(sed -n 's/^#define LIBBPF_M[AI][JN]OR_VERSION //p' "$src73/tools/lib/bpf/libbpf_version.h" | paste -sd.) (linux-source-7.3)"
}

# kconfig VMLINUZ: prints the path of that kernel's config (Debian ships it as
# usr/lib/modules/<abi>/config in linux-base-<abi>), cached beside the vmlinuz. libbpf reads it
# (as /boot/config-<release>) for the objects' CONFIG_* externs; without it they stop in libbpf
# ("failed to open system Kconfig"). Downloaded through realkernel.sh's private apt
# configuration for unstable/experimental ($KFB_CACHE/apt, made when the vmlinuz was fetched).
kconfig() {
  local abi=${1##*/vmlinuz-} dir
  dir=$(dirname "$1")
  if [ ! -s "$dir/config-$abi" ]; then
    local a=$KFB_CACHE/apt t
    t=$(mktemp -d)
    (cd "$t" && apt-get -o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts=- \
       -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" -o Acquire::Check-Valid-Until=false \
       -o Debug::NoLocking=1 -o APT::Sandbox::User=root download -qq "linux-base-$abi" >&2)
    dpkg-deb --fsys-tarfile "$t"/*.deb | tar -x -C "$t" "./usr/lib/modules/$abi/config"
    mv "$t/usr/lib/modules/$abi/config" "$dir/config-$abi"
    rm -rf "$t"
  fi
  echo "$dir/config-$abi"
}

kfb_boot() {
  local k=$1 dir=$2 console=$3 vz root
  vz=$("$repo/tests/bench/realkernel.sh" vmlinuz "$k")
  root=$(mktemp -d "$KFB_WORK/root.XXXXXX")
  mkdir -p "$root/objs" "$root/dev" "$root/boot"
  while read -r o; do
    o=${o#run:}
    mkdir -p "$root/objs/$(dirname "$o")"
    cp "$dir/$o" "$root/objs/$o"
  done < "$dir/list"
  sed 's|^\(run:\)\{0,1\}|&/objs/|' "$dir/list" > "$root/objs/list"
  cp "$(kconfig "$vz")" "$root/boot/config-${vz##*/vmlinuz-}"
  cp "$KFB_WORK/init" "$root/init"
  mknod "$root/dev/console" c 5 1
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$root.cpio.gz"
  # One CPU, software emulation: KVM does not work on these machines (kernel-7.md §2).
  timeout 7200 qemu-system-x86_64 -accel tcg -cpu max -m 3072 -smp 1 -nographic -no-reboot \
    -kernel "$vz" -initrd "$root.cpio.gz" -append "console=ttyS0 quiet panic=-1 no_timer_check" 2>&1 |
    tr -d '\r' > "$console" || true
  rm -rf "$root" "$root.cpio.gz"
  grep -aq '^KFB done' "$console" || { tail -20 "$console"; echo "$k: the loader did not finish" >&2; return 1; }
}
