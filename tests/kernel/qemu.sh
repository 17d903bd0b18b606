# Sourced by the scripts that boot a kernel under QEMU (tests/kernel/qemu_oracle.sh,
# tests/e2e/emit_loads_7x.sh, tests/bench/kernel_build.sh):
#
#   kfb_qemu_boot INIT_C ROOT KERNEL CONSOLE [TIMEOUT]
#
# builds INIT_C (one of tests/kernel/*_init.c) as ROOT/init, static; packs ROOT (whatever else
# the caller put there: blobs, modules) as the initramfs; boots KERNEL (a bzImage / Debian
# vmlinuz) on it with software emulation (-accel tcg -cpu max: KVM does not work on these
# machines), the serial console to CONSOLE with \r dropped; the init prints its "KFB ..." lines
# and powers off. Returns after the power-off or TIMEOUT seconds (default 1800); prints the time.
# no_timer_check: on a starved host the emulated timer misses the IO-APIC check and the kernel
# panics at boot ('IO-APIC + timer doesn't work', seen with CI and a second test run at once).
kfb_qemu_boot() {
  local init_c=$1 root=$2 kernel=$3 console=$4 limit=${5:-1800} t0=$SECONDS
  gcc -static -O2 -I "$(dirname "$init_c")" -o "$root/init" "$init_c"
  mkdir -p "$root/dev"
  [ -e "$root/dev/console" ] || mknod "$root/dev/console" c 5 1
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$root.initrd.gz"
  timeout "$limit" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 1 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$root.initrd.gz" -append "console=ttyS0 quiet panic=-1 no_timer_check" 2>&1 |
    tr -d '\r' > "$console" || true
  rm -f "$root.initrd.gz"
  echo "booted $(basename "$kernel") under QEMU: $((SECONDS - t0)) s"
}

# kfb_qemu_need: exits 77 with the reason when QEMU cannot be used here.
kfb_qemu_need() {
  command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 77; }
  command -v cpio >/dev/null || { echo "SKIP: cpio not installed"; exit 77; }
}
