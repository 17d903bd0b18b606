#!/bin/bash
# The input is never destroyed: raw BTF over the input object (the same file, a symbolic link or
# a hard link to it) is refused with exit 2 and the object stays byte for byte; --in-place with
# -o and an empty -o are usage errors; --update-elf --in-place through a symbolic link rewrites
# the link's target and keeps the link.
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o
orig=$KFB_FIXTURES/gcc-dwarf5.o
mkdir "$T/w" && cd "$T/w"
cp "$orig" self.o; ln -s self.o link.o; ln self.o hard.o
for o in self.o link.o hard.o ./self.o "$T/w/self.o"; do
  expect_exit 2 "$KFUNCBTF" emit self.o -o "$o"
  expect_eq "$(cat "$T/err")" "kfuncbtf: $o: -o is the input object itself; raw BTF would replace the ELF (--update-elf --in-place rewrites its .BTF)"
  cmp self.o "$orig" || die "-o $o changed the object"
done
expect_exit 2 "$KFUNCBTF" emit link.o -o self.o
cmp self.o "$orig" || die "emit link.o -o self.o changed the object"
expect_exit 2 "$KFUNCBTF" emit --update-elf --in-place self.o -o x.o
expect_eq "$(cat "$T/err")" "kfuncbtf: --in-place rewrites OBJ itself: give it or -o OUT, not both"
[ ! -e x.o ] || die "--in-place with -o wrote x.o"
expect_exit 2 "$KFUNCBTF" emit self.o -o ""
expect_eq "$(cat "$T/err")" "kfuncbtf: --output: an empty value (usage: kfuncbtf emit --help)"
expect_eq "$(ls -A | sort | tr '\n' ' ')" "hard.o link.o self.o "
# Raw BTF to another file, and the ELF rewritten in place through the link, are fine.
expect_exit 0 "$KFUNCBTF" emit -q self.o -o k.btf
expect_exit 0 "$KFUNCBTF" emit -q --update-elf -o copy.o self.o
expect_exit 0 "$KFUNCBTF" emit -q --update-elf --in-place link.o
[ -L link.o ] || die "--in-place replaced the symbolic link by a file"
expect_eq "$(readlink link.o)" "self.o"
cmp self.o copy.o || die "--in-place through the link did not write what --update-elf -o writes"
cmp hard.o "$orig" || die "the hard link changed (the rename gives self.o a new inode)"
echo "ok: the input object is never overwritten by raw BTF; --in-place writes through symbolic links"
