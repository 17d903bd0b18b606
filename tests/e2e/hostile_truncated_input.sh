#!/bin/bash
# An input truncated while it is read (a build rewriting vmlinux under kfuncbtf) is a message and
# exit 2, never a SIGBUS crash: an LD_PRELOAD shim truncates the object right after kfuncbtf maps
# it, so reading past the new end faults. Every command says which file shrank, from and to how
# many bytes; emit leaves no output and no temp file. With -j2 the fault may hit a worker thread.
. "$(dirname "$0")/lib.sh"
need cc
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
cc -shared -fPIC -O2 -o "$T/shrink.so" "$KFB_SRC/tests/e2e/shrink_on_mmap.c" -ldl
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
size=$(stat -c %s "$obj")
mkdir "$T/dir"
shrunk() {  # shrunk ARGS...: kfuncbtf ARGS on a fresh $T/in.o that shrinks to 4096 bytes once mapped
  cp "$obj" "$T/in.o"
  expect_exit 2 env KFB_SHIM_SHRINK="$T/in.o" KFB_SHIM_SHRINK_TO=4096 LD_PRELOAD="$T/shrink.so" \
    timeout 60 "$KFUNCBTF" "$@"
  expect_eq "$(cat "$T/err")" "kfuncbtf: $T/in.o: the file shrank from $size to 4096 bytes while it was read (rewritten by another process?); nothing was written"
  expect_eq "$(cat "$T/out")" ""
  expect_eq "$(ls -A "$T/dir")" ""
}
shrunk scan "$T/in.o"
shrunk -j2 scan "$T/in.o"
shrunk check "$T/in.o"
shrunk dump "$T/in.o"
shrunk -j2 diff "$obj" "$T/in.o"
shrunk emit "$T/in.o" -o "$T/dir/out.btf"
shrunk emit "$T/in.o" --update-elf -o "$T/dir/out.o"
# With the shim loaded but no file named, emit runs as always (the shim alone changes nothing).
expect_exit 0 env LD_PRELOAD="$T/shrink.so" "$KFUNCBTF" emit "$obj" -o "$T/dir/out.btf"
echo "ok: an input that shrinks while mapped is a message and exit 2, nothing written"
