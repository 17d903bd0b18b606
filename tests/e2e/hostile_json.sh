#!/bin/bash
# Every JSON the tool writes is valid UTF-8 JSON whatever the input's bytes: a TYPEDEF named with
# Latin-1 bytes (the loader accepts them) comes out as \u00XX escapes in dump --format json,
# --pretty dump and --json check, and Python's strict parser reads each output.
. "$(dirname "$0")/lib.sh"
need python3
craft="$KFB_SRC/tests/e2e/craft.py"
python3 "$craft" btf-name "$T/ok.btf" $'caf\xe9_\xc0\xff'
python3 "$craft" btf-name "$T/bad.btf" $'caf\xe9_\xc0\xff' bad
want='"name":"caf\u00e9_\u00c0\u00ff"'

parse() { python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read())' "$1" ||
            die "$2: not valid JSON"; }

expect_exit 0 "$KFUNCBTF" dump --format json "$T/ok.btf"
expect_grep "$want" "$T/out"
parse "$T/out" "dump --format json"
expect_exit 0 "$KFUNCBTF" --pretty dump "$T/ok.btf"
expect_grep '"name": "caf\u00e9_\u00c0\u00ff"' "$T/out"
parse "$T/out" "--pretty dump"
expect_exit 1 "$KFUNCBTF" --json check "$T/bad.btf"
expect_grep "$want" "$T/out"
expect_grep '"kernel_log":"[2] TYPEDEF caf\u00e9_\u00c0\u00ff type_id=99 Invalid type_id\n"' "$T/out"
parse "$T/out" "--json check"
# A file name that is not UTF-8 either.
cp "$T/bad.btf" "$T/f"$'\xff'".btf"
expect_exit 1 "$KFUNCBTF" --json check "$T/f"$'\xff'".btf"
expect_grep 'f\u00ff.btf"' "$T/out"
parse "$T/out" "--json check of a Latin-1 file name"
echo "ok: JSON stays valid UTF-8 for Latin-1 names and file names"
