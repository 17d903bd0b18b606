#!/bin/bash
# No false findings on the kernels users build: on each cached Debian debug vmlinux (6.1, 6.12,
# 7.2, 7.3: tests/bench/realkernel.sh fetch), scan, emit and check --as vmlinux (on the input
# and on emit's output) exit 0 and report no error. The only warnings allowed are the ones
# upstream's own build gives reason for: 7.2's hid_bpf sets list five kfuncs with other flags
# than hid_bpf_kfunc_ids (7.2 accepts it, resolve_btfids 7.3 refuses it). A 7.x vmlinux is
# sorted by name (the kernel binary-searches it), so emit's output stays sorted, and already has
# its bpf_kfunc tags and _impl twins (none is added twice). Skipped when no kernel is cached.
. "$(dirname "$0")/lib.sh"
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
n=0
for v in "$cache"/linux-image-*/vmlinux-*; do
  [ -f "$v" ] || continue
  rel=$(basename "$v"); rel=${rel#vmlinux-}
  series=$(echo "$rel" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
  expect_exit 0 run_kfb scan "$v"
  kfuncs=$(grep -c '^[a-z]' "$T/out" || true)
  [ "$kfuncs" -ge 40 ] || die "$rel: scan found only $kfuncs kfuncs"
  case $series in
    7.2)
      [ "$(grep -c . "$T/err")" = 5 ] || { cat "$T/err"; die "$rel: expected the five hid_bpf warnings"; }
      for k in hid_bpf_allocate_context hid_bpf_release_context hid_bpf_hw_request hid_bpf_hw_output_report hid_bpf_input_report; do
        grep -q "^kfuncbtf: drivers/hid/bpf/hid_bpf_dispatch.c:[0-9]*: warning: $k: inconsistent flags across BTF ID sets: 'hid_bpf_kfunc_ids' has .* (the 7.2 build accepts this; resolve_btfids 7.3 and later refuse it)\$" "$T/err" ||
          { cat "$T/err"; die "$rel: no warning for $k"; }
      done ;;
    *) [ ! -s "$T/err" ] || die "$rel: scan printed: $(head -5 "$T/err")" ;;
  esac
  expect_exit 0 run_kfb emit "$v" -o "$T/out.btf"
  ! grep -v ": warning: " "$T/err" | grep -q . || { cat "$T/err"; die "$rel: emit printed more than warnings"; }
  case $series in
    7.*)  # resolve_btfids already tagged every kfunc and made every twin: nothing twice
      expect_grep "sorted by name" "$T/out"
      expect_grep "  decl tags:       0 bpf_kfunc, 0 bpf_fastcall" "$T/out"
      expect_grep "  twins:           0 new _impl" "$T/out"
      expect_grep "  arena:           0 address_space(1) attributes" "$T/out" ;;
  esac
  case $series in 6.1[89]) rules=6.18 ;; 6.*) rules=6.1 ;; *) rules=$series ;; esac  # newest set at or below
  # The ELF: its own kernel's rules (linux_banner); the raw output: the same, given.
  for f in "$v" "$T/out.btf"; do
    k=(); [ "$f" = "$v" ] || k=(--kernel "$rules")
    expect_exit 0 run_kfb -v check "${k[@]}" --as vmlinux "$f"
    expect_grep "types, loader rules of Linux $rules, as vmlinux BTF)" "$T/out"
    ! grep -v ": warning: \|: ok (\|: kfunc rules: " "$T/out" | grep -q . || die "$rel: check --as vmlinux $f: $(head -5 "$T/out")"
  done
  echo "ok: $rel: $kfuncs kfuncs"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no cached Debian debug vmlinux in $cache (tests/bench/realkernel.sh fetch)"
