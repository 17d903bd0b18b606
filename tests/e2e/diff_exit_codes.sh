#!/bin/bash
# Exit 2 with a message naming the file: unreadable input, split BTF without its base, a base
# of the other byte order. OLD and NEW of different byte orders compare fine.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
need_fixture clang-dwarf5.btf clang-powerpc64-dwarf5.btf
le=$KFB_FIXTURES/clang-dwarf5.btf
be=$KFB_FIXTURES/clang-powerpc64-dwarf5.btf

expect_exit 2 "$KFUNCBTF" diff "$T/nonexistent" "$le"
expect_grep "$T/nonexistent" "$T/err"

# Both byte orders: compared by content. The same C sources, and both targets are LP64, so
# the one difference is powerpc's unsigned plain char.
expect_exit 1 "$KFUNCBTF" diff "$le" "$be"
expect_eq "$(cat "$T/out")" "INT char: encoding: changed: signed -> (none)"
expect_eq "$(cat "$T/err")" ""

# A split BTF (one PTR to base type 5; strings not starting with NUL), little-endian.
python3 - "$T/split.btf" <<'PY'
import struct, sys
types = struct.pack('<III', 0, 2 << 24, 5)
strs = b'a\0'
hdr = struct.pack('<HBBIIIII', 0xeb9f, 1, 0, 24, 0, len(types), len(types), len(strs))
open(sys.argv[1], 'wb').write(hdr + types + strs)
PY
expect_exit 2 "$KFUNCBTF" diff "$T/split.btf" "$T/split.btf"
expect_grep "split.btf" "$T/err"
expect_grep "needs its base" "$T/err"
expect_exit 0 "$KFUNCBTF" diff -B "$le" "$T/split.btf" "$T/split.btf"
expect_eq "$(cat "$T/out")" "no differences"
expect_exit 2 "$KFUNCBTF" diff --old-base "$le" --new-base "$be" "$T/split.btf" "$T/split.btf"
expect_grep "split.btf" "$T/err"
expect_grep "byte order" "$T/err"
expect_exit 2 "$KFUNCBTF" diff -B "$le" --old-base "$le" "$T/split.btf" "$T/split.btf"
echo ok
