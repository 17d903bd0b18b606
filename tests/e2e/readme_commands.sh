# The README opens with exactly two commands (run the main job; run every test), and CI runs
# the second one verbatim.
. "$(dirname "$0")/lib.sh"
readme="$KFB_SRC/README.md"
mapfile -t cmds < <(awk '/^```sh$/{f=1; next} /^```$/{f=0} f' "$readme")
[ "${#cmds[@]}" -ge 2 ] || die "README.md: expected two commands in \`\`\`sh blocks, found ${#cmds[@]}"
# The two commands come before any prose.
# One awk each: a reader that stops early (head -1) can kill the writer with SIGPIPE under
# pipefail, depending on how the writer's output is split into writes (exit 141 in CI).
first_prose=$(awk '!/^```/ && !/^$/ && !/^# / && !/^\.\// { print NR; exit }' "$readme")
first_cmd=$(awk '/^\.\/tools\/install-deps/ && ++n == 2 { print NR; exit }' "$readme")
[ "$first_cmd" -lt "$first_prose" ] || die "README.md: the two commands must open the file"
grep -qxF -- "${cmds[1]}" "$KFB_SRC/.ci/run" || die ".ci/run does not run the README's test command: ${cmds[1]}"
case "${cmds[0]}" in ./tools/install-deps*) ;; *) die "first command must install dependencies" ;; esac
case "${cmds[1]}" in ./tools/install-deps*) ;; *) die "second command must install dependencies" ;; esac
# ... and the kernels the QEMU tests boot (without them CI would only see those tests skip).
case "${cmds[1]}" in "./tools/install-deps --tests "*) ;; *) die "second command must fetch the test kernels (--tests)" ;; esac
# Every file the commands name exists and is executable.
for f in tools/install-deps tests/run-all; do
  [ -x "$KFB_SRC/$f" ] || die "$f is missing or not executable"
done
grep -q 'testdata/sample/' <<<"${cmds[0]}" || die "first command must run on the shipped sample"
