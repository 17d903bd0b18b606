#!/usr/bin/env python3
"""kfuncbtf check (program mode) against the kernels' own verdicts (tests/bpfprog/README.md).

  check_oracle.py corpus KFUNCBTF CORPUS_DIR VERDICTS.tsv KERNEL_BTF [--scopes FILE]
      (a) no error for any program the kernel accepted (every false positive listed: exit 1);
      (b) every refusal whose message class check claims has an error for that program
          (misses listed: exit 1); the other refusals counted by class.
      with a scope file holding hooks: lines (tools/scopes/gen-hooks), "not allowed" refusals
      outside sched_ext_ops are claimed when the file says the kfunc's sets are not registered
      for the program's type (read here independently); others are a set's .filter (not claimed).
  check_oracle.py matrix KFUNCBTF MATRIX_DIR SCOPE_MATRIX.tsv KERNEL_BTF SCOPES
      every (kfunc, member) pair's allowed/not_allowed equals the kernel's; a pair the kernel
      refuses at attach (not_reached: sub_caps_updated/sub_ecaps_updated of the cpu form) must
      get check's error with the kernel's own message when SCOPES has an unsupported: line for
      the member (else it is excluded);
      SYSCALL and tracing rows are compared when SCOPES has hooks: lines.
  --ops OPS (matrix): the matrix's struct_ops type (default sched_ext_ops; sched_ext_ops_cid for
      the cid form): the unsupported: lines of that type apply.
  --hooks-from TEXT (either mode): each target's hooks must come from TEXT ("bpf_kfunc_hooks
      tags", "--scopes FILE"): the rule is proven on the source it claims.
"""
import json
from importlib.machinery import SourceFileLoader
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

# The refusal classes check claims, by the kernel's / libbpf's message.
CLAIMED = [
    ("libbpf: extern not found", re.compile(r"^libbpf: extern \(func ksym\) '.*': not found in kernel or module BTF")),
    ("libbpf: incompatible", re.compile(r"^libbpf: extern \(func ksym\) '.*': func_proto \[\d+\] incompatible")),
    ("libbpf: struct_ops", re.compile(r"^libbpf: struct_ops init_kern")),
    ("not allowed", re.compile(r"^calling kernel function \S+ is not allowed")),
    ("referenced but wasn't resolved", re.compile(r"^kfunc '.*' is referenced but wasn't resolved")),
    ("must be sleepable", re.compile(r"^program must be sleepable to call sleepable kfunc")),
]
OTHER = [
    ("kfunc argument", r"arg#|Possibly NULL|expected an initialized|type=|expected pointer|R\d+ must be"),
    ("reference state", r"[Uu]nreleased reference|reference leak|referenced dynptr|release|acquire"),
    ("RCU / lock / irq / preempt", r"rcu|lock|irq|preempt"),
    ("memory and type safety", r"invalid mem access|outside of the allowed|invalid access|pointer arithmetic"),
    ("dynptr / iterator / callback", r"dynptr|iter|callback"),
    ("sleepable helper", r"sleepable"),
    ("libbpf: other", r"^libbpf:"),
]


def cls(msg):
    for name, rx in CLAIMED:
        if rx.search(msg):
            return name, True
    for name, rx in OTHER:
        if re.search(rx, msg):
            return name, False
    return "other", False


HOOKS_FROM = None  # --hooks-from TEXT: every target must take its hooks from there
# --ops OPS (matrix): the matrix's struct_ops type.
MATRIX_OPS = "sched_ext_ops"


def run_check(kfb, obj, kbtf, scopes):
    cmd = [kfb, "-v", "--json", "check", obj, "--kernel-btf", kbtf]
    if scopes:
        cmd += ["--scopes", scopes]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"check failed ({p.returncode}) on {obj}: {p.stderr.strip()}")
    rep = json.loads(p.stdout)
    if HOOKS_FROM is not None and any(t["hooks"] != HOOKS_FROM for t in rep["targets"]):
        raise SystemExit(f"{obj}: hooks from {[t['hooks'] for t in rep['targets']]}, not {HOOKS_FROM!r}")
    return rep


members = {}
progtypes = {}  # object -> program -> BPF_PROG_TYPE_*
notes = defaultdict(list)  # (object, program) -> guarded-missing notes


def errors_by_program(kfb, objs, kbtf, scopes):
    out = {}
    with ThreadPoolExecutor(max_workers=2) as ex:
        for obj, rep in zip(objs, ex.map(lambda o: run_check(kfb, o[1], kbtf, scopes), objs)):
            members[obj[0]] = {p["name"]: p["member"] for p in rep["programs"]}
            progtypes[obj[0]] = {p["name"]: p["type"] for p in rep["programs"]}
            errs = defaultdict(list)
            for f in rep["findings"]:
                if f["severity"] == "error":
                    errs[f["program"]].append(f)
                elif f["rule"] == "guarded-missing":
                    notes[(obj[0], f["program"])].append(f)
            out[obj[0]] = errs
    return out


