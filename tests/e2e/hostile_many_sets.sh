#!/bin/bash
# One kfunc listed in N .BTF_ids sets costs check, scan and emit about N, not N^2: 64k sets took
# check 9-27 s (each entry searched every set by name, and every kfunc's set list by value).
# Measured as a ratio, so the test holds on slow and fast machines alike: 8x the sets may cost
# at most 20x the CPU time (linear is ~8x, quadratic ~64x).
. "$(dirname "$0")/lib.sh"
need python3 as objcopy
need_fixture gcc-dwarf5.btf
cd "$T"
make_obj() {  # make_obj N: sets s0..sN-1, each holding bpf_obj_drop (a FUNC of the fixture's BTF)
  python3 - "$1" > "sets$1.s" <<'PY'
import sys
print('\t.section .BTF_ids,"a"')
for i in range(int(sys.argv[1])):
    print(f'__BTF_ID__set8__s{i}:\n\t.long 1, 1\n__BTF_ID__func__bpf_obj_drop__{i}:\n\t.long 0, 0')
    print(f'\t.size __BTF_ID__set8__s{i}, 16\n\t.size __BTF_ID__func__bpf_obj_drop__{i}, 4')
PY
  as -o "sets$1.o" "sets$1.s"
  objcopy --add-section .BTF="$KFB_FIXTURES/gcc-dwarf5.btf" "sets$1.o"
}
cpu() {  # cpu ARGS...: $ms = user+system milliseconds of kfuncbtf ARGS (exit 0, 60 s at most)
  local TIMEFORMAT='%3U %3S'
  { time timeout 60 "$KFUNCBTF" "$@" > /dev/null 2>&1; } 2> "$T/time" ||
    die "kfuncbtf $* failed or took more than 60 s"
  ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$T/time")
}
least() {  # least ARGS...: $least = the smaller $ms of two runs (a busy VM's steal only adds)
  cpu "$@"; least=$ms
  cpu "$@"; [ "$ms" -ge "$least" ] || least=$ms
}
make_obj 8192
make_obj 65536
expect_exit 0 "$KFUNCBTF" check sets65536.o
for cmd in check "emit -q -o /dev/null"; do
  # shellcheck disable=SC2086
  least $cmd sets8192.o; small=$least
  # shellcheck disable=SC2086
  least $cmd sets65536.o; big=$least
  [ "$big" -le $((20 * (small > 50 ? small : 50))) ] ||
    die "$cmd: 65536 sets cost $big ms of CPU, 8192 sets $small ms: more than 20x for 8x the sets"
  echo "$cmd: 8192 sets $small ms, 65536 sets $big ms of CPU"
done
echo "ok: a kfunc in many sets costs about as many, not their square"
