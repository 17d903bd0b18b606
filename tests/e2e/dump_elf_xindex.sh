#!/bin/bash
# .BTF is found in an ELF with more than 65,535 sections (e_shstrndx = SHN_XINDEX, the real
# index in section 0's sh_link), like vmlinux.o with -ffunction-sections.
. "$(dirname "$0")/lib.sh"
need as objcopy python3
btf="$KFB_FIXTURES/gcc-dwarf5.btf"
[ -e "$btf" ] || skip "fixture $btf not built"
python3 -c "print('\n'.join('.section .s%d,\"a\"\n.byte 1' % i for i in range(70000)))" > "$T/many.s"
as "$T/many.s" -o "$T/many.o"
objcopy --add-section .BTF="$btf" "$T/many.o" "$T/many-btf.o"
[ "$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(64); print(int.from_bytes(d[62:64],'little'))" "$T/many-btf.o")" = 65535 ] ||
  die "test object does not use SHN_XINDEX"
run_kfb dump "$T/many-btf.o" > "$T/elf.txt"
run_kfb dump "$btf" > "$T/raw.txt"
cmp "$T/elf.txt" "$T/raw.txt" || die "dump of the .BTF in a SHN_XINDEX ELF differs from the raw file's"
[ -s "$T/elf.txt" ] || die "empty dump"
