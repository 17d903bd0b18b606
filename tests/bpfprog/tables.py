#!/usr/bin/env python3
"""The oracle's tables (tests/bpfprog/oracle.sh).

  tables.py tags CORPUS          (in the sid chroot: needs bpftool) prints, for every object of
                                 CORPUS/*/*.bpf.o, the selftests' test annotations of each program:
                                 object, program, tag (in source order), one per line
  tables.py verdicts CONSOLE     prints verdicts.tsv from the loader's console lines
  tables.py expected TAGS CONSOLE   prints expected.tsv: the annotations' verdict and messages
                                 beside the kernel's, and whether they agree
  tables.py logs CONSOLE         prints the refusals' verifier logs (object, program, then the log)

Annotations are what bpf_misc.h makes of __success, __failure, __msg(...) and friends: BTF
decl tags "comment:<counter>:<tag>" on the program's FUNC, read back in counter order, as
tools/testing/selftests/bpf/test_loader.c reads them.
"""
import re
import subprocess
import sys
from pathlib import Path

TAG = re.compile(r"^\[(\d+)\] DECL_TAG '(.*)' type_id=(\d+) component_idx=(-?\d+)$")
FUNC = re.compile(r"^\[(\d+)\] FUNC '(.*)' type_id=\d+ linkage=")


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def console_rows(path):
    """The loader's KFB lines: object, program, section, verdict, errno, message, libbpf, log."""
    rows = []
    for line in Path(path).read_text(errors="replace").splitlines():
        if not line.startswith("KFB\t"):
            continue
        f = line.split("\t")[1:]
        if len(f) < 8:
            f += [""] * (8 - len(f))
        f[0] = re.sub(r"^/objs/", "", f[0])
        rows.append(f[:8])
    return rows


def cmd_tags(corpus):
    for obj in sorted(Path(corpus).glob("*/*.bpf.o")):
        rel = str(obj.relative_to(corpus))
        out = subprocess.run(["bpftool", "btf", "dump", "file", str(obj)],
                             capture_output=True, text=True, errors="replace").stdout
        funcs, tags = {}, []
        for line in out.splitlines():
            m = FUNC.match(line)
            if m:
                funcs[m.group(1)] = m.group(2)
                continue
            m = TAG.match(line)
            if m and m.group(4) == "-1" and m.group(2).startswith("comment:"):
                parts = m.group(2).split(":", 2)
                if len(parts) == 3 and parts[1].isdigit():
                    tags.append((m.group(3), int(parts[1]), parts[2]))
        for func, _, tag in sorted(tags, key=lambda t: (t[0], t[1])):
            if func in funcs:
                print(f"{rel}\t{funcs[func]}\t{esc(tag)}")


# libbpf's info-level lines, which the loader's first-line choice can pick although they do not
# stop the load (the cause is a later warning).
LIBBPF_INFO = re.compile(r"skipping it as it's set to zero|Retrying without BTF|poisoning insn")


def libbpf_reason(row):
    """A refusal by libbpf: its first line that is a warning, not information."""
    if row[3] != "refused" or not row[5].startswith("libbpf: "):
        return row
    lines = [l for l in unescape(row[6]).splitlines() if l and not LIBBPF_INFO.search(l)]
    if lines:
        row = list(row)
        row[5] = lines[0] if lines[0].startswith("libbpf: ") else "libbpf: " + lines[0]
    return row


def cmd_verdicts(console):
    rows = sorted({tuple(libbpf_reason(r)[:7]) for r in console_rows(console)})
    print("object\tprogram\tsection\tverdict\terrno\tmessage\tlibbpf")
    for r in rows:
        print("\t".join(r))


def pattern_re(p):
    """test_loader.c's compile_regex: literal text, {{...}} is an extended regex."""
    out, i, in_re = [], 0, False
    while i < len(p):
        if not in_re and p.startswith("{{", i):
            in_re, i = True, i + 2
        elif in_re and p.startswith("}}", i):
            in_re, i = False, i + 2
        else:
            out.append(p[i] if in_re else re.escape(p[i]))
            i += 1
    return re.compile("".join(out), re.M)


def msgs_match(log, msgs):
    """validate_msgs: each positive pattern after the previous match; negatives must not occur
    between two positive matches (approximated: anywhere after the previous match)."""
    pos = 0
    for neg, m in msgs:
        r = pattern_re(m)
        if neg:
            if r.search(log, pos):
                return False
            continue
        hit = r.search(log, pos)
        if not hit:
            return False
        pos = hit.end()
    return True


