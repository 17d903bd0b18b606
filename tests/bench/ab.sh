#!/bin/bash
# A/B: two kfuncbtf binaries (before and after a change) side by side on the real debug kernels.
#   1. Behaviour: every command form on every kernel, with both binaries; outputs (stdout, the
#      emitted bytes, exit codes) compared byte for byte. Differences are listed, not hidden.
#   2. Speed: hyperfine of each command form on one kernel, both binaries in one run, with the
#      ratio new/old (mean wall) and both CPU times.
#
#   tests/bench/ab.sh OLD_BINARY NEW_BINARY [SPEED_SERIES]     # default speed series 7.3
#   KFB_AB_SERIES="6.12 7.3" tests/bench/ab.sh ...              # fewer kernels for step 1
#
# Kernels: tests/bench/realkernel.sh path SERIES (6.1, 6.12, 7.2, 7.3; fetched if missing).
# Exit: 0 identical, 1 some output differs, 77 a prerequisite is missing.
set -u -o pipefail
OLD=${1:?usage: ab.sh OLD NEW [SERIES]}
NEW=${2:?usage: ab.sh OLD NEW [SERIES]}
SPEED=${3:-7.3}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v hyperfine >/dev/null || { echo "ab: hyperfine is missing (apt-get install hyperfine)" >&2; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

declare -A VM
for s in ${KFB_AB_SERIES:-6.1 6.12 7.2 7.3}; do
  VM[$s]=$("$HERE/realkernel.sh" path "$s") || { echo "ab: no $s kernel" >&2; exit 77; }
done

# forms SERIES: one command form per line; @OUT is the output file, @PREV the previous series.
forms() {
  local v=${VM[$1]}
  echo "scan $v"
  echo "--json scan $v"
  echo "-q emit $v -o @OUT"
  echo "-q emit $v --features=all -o @OUT"
  echo "check $v"
  echo "check --as vmlinux $v"
  echo "--json check --as vmlinux $v"
  echo "dump $v"
  [ -n "${2:-}" ] && echo "diff ${VM[$2]} $v"
}

run() { # run BINARY TAG FORM: stdout, stderr, rc and @OUT of one run into $T/TAG.*
  local bin=$1 tag=$2 form=${3//@OUT/$T/$2.out}
  rm -f "$T/$tag.out"
  # shellcheck disable=SC2086
  "$bin" $form > "$T/$tag.stdout" 2> "$T/$tag.stderr"
  echo $? > "$T/$tag.rc"
}

differ=0 runs=0 prev=
for s in ${KFB_AB_SERIES:-6.1 6.12 7.2 7.3}; do
  while IFS= read -r form; do
    run "$OLD" old "$form"
    run "$NEW" new "$form"
    runs=$((runs + 1))
    bad=
    for part in rc stdout stderr out; do
      [ -e "$T/old.$part" ] || [ -e "$T/new.$part" ] || continue
      cmp -s "$T/old.$part" "$T/new.$part" || bad="$bad $part"
    done
    if [ -n "$bad" ]; then
      differ=$((differ + 1))
      echo "DIFFERS ($s):$bad: kfuncbtf $form"
      for part in $bad; do
        diff <(head -c 100000 "$T/old.$part") <(head -c 100000 "$T/new.$part") 2>/dev/null | head -6 | sed 's/^/    /'
      done
    fi
  done < <(forms "$s" "$prev")
  prev=$s
done
echo "behaviour: $runs runs on ${KFB_AB_SERIES:-6.1 6.12 7.2 7.3}, $differ differ"

echo "speed on $SPEED (hyperfine -N, old then new; ratio = new/old mean wall):"
prev=
case $SPEED in 7.3) prev=7.2 ;; 7.2) prev=6.12 ;; 6.12) prev=6.1 ;; esac
[ -n "${VM[$prev]:-}" ] || prev=
VM[$SPEED]=${VM[$SPEED]:-$("$HERE/realkernel.sh" path "$SPEED")}
while IFS= read -r form; do
  f=${form//@OUT/$T/bench.out}
  hyperfine -N -w 1 -r "${KFB_AB_RUNS:-5}" -i --export-json "$T/h.json" \
    "$OLD $f" "$NEW $f" > /dev/null 2>&1 || { echo "  hyperfine failed: $form"; continue; }
  python3 - "$T/h.json" "$form" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
o, n = r[0], r[1]
ms = lambda x: x * 1000
print(f"  {sys.argv[2][:70]:70s} old {ms(o['mean']):8.1f} ms (user {ms(o['user']):7.1f}, sys {ms(o['system']):6.1f})"
      f"  new {ms(n['mean']):8.1f} ms (user {ms(n['user']):7.1f}, sys {ms(n['system']):6.1f})"
      f"  ratio {n['mean'] / o['mean']:.3f} (cpu {(n['user'] + n['system']) / (o['user'] + o['system']):.3f})")
PY
done < <(forms "$SPEED" "$prev")
[ "$differ" = 0 ]
