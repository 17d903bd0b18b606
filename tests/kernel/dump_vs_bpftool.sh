#!/bin/bash
# dump against the bpftool on PATH on kfb_mutate blobs of the 2026 format (32-byte headers,
# layout sections, 24-bit vlen, unknown kinds): where both read a blob, raw and JSON output must
# be identical (JSON: except control characters in names, which kfuncbtf escapes as JSON needs
# and bpftool writes raw). Manual; bpftool 7.8 (libbpf 1.8) runs in a Debian unstable chroot:
#   tests/kernel/dump_vs_bpftool.sh [BUILD] [COUNT] [SEED] [KERNEL]
set -u -o pipefail
build=${1:-build} count=${2:-3000} seed=${3:-7} kernel=${4:-7.3}
K=$build/kfuncbtf
command -v bpftool >/dev/null || { echo "SKIP: bpftool not installed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
KFB_DIFF_KERNEL=$kernel KFB_DIFF_WRITE=$T KFB_FIXTURES=${KFB_FIXTURES:-$build/testdata} \
  "$build/tests/kernel/kfb_mutate" "$count" "$seed" > /dev/null
n=0 same=0 differ=0 both=0 bt_only=0 kfb_only=0 ctrl=0 hdr32=0
for b in "$T"/b*; do
  n=$((n + 1))
  bok=1; bpftool btf dump file "$b" > "$T/bt" 2>/dev/null || bok=0
  kok=1; "$K" dump "$b" > "$T/kf" 2>/dev/null || kok=0
  if [ $bok = 1 ] && [ $kok = 1 ]; then
    if ! cmp -s "$T/bt" "$T/kf"; then
      differ=$((differ + 1)); echo "RAW DIFFERS: $b"; diff "$T/bt" "$T/kf" | head -4
    elif cmp -s <(bpftool -j btf dump file "$b") <("$K" dump --json "$b"); then
      same=$((same + 1))
      [ "$(od -An -tu1 -j4 -N1 "$b" | tr -d ' ')" = 32 ] && hdr32=$((hdr32 + 1))
    elif LC_ALL=C grep -q '[[:cntrl:]]' <(bpftool -j btf dump file "$b" | tr -d '\n'); then
      ctrl=$((ctrl + 1))
    else
      differ=$((differ + 1)); echo "JSON DIFFERS: $b"
    fi
  elif [ $bok = 0 ] && [ $kok = 0 ]; then both=$((both + 1))
  elif [ $bok = 0 ]; then bt_only=$((bt_only + 1))
  else kfb_only=$((kfb_only + 1)); [ $kfb_only -le 3 ] && echo "kfuncbtf only rejects: $("$K" dump "$b" 2>&1 | tail -1)"
  fi
done
echo "$(bpftool --version | head -1), kernel rules $kernel, $n blobs (seed $seed): identical $same" \
     "(32-byte header $hdr32), JSON control characters $ctrl, differ $differ; rejected by both $both," \
     "by bpftool only $bt_only, by kfuncbtf only $kfb_only"
[ $differ -eq 0 ]
