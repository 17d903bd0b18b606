#!/bin/bash
# check --kernel 6.18/7.2/7.3 --as user gives each kernel's own BPF_BTF_LOAD verdict (ok, or the
# errno) on every struct-meta blob of testdata/kernel-verdicts/struct-metas.txt: the verdicts
# the kernels gave (6.18 here, 7.2 and 7.3 under QEMU: tests/kernel/struct_metas_oracle.sh),
# shipped so that no kernel is needed. The blobs are those tests/kernel/struct_metas.py makes.
. "$(dirname "$0")/lib.sh"
need python3 xxd
file=$KFB_SRC/testdata/kernel-verdicts/struct-metas.txt
python3 "$KFB_SRC/tests/kernel/struct_metas.py" table > "$T/table"
grep -v '^#' "$file" | awk '{print $1, $NF}' | diff -u - "$T/table" ||
  die "struct-metas.txt's blobs differ from struct_metas.py's: re-derive the verdicts"
read -r -a head < <(grep '^# case' "$file")
n=0 bad=0
while read -r -a row; do
  [[ ${row[0]} == \#* ]] && continue
  echo "${row[-1]}" | xxd -r -p > "$T/b"
  for col in 1 2 3; do
    ser=${head[$((col + 1))]} want=${row[$col]}
    rc=0; "$KFUNCBTF" --json check --kernel "$ser" --as user "$T/b" > "$T/c" 2>/dev/null || rc=$?
    case $rc in
      0) got=ok ;;
      1) got=$(sed -n 's/^{.*"verdict":"rejected","errno":"\([A-Z0-9]*\)".*/\1/p' "$T/c") ;;
      *) got="exit $rc" ;;
    esac
    if [ "$got" != "$want" ]; then
      echo "${row[0]}: kernel $ser $want, check --kernel $ser $got"
      bad=$((bad + 1))
    fi
    n=$((n + 1))
  done
done < "$file"
[ $bad -eq 0 ] || die "$bad of $n verdicts differ from the kernels'"
echo "$n verdicts (cases x 6.18/7.2/7.3) agree with the kernels'"