def cmd_expected(tagfile, console):
    spec = {}
    for line in Path(tagfile).read_text(errors="replace").splitlines():
        obj, prog, tag = line.split("\t", 2)
        tag = unescape(tag)
        s = spec.setdefault((obj, prog), {"priv": None, "unpriv": None, "msgs": [], "aux": False,
                                          "flags": [], "desc": ""})
        if tag == "test_expect_failure":
            s["priv"] = "failure"
        elif tag == "test_expect_success":
            s["priv"] = "success"
        elif tag == "test_expect_failure_unpriv":
            s["unpriv"] = "failure"
        elif tag == "test_expect_success_unpriv":
            s["unpriv"] = "success"
        elif tag in ("test_auxiliary", "test_auxiliary_unpriv"):
            s["aux"] = True
        elif tag.startswith("test_expect_msg="):
            s["msgs"].append((False, tag[len("test_expect_msg="):]))
        elif tag.startswith("test_expect_not_msg="):
            s["msgs"].append((True, tag[len("test_expect_not_msg="):]))
        elif tag.startswith("test_prog_flags="):
            s["flags"].append(tag[len("test_prog_flags="):])
        elif tag.startswith("test_description="):
            s["desc"] = tag[len("test_description="):]
    got = {(r[0], r[1]): libbpf_reason(r) for r in console_rows(console)}
    print("object\tprogram\texpected\tmessages\tkernel\tkernel_message\tagree")
    for key in sorted(spec):
        s = spec[key]
        if s["priv"] is None and s["unpriv"] is None and not s["aux"] and not s["msgs"]:
            continue
        # test_loader: no priv/unpriv result tag means a privileged test expecting success
        # unless only unprivileged results are given (then it runs unprivileged only).
        if s["aux"]:
            exp = "auxiliary"
        elif s["priv"]:
            exp = s["priv"]
        elif s["unpriv"]:
            exp = "unpriv-only:" + s["unpriv"]
        else:
            exp = "success"
        r = got.get(key)
        kernel = r[3] if r else "not-loaded"
        kmsg = r[5] if r else ""
        if not r or exp.startswith("unpriv-only") or exp == "auxiliary":
            agree = "-"
        elif r[5].startswith("libbpf:") and r[3] == "refused":
            agree = "libbpf"  # the kernel never saw it (e.g. a bpf_testmod kfunc)
        elif (exp == "failure") != (r[3] == "refused"):
            agree = "no"
        elif exp == "failure" and s["msgs"] and not msgs_match(unescape(r[7]), s["msgs"]):
            agree = "verdict-only"
        else:
            agree = "yes"
        msgs = "\\n".join(("!" if n else "") + esc(m) for n, m in s["msgs"])
        print(f"{key[0]}\t{key[1]}\t{exp}\t{msgs}\t{kernel}\t{kmsg}\t{agree}")


def cmd_logs(console):
    for r in sorted(console_rows(console)):
        if r[3] == "refused" and r[7]:
            print(f"== {r[0]} {r[1]} ({r[2]}): {r[4]}")
            print(unescape(r[7]).rstrip("\n"))


# Refusal classes for the README, first match wins: the kfunc rules a checker can apply before
# load first, then the data-flow classes it cannot (yet), then the rest.
CLASSES = [
    ("libbpf: extern not found", r"^libbpf: extern .*not found"),
    ("libbpf: extern prototype incompatible", r"^libbpf: extern .*incompatible with"),
    ("libbpf: other", r"^libbpf: "),
    ("kfunc not allowed here (program type, sched_ext callback)", r"calling kernel function .* is not allowed"),
    ("sleepable kfunc/helper from a non-sleepable program", r"must be sleepable|in non-sleepable prog|only allowed in .*sleepable progs"),
    ("poisoned kfunc call reached", r"is referenced but wasn't resolved|invalid func unknown#"),
    ("kfunc argument (arg#N, type, nullability, size)", r"^arg#\d|arg#\d+ |expected pointer to|Possibly NULL pointer passed|must be a known constant|expected an initialized|type=.* expected=|must point to|pointer type .* must point"),
    ("reference state (acquire/release, leaks)", r"[Rr]eference|release|acquire|refcount"),
    ("RCU / lock / irq / preempt sections", r"rcu|RCU|lock|irq|IRQ|preempt|region"),
    ("memory and type safety (invalid access, scalars)", r"invalid mem access|invalid access|invalid read|invalid write|pointer arithmetic|R\d+ !read_ok|invalid indirect|min value is|max value is|out of bounds|unbounded|misaligned|Unreleased"),
    ("dynptr / iterator / callback rules", r"dynptr|iter|callback|bpf_loop"),
    ("other", r""),
]


def classify(msg):
    for name, rx in CLASSES:
        if re.search(rx, msg):
            return name
    return "other"


def cmd_summary(*tsvs):
    """Counts for the README: per verdicts.tsv, programs by verdict and refusals by class, with
    each class's most frequent messages (numbers as N)."""
    for tsv in tsvs:
        rows = [l.split("\t") for l in Path(tsv).read_text().splitlines()[1:]]
        acc = sum(r[3] == "accepted" for r in rows)
        print(f"### {tsv}: {len(rows)} programs in {len({r[0] for r in rows})} objects: "
              f"{acc} accepted, {len(rows) - acc} refused")
        by = {}
        for r in rows:
            if r[3] == "refused":
                by.setdefault(classify(r[5]), []).append(r)
        print("| class | refused | most frequent messages |\n|---|---|---|")
        for name, _ in CLASSES:
            if name not in by:
                continue
            msgs = {}
            for r in by[name]:
                m = re.sub(r"\b\d+\b", "N", r[5])
                msgs[m] = msgs.get(m, 0) + 1
            top = sorted(msgs.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            cell = "; ".join(f"`{m.replace('|', '/')[:90]}` ({n})" for m, n in top)
            print(f"| {name} | {len(by[name])} | {cell} |")
        print()


def cmd_agreement(*tsvs):
    for tsv in tsvs:
        rows = [l.split("\t") for l in Path(tsv).read_text().splitlines()[1:]]
        n = {}
        for r in rows:
            n[r[6]] = n.get(r[6], 0) + 1
        print(f"{tsv}: {len(rows)} annotated programs: " + ", ".join(f"{k} {v}" for k, v in sorted(n.items())))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"tags": cmd_tags, "verdicts": cmd_verdicts, "expected": cmd_expected, "logs": cmd_logs,
     "summary": cmd_summary, "agreement": cmd_agreement}[cmd](*args)
