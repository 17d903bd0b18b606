#!/bin/bash
# Every emit output of a 7.x kernel loads in that very kernel. For 7.2 and 7.3: the image the
# kernel runs (the stripped ELF inside Debian's vmlinuz: no symbols, no DWARF) and, where it is
# cached, the debug vmlinux of the same build (default features; 7.3 also with its sched_ext
# scope file) are emitted; each output and the input's own .BTF are loaded with BPF_BTF_LOAD by
# that kernel booted under QEMU (tests/kernel/qemu.sh, qemu_init.c). Every one must load, and
# check --kernel 7.x --as user must say so too. Skipped without qemu or the cached kernels
# (./tools/install-deps --tests fetches the vmlinuz; tests/bench/realkernel.sh fetch the debug
# vmlinux).
. "$(dirname "$0")/lib.sh"
. "$KFB_SRC/tests/kernel/qemu.sh"
need qemu-system-x86_64 cpio gcc objcopy
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
booted=0
for ser in 7.2 7.3; do
  vz=$(ls "$cache"/linux-binary-"$ser"*/vmlinuz-* 2>/dev/null | head -1 || true)
  [ -n "$vz" ] || continue
  img=$(dirname "$vz")/vmlinux-${vz##*/vmlinuz-}
  [ -s "$img" ] || die "$ser: $vz is cached but not its image (tests/bench/realkernel.sh image $ser)"
  dbg=$(ls "$cache"/linux-image-"${vz##*/vmlinuz-}"-dbg/vmlinux-* 2>/dev/null | head -1 || true)
  root=$T/$ser/root
  mkdir -p "$root/blobs"
  names=()
  add() {  # add NAME BLOB: the next blob of the batch
    cp "$2" "$root/blobs/b${#names[@]}"
    names+=("$1")
  }
  objcopy -O binary --only-section=.BTF "$img" "$T/in.btf"
  add "$ser image .BTF (as built)" "$T/in.btf"
  expect_exit 0 run_kfb emit "$img" -o "$T/img.btf"
  expect_grep "sorted by name" "$T/out"
  add "$ser image, emit" "$T/img.btf"
  if [ -n "$dbg" ]; then
    expect_exit 0 run_kfb emit "$dbg" -o "$T/dbg.btf"
    add "$ser debug vmlinux, emit" "$T/dbg.btf"
    if [ -f "$KFB_SRC/tools/scopes/sched_ext-$ser.scopes" ]; then
      expect_exit 0 run_kfb emit "$dbg" --scopes "$KFB_SRC/tools/scopes/sched_ext-$ser.scopes" -o "$T/dbg-scopes.btf"
      add "$ser debug vmlinux, emit --scopes sched_ext-$ser.scopes" "$T/dbg-scopes.btf"
    fi
  fi
  for i in "${!names[@]}"; do
    expect_exit 0 run_kfb check --kernel "$ser" --as user "$root/blobs/b$i"
  done
  kfb_qemu_boot "$KFB_SRC/tests/kernel/qemu_init.c" "$root" "$vz" "$T/$ser/console" 600
  grep -a '^KFB ' "$T/$ser/console" > "$T/$ser/got" || true
  grep -qx "KFB done ${#names[@]}" "$T/$ser/got" || { tail -20 "$T/$ser/console"; die "$ser: the init did not finish"; }
  for i in "${!names[@]}"; do
    line=$(grep -a "^KFB $i " "$T/$ser/got" || true)
    [ "$line" = "KFB $i ok" ] || die "${names[$i]}: the $ser kernel refused it: ${line:0:600}"
    echo "ok: ${names[$i]}: loads in $(basename "$vz")"
  done
  booted=$((booted + 1))
done
[ "$booted" -gt 0 ] || skip "no cached 7.2/7.3 vmlinuz in $cache (./tools/install-deps --tests)"
