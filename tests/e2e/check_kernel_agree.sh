#!/bin/bash
# check --as user gives the running kernel's BPF_BTF_LOAD verdict on every fixture (.btf and
# the .BTF of the ELF objects) and on the kernel's own BTF; on a rejection the kernel's log
# contains the line check reports.
. "$(dirname "$0")/lib.sh"
need python3
BTFLOAD="$KFB_BUILD/tests/kernel/btfload"
[ -x "$BTFLOAD" ] || skip "btfload not built"
rc=0; "$BTFLOAD" -q /sys/kernel/btf/vmlinux >/dev/null || rc=$?
[ $rc -ne 77 ] || skip "bpf(BPF_BTF_LOAD) refused here: $("$BTFLOAD" -q /sys/kernel/btf/vmlinux)"
files=(/sys/kernel/btf/vmlinux)
for f in "$KFB_FIXTURES"/*.btf; do [ -e "$f" ] && files+=("$f"); done
[ ${#files[@]} -gt 1 ] || echo "note: no fixtures in $KFB_FIXTURES, only vmlinux"
n=0
for f in "${files[@]}"; do
  k=0; "$BTFLOAD" -s 67108864 "$f" > "$T/k" || k=$?
  c=0; "$KFUNCBTF" --json check --kernel 6.18 "$f" > "$T/c" || c=$?
  [ $k -eq $c ] || die "$f: kernel exit $k, check exit $c"
  if [ $k -eq 1 ]; then
    python3 - "$T/c" "$T/k" "$f" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
k = open(sys.argv[2], "rb").read().decode("latin-1")
want = "rejected: " + c["errno"]
assert k.splitlines()[0] == want, (sys.argv[3], k.splitlines()[0], want)
log = c["findings"][-1]["kernel_log"]
assert log in k, (sys.argv[3], log)
PY
  fi
  n=$((n + 1))
done
echo "$n files: verdicts agree"
