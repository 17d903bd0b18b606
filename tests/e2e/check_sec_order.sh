#!/bin/bash
# The loader's section checks go in the order of the kernel's own sort() (lib/sort.c's heapsort),
# whose comparator, (int)(a.off - b.off), is not an order when offsets differ by 2^31 or more: a
# string section at 0x80000000 then sorts after the type section, and the kernel says "Total
# section length too long" of the types, not "Invalid section offset" of the strings (found by
# 100,000-blob QEMU runs against 7.2 and 7.3; the running kernel says the same of the 6.x form).
. "$(dirname "$0")/lib.sh"
need python3
cd "$T"
python3 - <<'PY'
import struct
h = struct.pack('<HBBIIIIIII', 0xeb9f, 1, 0, 32, 0, 5792, 2**31, 3264, 5792, 48)  # 7.x, layout
open('sec7.btf', 'wb').write(h + b'\0' * (253 - 32))
h = struct.pack('<HBBIIIII', 0xeb9f, 1, 0, 24, 0, 584, 2**31, 122)
open('sec6.btf', 'wb').write(h + b'\0' * (193 - 24))
PY
expect_exit 1 "$KFUNCBTF" check --kernel 7.3 --no-kfunc-rules sec7.btf
expect_eq "$(cat "$T/out")" "sec7.btf: .BTF+0xc: Total section length too long"
for k in 7.3 7.2 6.18 6.1; do
  expect_exit 1 "$KFUNCBTF" check --kernel $k --no-kfunc-rules sec6.btf
  expect_eq "$(cat "$T/out")" "sec6.btf: .BTF+0xc: Total section length too long"
done
echo "ok: section checks in the kernel's sort order"