def has_hooks(scopes):
    """A scope file with hooks: lines (tools/scopes/gen-hooks): the program-type rule applies."""
    return bool(scopes) and any(l.startswith("hooks:") for l in open(scopes))


def registered(scopes, kfunc, prog_type):
    """Read independently of kfuncbtf: is a set holding `kfunc` registered for the program's
    hook (or every type), by the scope file's members:/hooks: lines and gen-hooks' table?
    None when the file does not know the kfunc's sets or the program type has no hook here."""
    if not hasattr(registered, "sets"):
        gen = SourceFileLoader("gen_hooks", os.path.join(os.path.dirname(__file__), "../../tools/scopes/gen-hooks"))
        registered.table = gen.load_module().HOOK
        registered.sets, registered.hooks = defaultdict(list), {}
        for line in open(scopes):
            w = line.split("#")[0].split()
            if w and w[0].startswith("members:"):
                for k in w[1:]:
                    registered.sets[k].append(w[0][8:])
            elif w and w[0].startswith("hooks:"):
                registered.hooks[w[0][6:]] = set(w[1:])
    sets = registered.sets.get(kfunc)
    hook = registered.table.get(prog_type.removeprefix("BPF_PROG_TYPE_"), "none")
    if not sets or any(s not in registered.hooks for s in sets) or prog_type.endswith("_EXT"):
        return None
    return any(hook in registered.hooks[s] or "common" in registered.hooks[s] for s in sets)


def struct_ops_refused(scopes, kfunc, member):
    """Read independently of kfuncbtf: does a struct-ops: line of one of the kfunc's sets (by the
    file's members: lines) leave out the struct_ops type of `member` ("tcp_congestion_ops.ssthresh")?"""
    if not scopes or "." not in member:
        return False
    sets, allowed = defaultdict(list), {}
    for line in open(scopes):
        w = line.split("#")[0].split()
        if w and w[0].startswith("members:"):
            for k in w[1:]:
                sets[k].append(w[0][8:])
        elif w and w[0].startswith("struct-ops:"):
            allowed[w[0][11:]] = set(w[1:])
    ops = member.split(".")[0]
    return any(s in allowed and ops not in allowed[s] for s in sets.get(kfunc, []))


