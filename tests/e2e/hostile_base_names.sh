#!/bin/bash
# check --as module names the base it refuses: a corrupt .BTF.base section, a -B that is not BTF,
# and a -B ELF whose .BTF is not BTF each say which file and section, with the offset and the
# kernel's reason (before: "base BTF is not valid: base: .BTF+0x4: ...", whatever the base was).
. "$(dirname "$0")/lib.sh"
need objcopy
need_fixture clang-dwarf5-mod.ko gcc-dwarf5.o
mod=$KFB_FIXTURES/clang-dwarf5-mod.ko
cd "$T"
printf 'not BTF at all, a text file\n' > junk.txt
objcopy --add-section .BTF.base=junk.txt "$mod" "$T/own-base.ko"
objcopy --update-section .BTF=junk.txt "$KFB_FIXTURES/gcc-dwarf5.o" "$T/bad-btf.o"
refused() {  # refused WHERE ARGS...: exit 2, "base BTF is not valid: WHERE+0x4: btf_header not found"
  local where=$1; shift
  expect_exit 2 timeout 60 "$KFUNCBTF" check --as module "$@"
  expect_eq "$(cat "$T/err")" "kfuncbtf: base BTF is not valid: $where+0x4: btf_header not found"
  expect_eq "$(cat "$T/out")" ""
}
refused "$T/own-base.ko: .BTF.base" "$T/own-base.ko"
refused "$T/junk.txt" -B "$T/junk.txt" "$mod"
refused "$T/bad-btf.o: .BTF" -B "$T/bad-btf.o" "$mod"
echo "ok: a base that is not valid BTF is named by file and section"
