#!/bin/bash
# A signal never leaves a partial output: emit is stopped (an LD_PRELOAD shim holds its rename)
# with a whole temp file next to the output; SIGTERM, SIGINT, SIGHUP and SIGPIPE remove the temp
# file, the process dies of that very signal and the output never appears. SIGKILL cannot be
# caught: its temp file is named .k.btf.kfuncbtf-tmp.PID.XXXXXX, and the next emit to the same
# output removes it (that PID no longer runs). A pre-existing output is left as it was.
. "$(dirname "$0")/lib.sh"
need cc
obj=$KFB_FIXTURES/gcc-dwarf5.o
need_fixture gcc-dwarf5.o
cc -shared -fPIC -O2 -o "$T/slow_rename.so" "$KFB_SRC/tests/e2e/slow_rename.c" -ldl
mkdir "$T/dir"
# The shim is not linked with the sanitizers' runtimes: let them start anyway.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# start_emit OUT: emit in the background with the shim; returns once the temp file is complete.
start_emit() {
  rm -f "$T/ready"
  KFB_SHIM_READY=$T/ready LD_PRELOAD=$T/slow_rename.so \
    env --default-signal "$KFUNCBTF" emit "$obj" -o "$1" 2>"$T/emit.err" &
  pid=$!
  for _ in $(seq 600); do [ -s "$T/ready" ] && break; sleep 0.05; done
  [ -s "$T/ready" ] || { kill -9 $pid; die "emit never reached its rename"; }
  tmp=$(cat "$T/ready")
  [ -f "$tmp" ] || die "the shim saw $tmp, which does not exist"
  case $(basename "$tmp") in
    .k.btf.kfuncbtf-tmp.$pid.??????) ;;
    *) die "temp file name $(basename "$tmp") is not .k.btf.kfuncbtf-tmp.$pid.XXXXXX" ;;
  esac
}

for sig in TERM INT HUP PIPE; do
  start_emit "$T/dir/k.btf"
  kill -s $sig $pid
  rc=0; wait $pid || rc=$?
  expect_eq "$rc" "$((128 + $(kill -l $sig)))"
  [ ! -e "$tmp" ] || die "SIG$sig left $tmp"
  [ ! -e "$T/dir/k.btf" ] || die "SIG$sig: the output appeared"
  expect_eq "$(ls -A "$T/dir")" ""
done

# An existing output stays as it was.
echo old > "$T/dir/k.btf"
start_emit "$T/dir/k.btf"
kill -s TERM $pid
wait $pid || true
expect_eq "$(cat "$T/dir/k.btf")" "old"
expect_eq "$(ls -A "$T/dir")" "k.btf"

# SIGKILL: the temp file stays; the next run removes it and writes the output.
start_emit "$T/dir/k.btf"
kill -9 $pid
wait $pid || true
[ -f "$tmp" ] || die "SIGKILL: expected the temp file to stay"
echo other > "$T/dir/.k.btf.kfuncbtf-tmp.1.XXXXXX"  # pid 1 runs: not a leftover
expect_exit 0 "$KFUNCBTF" emit "$obj" -o "$T/dir/k.btf"
[ ! -e "$tmp" ] || die "the next emit did not remove the SIGKILL leftover $tmp"
expect_eq "$(ls -A "$T/dir" | sort | tr '\n' ' ')" ".k.btf.kfuncbtf-tmp.1.XXXXXX k.btf "
"$KFUNCBTF" dump "$T/dir/k.btf" > /dev/null || die "the output is not BTF"
echo "ok: signals leave no temp file and no output; a SIGKILL leftover is removed by the next run"
