#!/bin/bash
# Paths mean files: /sys/kernel/btf/vmlinux spelled /sys/kernel/btf/../btf/vmlinux,
# //sys/kernel/btf/vmlinux, /sys/./kernel/btf/vmlinux or through a symbolic link is the same
# file, so check (the running kernel's rules, no base) and dump (not split on itself) give the
# same answer for each; a copy of it elsewhere is an ordinary raw BTF file (the newest rules).
. "$(dirname "$0")/lib.sh"
sys=/sys/kernel/btf/vmlinux
[ -r "$sys" ] || skip "no readable $sys (kernel without CONFIG_DEBUG_INFO_BTF, or no sysfs)"
ln -s "$sys" "$T/link"
expect_exit 0 timeout 120 "$KFUNCBTF" --json check "$sys"
sed "s|\"$sys\"|F|" "$T/out" > "$T/check.want"
expect_grep '"verdict":"accepted"' "$T/check.want"
expect_exit 0 timeout 120 "$KFUNCBTF" dump "$sys"; mv "$T/out" "$T/dump.want"
for p in /sys/kernel/btf/../btf/vmlinux //sys/kernel/btf/vmlinux /sys/./kernel/btf/vmlinux "$T/link"; do
  expect_exit 0 timeout 120 "$KFUNCBTF" --json check "$p"
  sed "s|\"$p\"|F|" "$T/out" | cmp -s - "$T/check.want" || die "check $p: $(head -c 300 "$T/out")"
  expect_exit 0 timeout 120 "$KFUNCBTF" dump "$p"
  cmp -s "$T/out" "$T/dump.want" || die "dump $p differs from dump $sys"
done
# A copy is not the kernel's file: no uname, the newest rules.
cp "$sys" "$T/copy"
expect_exit 0 timeout 120 "$KFUNCBTF" --json check "$T/copy"
expect_grep '"kernel":"7.3"' "$T/out"
echo "ok: the kernel's BTF is known by what it is, not by how its path is spelled"
