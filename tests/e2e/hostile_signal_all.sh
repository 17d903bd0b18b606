#!/bin/bash
# Every signal that ends the process during a write, not only the four of hostile_signal.sh,
# leaves no temp file and no output, and says which output was not written and why: emit waits
# in its rename (the slow_rename.c shim) with a complete .k.btf.kfuncbtf-tmp.PID.XXXXXX beside
# the output, is sent SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU, SIGVTALRM, SIGPROF, SIGIO or
# a real-time signal, and dies of it. A file size limit (`ulimit -f`, SIGXFSZ) is a write error:
# exit 2 with the reason, no temp file.
. "$(dirname "$0")/lib.sh"
need cc
obj=$KFB_FIXTURES/gcc-dwarf5.o
need_fixture gcc-dwarf5.o
cc -shared -fPIC -O2 -o "$T/slow_rename.so" "$KFB_SRC/tests/e2e/slow_rename.c" -ldl
mkdir "$T/dir"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

start_emit() {  # start_emit OUT: emit in the background; returns once its temp file is complete
  rm -f "$T/ready"
  KFB_SHIM_READY=$T/ready LD_PRELOAD=$T/slow_rename.so \
    env --default-signal "$KFUNCBTF" emit -q "$obj" -o "$1" 2>"$T/emit.err" &
  pid=$!
  for _ in $(seq 600); do [ -s "$T/ready" ] && break; sleep 0.05; done
  [ -s "$T/ready" ] || { kill -9 $pid; die "emit never reached its rename"; }
  tmp=$(cat "$T/ready")
  [ -f "$tmp" ] || die "the shim saw $tmp, which does not exist"
}

for sig in QUIT USR1 USR2 ALRM XCPU VTALRM PROF IO RTMIN RTMAX; do
  start_emit "$T/dir/k.btf"
  kill -s $sig $pid
  rc=0; wait $pid || rc=$?
  expect_eq "$rc" "$((128 + $(kill -l $sig)))"
  [ ! -e "$tmp" ] || die "SIG$sig left $tmp"
  expect_eq "$(ls -A "$T/dir")" ""
  case $sig in
    XCPU) why="SIGXCPU (CPU time limit)" ;;
    RTMIN|RTMAX) why="signal $(kill -l $sig)" ;;
    *) why=SIG$sig ;;
  esac
  expect_eq "$(cat "$T/emit.err")" "kfuncbtf: $T/dir/k.btf: not written: killed by $why"
done

# ulimit -f: the output does not fit in 1 KiB; the write fails, the temp file goes.
expect_exit 2 bash -c 'ulimit -f 1 && exec "$@"' - "$KFUNCBTF" emit -q "$obj" -o "$T/dir/k.btf"
expect_eq "$(cat "$T/err")" "kfuncbtf: $T/dir/k.btf: write error: File too large"
expect_eq "$(ls -A "$T/dir")" ""
expect_exit 2 bash -c 'ulimit -f 1 && exec "$@"' - "$KFUNCBTF" emit -q "$obj" --update-elf -o "$T/dir/k.o"
expect_eq "$(cat "$T/err")" "kfuncbtf: $T/dir/k.o: write error: File too large"
expect_eq "$(ls -A "$T/dir")" ""
echo "ok: every terminating signal and ulimit -f leave no temp file, and say so"
