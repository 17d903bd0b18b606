#!/bin/bash
# --update-elf writes a copy of the object whose .BTF equals the raw output (-o) byte for byte,
# every other section keeps its offset and bytes, readelf/bpftool/objcopy accept the result;
# --in-place rewrites OBJ itself; both byte orders, ELF32/ELF64, ET_REL and ET_EXEC.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o
need readelf objcopy python3 bpftool

# same_sections IN OUT: every section but .BTF has the same index, name, type, offset, size
# and bytes in both files (section headers parsed here, independently of kfuncbtf and libelf).
same_sections() {
  python3 - "$1" "$2" <<'PY' || die "sections differ between $1 and $2"
import struct, sys
def sections(path):
    d = open(path, 'rb').read()
    is64, end = d[4] == 2, '<' if d[5] == 1 else '>'
    if is64:
        shoff, = struct.unpack_from(end + 'Q', d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + 'HHH', d, 0x3a)
    else:
        shoff, = struct.unpack_from(end + 'I', d, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + 'HHH', d, 0x2e)
    def sh(i):
        o = shoff + i * shentsize
        f = end + ('IIQQQQ' if is64 else 'IIIIII')
        name, typ, flags, addr, off, size = struct.unpack_from(f, d, o)
        return name, typ, off, size
    if shnum == 0: shnum = sh(0)[3]
    if shstrndx == 0xffff: shstrndx = struct.unpack_from(end + 'I', d, shoff + (40 if is64 else 24))[0]
    stroff = sh(shstrndx)[2]
    out = []
    for i in range(1, shnum):
        name, typ, off, size = sh(i)
        n = d[stroff + name:d.index(b'\0', stroff + name)].decode()
        out.append((n, typ, off, size, b'' if typ == 8 else d[off:off + size]))
    return out
a, b = sections(sys.argv[1]), sections(sys.argv[2])
if len(a) != len(b): sys.exit('section count %d -> %d' % (len(a), len(b)))
checked = 0
for i, (x, y) in enumerate(zip(a, b), 1):
    if x[0] == '.BTF':
        if y[0] != '.BTF': sys.exit('section %d: .BTF renamed' % i)
        continue
    if x != y: sys.exit('section %d %s: moved or changed (%s/%s -> %s/%s)' % (i, x[0], x[2], x[3], y[2], y[3]))
    checked += 1
if checked < 10: sys.exit('only %d sections compared' % checked)
PY
}

for obj in "$KFB_FIXTURES"/{gcc-dwarf5,clang-dwarf5,clang-powerpc64-dwarf5,clang-i386-dwarf5,clang-powerpc-dwarf5}.{o,elf}; do
  v=$(basename "$obj")
  expect_exit 0 "$KFUNCBTF" emit "$obj" --scopes "$KFB_SRC/testdata/src/scopes.txt" -o "$T/$v.btf"
  expect_exit 0 "$KFUNCBTF" emit "$obj" --scopes "$KFB_SRC/testdata/src/scopes.txt" --update-elf -o "$T/$v"
  objcopy --dump-section .BTF="$T/$v.sec" "$T/$v" "$T/scratch" 2>/dev/null ||
    llvm-objcopy --dump-section .BTF="$T/$v.sec" "$T/$v" "$T/scratch"
  cmp "$T/$v.sec" "$T/$v.btf" || die "$v: .BTF of the ELF differs from the raw output"
  same_sections "$obj" "$T/$v"
  readelf -aW "$T/$v" > /dev/null 2> "$T/readelf.err" || die "$v: readelf failed"
  [ ! -s "$T/readelf.err" ] || { cat "$T/readelf.err"; die "$v: readelf complained"; }
  case "$v" in clang-powerpc*|clang-i386*) ;; *)
    expect_exit 0 bpftool btf dump file "$T/$v"
    expect_grep "FUNC 'bpf_obj_drop_impl'" "$T/out" ;;
  esac
  # kfuncbtf reads its own output: the scan still finds every kfunc, nothing more to add.
  expect_exit 0 "$KFUNCBTF" emit "$T/$v" --scopes "$KFB_SRC/testdata/src/scopes.txt"
  expect_grep "45 processed" "$T/out"
  expect_grep "(+0)" "$T/out"
done

# --in-place: same bytes as the -o copy; mode kept.
cp "$KFB_FIXTURES/clang-dwarf5.o" "$T/inplace.o"
chmod 0640 "$T/inplace.o"
expect_exit 0 "$KFUNCBTF" emit "$T/inplace.o" --update-elf --in-place
cmp "$T/inplace.o" "$T/clang-dwarf5.o" || die "--in-place differs from --update-elf -o"
expect_eq "$(stat -c %a "$T/inplace.o")" 640

# Misuse is "cannot run" (2), nothing written.
expect_exit 2 "$KFUNCBTF" emit "$KFB_FIXTURES/clang-dwarf5.o" --update-elf
expect_grep "--update-elf needs -o OUT, or --in-place" "$T/err"
expect_exit 2 "$KFUNCBTF" emit "$KFB_FIXTURES/clang-dwarf5.o" --in-place -o "$T/x"
expect_grep "--in-place needs --update-elf" "$T/err"
[ ! -e "$T/x" ] || die "misuse wrote output"