def corpus(kfb, root, verdicts, kbtf, scopes=None):
    rows = []
    with open(verdicts) as f:
        hdr = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(hdr, line.rstrip("\n").split("\t"))))
    objs = sorted({r["object"] for r in rows})
    got = errors_by_program(kfb, [(o, os.path.join(root, o)) for o in objs], kbtf, scopes)
    fp, miss, hit, others = [], [], Counter(), Counter()
    accepted = refused = 0
    for r in rows:
        errs = got[r["object"]].get(r["program"], [])
        if r["verdict"] == "accepted":
            accepted += 1
            for e in errs:
                fp.append(f"{r['object']} {r['program']}: {e['file']}:{e['line']}:{e['col']}: {e['message']}")
            continue
        refused += 1
        name, claimed = cls(r["message"])
        if name == "not allowed" and not members[r["object"]].get(r["program"], "").startswith("sched_ext_ops.") \
                and not has_hooks(scopes):
            # The program type is not registered for the kfunc's set: not in BTF, not claimed.
            name, claimed = "not allowed: program type (registration not in BTF)", False
        elif name == "not allowed" and not members[r["object"]].get(r["program"], "").startswith("sched_ext_ops."):
            kf = re.search(r"calling kernel function (\S+)", r["message"])[1]
            if struct_ops_refused(scopes, kf, members[r["object"]].get(r["program"], "")):
                name = "not allowed: struct_ops type (a set's struct-ops: line)"
            elif registered(scopes, kf, progtypes[r["object"]][r["program"]]) is not False:
                # Registered for this program type: a set's .filter refused it (code, not data).
                name, claimed = "not allowed by a set's filter (registered for the type)", False
            else:
                name = "not allowed: program type not registered"
        if claimed:
            if errs:
                hit[name] += 1
            else:
                miss.append(f"{r['object']} {r['program']}: kernel: {r['message']}")
        else:
            others[name] += 1
            if errs:
                hit["(also flagged, other class) " + name] += 1
    print(f"{verdicts}: {len(rows)} programs ({accepted} accepted, {refused} refused) against {kbtf}")
    print(f"  false positives (error on an accepted program): {len(fp)}")
    for x in fp:
        print("    " + x)
    print(f"  claimed refusals predicted: {sum(v for k, v in hit.items() if not k.startswith('('))}, missed: {len(miss)}")
    print(f"  (programs with a note 'referenced but wasn't resolved, if this call is reached': "
          f"{sum(1 for (o, p) in notes if o in got)}, of which accepted: "
          f"{sum(1 for r in rows if r['verdict'] == 'accepted' and notes[(r['object'], r['program'])])})")
    for k, v in sorted(hit.items()):
        print(f"    {k}: {v}")
    for x in miss:
        print("    MISSED " + x)
    print(f"  refusals for reasons check does not claim: {sum(others.values())}")
    for k, v in sorted(others.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {k}: {v}")
    return 1 if fp or miss else 0


def matrix(kfb, mdir, tsv, kbtf, scopes):
    want, first_error = {}, {}
    with open(tsv) as f:
        for line in f:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            kf, ctx, klass = f[:3]
            want[(kf, ctx)] = klass
            first_error[(kf, ctx)] = f[6] if len(f) > 6 else ""
    objs = sorted({kf for kf, _ in want})
    got = errors_by_program(kfb, [(k, os.path.join(mdir, k + ".bpf.o")) for k in objs], kbtf, scopes)
    agree = Counter()
    bad = []
    excluded = Counter()
    unsupported = set()  # (ops, member) of the scope file's unsupported: lines, read here
    with open(scopes) as sf:
        for line in sf:
            w = line.split("#", 1)[0].split()
            if w and w[0].startswith("unsupported:"):
                unsupported.update((w[0][len("unsupported:"):], m) for m in w[1:])
    for (kf, ctx), klass in sorted(want.items()):
        # A program per context: the member's program is named after the member (gen).
        errs = [e for prog, es in got[kf].items() for e in es
                if (e["member"].endswith("." + ctx) or prog.endswith(ctx) and not e["member"])]
        if klass != "not_reached" and (MATRIX_OPS, ctx) in unsupported:
            bad.append(f"{kf} {ctx}: kernel {klass} (took the program), but SCOPES says unsupported:")
            continue
        if klass == "not_reached":
            if (MATRIX_OPS, ctx) not in unsupported:
                excluded[klass] += 1
            elif any(e["message"] == first_error[(kf, ctx)] for e in errs):
                agree["not_reached: refused at attach, with the kernel's message"] += 1
            else:
                bad.append(f"{kf} {ctx}: kernel refused at attach ({first_error[(kf, ctx)]}), "
                           f"check {[e['message'] for e in errs]}")
            continue
        scope_errs = [e for e in errs if e["message"].startswith("calling kernel function")]
        mine = "not_allowed" if scope_errs else "allowed"
        if ctx in ("syscall", "tracing") and mine == "allowed" and klass == "not_allowed" and not has_hooks(scopes):
            agree["not compared: syscall/tracing refusals (registration is not in BTF: not applied)"] += 1
            continue
        if (mine, klass) == ("not_allowed", "allowed") and \
                first_error[(kf, ctx)].startswith("program must be sleepable to call sleepable kfunc"):
            # The scope file narrows a KF_SLEEPABLE kfunc to the members that may be sleepable
            # (what loads); the kernel's filter lets it through and the sleepable rule refuses.
            agree["both refuse: scope file's sleepable narrowing vs 'program must be sleepable'"] += 1
            continue
        if mine == klass:
            agree[klass] += 1
        else:
            bad.append(f"{kf} {ctx}: kernel {klass}, check {mine} {[e['message'] for e in errs]}")
    print(f"scope matrix {tsv}: {len(want)} pairs; excluded {dict(excluded)} "
          f"(refused before the walk, and SCOPES has no unsupported: line for the member: README)")
    for k, v in sorted(agree.items()):
        print(f"  agree {k}: {v}")
    print(f"  disagree: {len(bad)}")
    for x in bad:
        print("    " + x)
    return 1 if bad else 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if "--hooks-from" in a:
        i = a.index("--hooks-from")
        HOOKS_FROM = a[i + 1]
        del a[i:i + 2]
    if "--ops" in a:
        i = a.index("--ops")
        MATRIX_OPS = a[i + 1]
        del a[i:i + 2]
    if a[0] == "corpus":
        sc = a[a.index("--scopes") + 1] if "--scopes" in a else None
        sys.exit(corpus(a[1], a[2], a[3], a[4], sc))
    if a[0] == "matrix":
        sys.exit(matrix(*a[1:6]))
    sys.exit(__doc__)
