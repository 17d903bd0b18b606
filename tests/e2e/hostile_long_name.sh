#!/bin/bash
# An output name the file system takes (up to NAME_MAX, 255 bytes) is written: the temp file's
# name (".NAME.kfuncbtf-tmp.PID.XXXXXX") cuts NAME to fit, at a UTF-8 character boundary, where
# it used to be ~30 bytes longer than NAME and failed with "File name too long" from ~225 bytes.
# Nothing but the output is left in the directory.
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
cd "$T"
"$KFUNCBTF" emit -q "$obj" -o want.btf
mkdir dir
name() { printf "%${1}s" "" | tr ' ' "${2:-a}"; }
for n in 226 227 230 240 254 255; do
  out=dir/$(name $n)
  expect_exit 0 "$KFUNCBTF" emit -q "$obj" -o "$out"
  cmp want.btf "$out" || die "$n-byte name: other bytes"
  expect_exit 0 "$KFUNCBTF" emit -q "$obj" --update-elf -o "$out"  # and over an existing one
  expect_eq "$(ls -A dir)" "$(name $n)"
  rm "$out"
done
# 255 bytes of two-byte characters (and one 'x'): the temp name is cut between characters.
out="dir/x$(printf 'é%.0s' $(seq 127))"
expect_exit 0 "$KFUNCBTF" emit -q "$obj" -o "$out"
cmp want.btf "$out" || die "UTF-8 name: other bytes"
expect_eq "$(ls -A dir)" "$(basename "$out")"
# 256 bytes is too long for the file system itself: exit 2, nothing left.
expect_exit 2 "$KFUNCBTF" emit -q "$obj" -o "dir/$(name 256)"
expect_grep "File name too long" "$T/err"
expect_eq "$(ls -A dir)" "$(basename "$out")"
echo "ok: outputs with names up to 255 bytes are written, and leave no temp file"
