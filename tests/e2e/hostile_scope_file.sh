#!/bin/bash
# A scope file is lines whatever their ends: "\n", "\r\n" or a lone "\r" (old Mac) give the same
# emitted bytes (before, a CR-only file was one long comment line: nothing applied, exit 0). A
# NUL byte in a line is reported as such, whole, not as a message cut at the NUL.
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
sc=$KFB_SRC/testdata/src/scopes.txt
cd "$T"
expect_exit 0 "$KFUNCBTF" emit -q "$obj" --scopes "$sc" -o lf.btf
"$KFUNCBTF" emit -q "$obj" -o none.btf
cmp -s lf.btf none.btf && die "the scope file changed nothing"
tr '\n' '\r' < "$sc" > cr.scopes
sed 's/$/\r/' "$sc" > crlf.scopes
for f in cr crlf; do
  expect_exit 0 "$KFUNCBTF" emit -q "$obj" --scopes $f.scopes -o $f.btf
  expect_eq "$(cat "$T/err")" ""
  cmp lf.btf $f.btf || die "$f line ends: other BTF than with \\n"
done
# A wrong line in a CR-only file is still found, with its line number.
printf 'scx_bpf_dsq_insert sched_ext_ops.enqueue\rno_such_kfunc sched_ext_ops.enqueue\r' > bad.scopes
expect_exit 1 "$KFUNCBTF" emit -q "$obj" --scopes bad.scopes -o bad.btf
expect_eq "$(cat "$T/err")" "kfuncbtf: bad.scopes:2: no_such_kfunc: 'no_such_kfunc' is not a kfunc
kfuncbtf: 1 error(s): nothing written"
printf 'scx_bpf_dsq_insert sched_ext_ops.enqueue\nno_such\0kfunc sched_ext_ops.enqueue\n' > nul.scopes
expect_exit 1 "$KFUNCBTF" emit -q "$obj" --scopes nul.scopes -o nul.btf
expect_eq "$(cat "$T/err")" "kfuncbtf: nul.scopes:2: a NUL byte in the line (not a text file?)
kfuncbtf: 1 error(s): nothing written"
[ ! -e bad.btf ] && [ ! -e nul.btf ] || die "a refused scope file wrote BTF"
echo "ok: scope files with any line ends; a NUL is reported, not cut"
