#!/bin/bash
# A pipe is an input like a file: `cat OBJ | kfuncbtf CMD /dev/stdin`, and a FIFO, give every
# command what the file gives (the name aside), because a pipe is read whole into memory and
# nothing reads its descriptor again (before: scan and emit failed with ".rela.debug_aranges:
# cannot read the relocations", blaming a valid object, while check and dump accepted it).
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
cd "$T"
mkfifo fifo
# same CODE ARGS...: ARGS with @ for the input, on the file, on a pipe, on a FIFO
same() {
  local code=$1; shift
  local file=() pipe=() fifo=()
  for a in "$@"; do
    file+=("${a/#@/$obj}"); pipe+=("${a/#@//dev/stdin}"); fifo+=("${a/#@/$T/fifo}")
  done
  expect_exit "$code" timeout 60 "$KFUNCBTF" "${file[@]}"
  sed "s|$obj|IN|g" "$T/out" > want; sed "s|$obj|IN|g" "$T/err" > want.err
  expect_exit "$code" timeout 60 bash -c 'cat "$0" | "$@"' "$obj" "$KFUNCBTF" "${pipe[@]}"
  sed "s|/dev/stdin|IN|g" "$T/out" | cmp -s - want || die "pipe: other output than the file: $*"
  sed "s|/dev/stdin|IN|g" "$T/err" | cmp -s - want.err || die "pipe: other messages: $(cat "$T/err")"
  expect_exit "$code" timeout 60 bash -c 'cat "$0" > "$1" & "${@:2}"' "$obj" "$T/fifo" "$KFUNCBTF" "${fifo[@]}"
  sed "s|$T/fifo|IN|g" "$T/out" | cmp -s - want || die "FIFO: other output than the file: $*"
  sed "s|$T/fifo|IN|g" "$T/err" | cmp -s - want.err || die "FIFO: other messages: $(cat "$T/err")"
}
same 0 scan @
same 0 -j2 scan @
same 0 --json scan @
same 0 check @
same 0 dump @
same 0 diff "$obj" @
same 0 emit -q @ -o /dev/stdout
same 0 emit -q @ --update-elf -o /dev/stdout
# And written like files: -o /dev/stdout when stdout is a pipe (/proc/self/fd/1 names no file,
# it is "pipe:[N]") is written in place, as it is when stdout is a file.
"$KFUNCBTF" emit -q "$obj" -o want.btf
expect_exit 0 bash -c '"$@" | cat > piped.btf' - "$KFUNCBTF" emit -q "$obj" -o /dev/stdout
expect_eq "$(cat "$T/err")" ""
cmp want.btf piped.btf || die "emit -o /dev/stdout into a pipe: other bytes"
echo "ok: pipes and FIFOs read like files in every command, and written like them"
