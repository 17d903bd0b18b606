#!/bin/bash
# Bad inputs: exit 2, one line "kfuncbtf: <file>...: <why>" naming the offset; never a crash.
. "$(dirname "$0")/lib.sh"
need python3

# A small valid blob built by hand: [1] INT 'int', [2] STRUCT 'foo' { int a; }.
python3 - "$T" <<'PY'
import struct, sys
d = sys.argv[1]
strs = b"\0int\0foo\0a\0"
types = struct.pack("<III", 1, 1 << 24, 4) + struct.pack("<I", 1 << 24 | 32)
types += struct.pack("<III", 5, 4 << 24 | 1, 4) + struct.pack("<III", 9, 1, 0)
def blob(types, strs, hdr_len=24, order="<"):
    return struct.pack(order + "HBBIIIII", 0xeB9F, 1, 0, hdr_len, 0, len(types), len(types), len(strs)) + types + strs
good = blob(types, strs)
open(f"{d}/good.btf", "wb").write(good)
open(f"{d}/empty.btf", "wb").write(b"")
open(f"{d}/text.btf", "wb").write(b"this is not BTF at all\n")
for n in (3, 20, 30, 50):
    open(f"{d}/trunc{n}.btf", "wb").write(good[:n])
bad = bytearray(good); bad[4] = 200
open(f"{d}/hdrlen.btf", "wb").write(bad)
# a split BTF (strings without the leading NUL, ids after a 2-type base)
open(f"{d}/split.btf", "wb").write(blob(struct.pack("<III", 0, 2 << 24, 2), b"bar\0"))
# a big-endian base
bet = struct.pack(">III", 1, 1 << 24, 4) + struct.pack(">I", 1 << 24 | 32)
open(f"{d}/be.btf", "wb").write(blob(bet, b"\0int\0", order=">"))
PY
run_kfb dump "$T/good.btf" > "$T/good.txt"
expect_eq "$(cat "$T/good.txt")" "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
[2] STRUCT 'foo' size=4 vlen=1
	'a' type_id=1 bits_offset=0"

check() {  # check FILE EXPECTED-STDERR [ARGS...]
  local f=$1 want=$2; shift 2
  expect_exit 2 "$KFUNCBTF" dump "$T/$f" "$@"
  expect_eq "$(cat "$T/err")" "$want"
  [ ! -s "$T/out" ] || die "$f: output on stdout"
}
check empty.btf "kfuncbtf: $T/empty.btf+0x0: not BTF: 0 bytes, too short for a header"
check text.btf "kfuncbtf: $T/text.btf+0x0: not BTF: bad magic 0x7468 (want 0xeb9f in either byte order)"
check trunc3.btf "kfuncbtf: $T/trunc3.btf+0x0: truncated header: 3 bytes, need 24"
check trunc20.btf "kfuncbtf: $T/trunc20.btf+0x0: truncated header: 20 bytes, need 24"
check trunc30.btf "kfuncbtf: $T/trunc30.btf+0x8: type section [0x18, 0x40) past the end (size 0x1e)"
check trunc50.btf "kfuncbtf: $T/trunc50.btf+0x8: type section [0x18, 0x40) past the end (size 0x32)"
check hdrlen.btf "kfuncbtf: $T/hdrlen.btf+0x4: header length 200 past the end (size 75)"
check split.btf "kfuncbtf: $T/split.btf+0x24: split BTF needs its base: use -B/--base-btf (the string section does not start with an empty string)"
check split.btf "kfuncbtf: $T/split.btf+0x0: byte order (little-endian) differs from its base BTF's (big-endian, $T/be.btf)" -B "$T/be.btf"
expect_exit 2 "$KFUNCBTF" dump /nonexistent.btf
expect_grep "kfuncbtf: /nonexistent.btf: cannot open" "$T/err"
# An ELF without .BTF.
expect_exit 2 "$KFUNCBTF" dump /bin/true
expect_eq "$(cat "$T/err")" "kfuncbtf: /bin/true: no .BTF section"
# The split with its base works.
run_kfb dump "$T/split.btf" -B "$T/good.btf" > "$T/split.txt"
expect_eq "$(cat "$T/split.txt")" "[3] PTR '(anon)' type_id=2"
# A FUNC whose info has bits 16-23 set (7.x vlen is 24 bits): libbpf 1.8 / bpftool 7.8 read
# linkage 0xc60001 and print "(unknown)" (seen on a kfb_mutate blob against bpftool 7.8 in a
# Debian unstable chroot); the 16-bit reading said "global".
printf '\x9f\xeb\x01\x00\x18\x00\x00\x00\x00\x00\x00\x00\x3c\x00\x00\x00\x3c\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x04\x00\x00\x00\x20\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x0d\x01\x00\x00\x00\x05\x00\x00\x00\x02\x00\x00\x00\x08\x00\x00\x00\x01\x00\xc6\x0c\x03\x00\x00\x00\x00int\x00a0\x00f\x00' > "$T/linkage.btf"
run_kfb dump "$T/linkage.btf" > "$T/linkage.txt"
expect_eq "$(tail -1 "$T/linkage.txt")" "[4] FUNC 'f' type_id=3 linkage=(unknown)"
