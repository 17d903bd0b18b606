#!/bin/bash
# The running kernel's BTF against the Debian 6.12 vmlinux's .BTF (cached by
# tests/bench/realkernel.sh) and against itself: byte-identical output on two runs, and the
# --stat counts per kind add up to each side's number of types of that kind.
. "$(dirname "$0")/lib.sh"
sys=/sys/kernel/btf/vmlinux
[ -r "$sys" ] || skip "no $sys"
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
old=$(ls "$cache"/linux-image-6.12.*/vmlinux-* 2>/dev/null | head -1 || true)
[ -n "$old" ] || skip "no cached 6.12 vmlinux (run tests/bench/realkernel.sh fetch)"

expect_exit 0 "$KFUNCBTF" diff "$sys" "$sys"
expect_eq "$(cat "$T/out")" "no differences"

expect_exit 1 "$KFUNCBTF" diff "$old" "$sys"
mv "$T/out" "$T/run1"
expect_exit 1 "$KFUNCBTF" diff "$old" "$sys"
cmp "$T/run1" "$T/out" || die "two runs differ"
expect_exit 1 "$KFUNCBTF" --json diff "$old" "$sys"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || die "invalid JSON"

# Per-kind counts from bpftool-compatible dumps of both sides.
run_kfb dump "$old" | sed -n 's/^\[[0-9]*\] \([A-Z_0-9]*\) .*/\1/p' | sort | uniq -c > "$T/kinds_old"
run_kfb dump "$sys" | sed -n 's/^\[[0-9]*\] \([A-Z_0-9]*\) .*/\1/p' | sort | uniq -c > "$T/kinds_new"
expect_exit 1 "$KFUNCBTF" diff --stat "$old" "$sys"
cp "$T/out" "$T/stat"
while read -r kind added removed changed same; do
  case "$kind" in kind|total|kfunc) continue ;; esac
  o=$(awk -v k="$kind" '$2 == k {print $1}' "$T/kinds_old"); o=${o:-0}
  n=$(awk -v k="$kind" '$2 == k {print $1}' "$T/kinds_new"); n=${n:-0}
  [ $((removed + changed + same)) -eq "$o" ] || die "$kind: removed+changed+same != $o (old)"
  [ $((added + changed + same)) -eq "$n" ] || die "$kind: added+changed+same != $n (new)"
done < "$T/stat"
read -r _ a r c s < <(grep '^total ' "$T/stat")
[ $((r + c + s)) -eq "$(awk '{t += $1} END {print t}' "$T/kinds_old")" ] || die "old total"
[ $((a + c + s)) -eq "$(awk '{t += $1} END {print t}' "$T/kinds_new")" ] || die "new total"
echo ok
