#!/usr/bin/env python3
"""The scope matrix of issue 23: one call of every sched_ext kfunc from every sched_ext_ops member,
from a SYSCALL program and from a tracing program, judged by the kernel (tests/bpfprog/scope-matrix.sh).

  scope_matrix.py gen SRC VMLINUX OUT [OPS]  writes OUT/<kfunc>.bpf.c (one object per kfunc: one
                                          struct_ops program per member of OPS, default
                                          sched_ext_ops, or sched_ext_ops_cid; one
                                          SEC("syscall"), one SEC("tp_btf/sched_switch")) and
                                          OUT/kfuncs.tsv (kfunc, sets, flags, sleepable members)
  scope_matrix.py table CONSOLE           prints scope-matrix.tsv from the loader's console
  scope_matrix.py poison CONSOLE          prints poison.tsv (tests/bpfprog/poison.sh)
  scope_matrix.py compare MATRIX KFUNCS SCOPES   prints every pair where the kernel and the scope
                                          file disagree (and a summary line on stderr)

SRC is the unpacked linux-source tree: the kfunc sets are the BTF_KFUNCS_START/END blocks of
kernel/sched/ext/*.c (with their BTF_ID_FLAGS flags), the members that may be sleepable are the
cases of bpf_scx_check_member(). VMLINUX is an ELF with the kernel's .BTF: the kfuncs' prototypes
(the BPF-visible ones, as libbpf resolves them) and struct sched_ext_ops come from there.

Each program makes exactly one kfunc call, with arguments taken from the callback's own context
where the types fit (the task, the cpumask) and otherwise from the stack or constants. The call
is the first thing the verifier can refuse: the only instructions before it are context loads and
bpf_get_current_task_btf(), so a refusal at the call (the scx filter runs in check_kfunc_call(),
at the call instruction, for every program type) is never hidden by an earlier one.
"""
import re
import struct
import sys
from pathlib import Path

# ---- BTF (the kernel's .BTF section) ----------------------------------------------------------
KINDS = {1: "INT", 2: "PTR", 3: "ARRAY", 4: "STRUCT", 5: "UNION", 6: "ENUM", 7: "FWD", 8: "TYPEDEF",
         9: "VOLATILE", 10: "CONST", 11: "RESTRICT", 12: "FUNC", 13: "FUNC_PROTO", 14: "VAR",
         15: "DATASEC", 16: "FLOAT", 17: "DECL_TAG", 18: "TYPE_TAG", 19: "ENUM64"}


def elf_section(path, want):
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF64")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = secs[shstrndx][4]
    for s in secs:
        end = data.index(b"\0", stroff + s[0])
        if data[stroff + s[0]:end].decode() == want:
            return data[s[4]:s[4] + s[5]]
    sys.exit(f"{path}: no {want} section")


class Btf:
    def __init__(self, raw):
        magic, _ver, _flags, hdr_len, type_off, type_len, str_off, str_len = \
            struct.unpack_from("<HBBIIIII", raw, 0)
        if magic != 0xeb9f:
            sys.exit("not BTF")
        self.strs = raw[hdr_len + str_off:hdr_len + str_off + str_len]
        self.types = [None]  # id 0: void
        p, end = hdr_len + type_off, hdr_len + type_off + type_len
        while p < end:
            name_off, info, size_type = struct.unpack_from("<III", raw, p)
            p += 12
            kind, vlen = KINDS.get((info >> 24) & 0x1f, "?"), info & 0xffff
            t = {"kind": kind, "name": self.str(name_off), "type": size_type, "size": size_type}
            if kind == "INT" or kind in ("VAR", "DECL_TAG"):
                p += 4
            elif kind == "ARRAY":
                t["type"], _, t["nelems"] = struct.unpack_from("<III", raw, p)
                p += 12
            elif kind in ("STRUCT", "UNION"):
                kflag = info >> 31
                t["members"] = []
                for _ in range(vlen):
                    mn, mt, moff = struct.unpack_from("<III", raw, p)
                    p += 12
                    t["members"].append((self.str(mn), mt, (moff & 0xffffff) if kflag else moff))
            elif kind == "ENUM":
                p += 8 * vlen
            elif kind == "ENUM64":
                p += 12 * vlen
            elif kind == "FUNC_PROTO":
                t["params"] = []
                for _ in range(vlen):
                    pn, pt = struct.unpack_from("<II", raw, p)
                    p += 8
                    t["params"].append((self.str(pn), pt))
            elif kind == "DATASEC":
                p += 12 * vlen
            self.types.append(t)
        self.funcs = {}
        for i, t in enumerate(self.types):
            if t and t["kind"] == "FUNC":
                self.funcs.setdefault(t["name"], i)

    def str(self, off):
        return self.strs[off:self.strs.index(b"\0", off)].decode()

    def find(self, kind, name):
        for t in self.types:
            if t and t["kind"] == kind and t["name"] == name:
                return t
        return None

    def strip(self, tid):
        """tid without modifiers, typedefs and type tags; and whether an 'arena' tag was seen."""
        arena = False
        while tid and self.types[tid]["kind"] in ("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
            arena |= self.types[tid]["kind"] == "TYPE_TAG" and self.types[tid]["name"] == "arena"
            tid = self.types[tid]["type"]
        return tid, arena

    def c(self, tid, name=""):
        """tid as C (vmlinux.h's names), declaring name. Type tags are dropped (clang keeps them
        only as attributes; libbpf's compatibility rule ignores them)."""
        sep = (" " + name) if name else ""
        if tid == 0:
            return "void" + sep
        t = self.types[tid]
        k = t["kind"]
        if k in ("INT", "FLOAT", "TYPEDEF"):
            return t["name"] + sep
        if k in ("STRUCT", "UNION", "ENUM", "ENUM64"):
            kw = {"STRUCT": "struct", "UNION": "union"}.get(k, "enum")
            return f"{kw} {t['name']}{sep}"
        if k == "FWD":
            return f"struct {t['name']}{sep}"
        if k == "CONST":
            return "const " + self.c(t["type"], name)
        if k == "VOLATILE":
            return "volatile " + self.c(t["type"], name)
        if k in ("RESTRICT", "TYPE_TAG"):
            return self.c(t["type"], name)
        if k == "PTR":
            return self.c(t["type"], "*" + name)
        sys.exit(f"cannot write [{tid}] {k} as C")

    def pointee(self, tid):
        """For a pointer: (kind, name) of what it points to, modifiers and typedefs stripped."""
        tid, _ = self.strip(tid)
        t = self.types[tid] if tid else None
        if not t or t["kind"] != "PTR":
            return None
        arena = False
        base = t["type"]
        # a type tag sits between the PTR and the pointee
        probe = base
        while probe and self.types[probe]["kind"] in ("TYPE_TAG", "CONST", "VOLATILE", "TYPEDEF", "RESTRICT"):
            arena |= self.types[probe]["kind"] == "TYPE_TAG" and self.types[probe]["name"] == "arena"
            probe = self.types[probe]["type"]
        pt = self.types[probe] if probe else {"kind": "VOID", "name": ""}
        return pt["kind"], pt["name"], arena, base, probe


# ---- the kernel source: sets, flags, sleepable members -------------------------------------------
def kfunc_sets(src):
    """[(set, kfunc, flags, file, line)] of the sched_ext BTF_KFUNCS_START/END blocks."""
    out = []
    for f in sorted((Path(src) / "kernel/sched/ext").glob("*.c")):
        cur = None
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = re.match(r"BTF_KFUNCS_START\((\w+)\)", line)
            if m:
                cur = m.group(1)
                continue
            if line.startswith("BTF_KFUNCS_END"):
                cur = None
                continue
            m = re.match(r"BTF_ID_FLAGS\(func,\s*(\w+)(?:,\s*([^)]*))?\)", line)
            if cur and m:
                flags = sorted({x.strip() for x in (m.group(2) or "").split("|") if x.strip()})
                out.append((cur, m.group(1), flags, f"kernel/sched/ext/{f.name}", n))
    return out


def sleepable_members(src):
    """The members bpf_scx_check_member() lets be sleepable (its cases before 'default:')."""
    text = (Path(src) / "kernel/sched/ext/ext.c").read_text()
    body = text[text.index("static int bpf_scx_check_member("):]
    body = body[:body.index("default:")]
    return re.findall(r"case offsetof\(struct sched_ext_ops, (\w+)\):", body)


# ---- generation ----------------------------------------------------------------------------------
SCALARS = {"slice": "20000000ULL", "dsq_id": "1024", "vtime": "1", "cpu": "0", "cid": "0", "node": "0",
           "nr": "1", "weight": "100"}


def ops_members(btf, ops_name):
    ops = btf.find("STRUCT", ops_name)
    members = []
    for name, mt, boff in ops["members"]:
        pt = btf.pointee(mt)
        if pt and pt[0] == "FUNC_PROTO":
            members.append((name, boff // 8, btf.types[pt[4]]))
    return members


def gen(src, vmlinux, out, ops_name="sched_ext_ops"):
    btf = Btf(elf_section(vmlinux, ".BTF"))
    members = ops_members(btf, ops_name)
    sleep_ok = set(sleepable_members(src))
    if ops_name != "sched_ext_ops":
        # The cid form (sched_ext_ops_cid) shares bpf_scx_check_member(), which goes by offset:
        # a member may be sleepable where sched_ext_ops' member at its offset may.
        sleep_offs = {off for m, off, _ in ops_members(btf, "sched_ext_ops") if m in sleep_ok}
        sleep_ok = {m for m, off, _ in members if off in sleep_offs}
    sets = kfunc_sets(src)
    kfuncs = {}
    for s, k, flags, f, n in sets:
        e = kfuncs.setdefault(k, {"sets": [], "flags": set(), "where": f"{f}:{n}"})
        if s not in e["sets"]:
            e["sets"].append(s)
        e["flags"] |= set(flags)
    Path(out).mkdir(parents=True, exist_ok=True)
    rows = []
    for k in sorted(kfuncs):
        e = kfuncs[k]
        if k not in btf.funcs:
            rows.append((k, ",".join(e["sets"]), "|".join(sorted(e["flags"])), "-", "not in BTF"))
            continue
        fn = btf.types[btf.funcs[k]]
        proto = btf.types[fn["type"]]
        sleepable = "KF_SLEEPABLE" in e["flags"]
        # An arena map in every object of the cid form: its set_cmask and sub_caps_updated take
        # an arena pointer (`cmask__arena` in their CFI stubs; BTF keeps no member parameter
        # names), and without an arena the verifier refuses them at their context, before the
        # call ("arena argument of set_cmask requires a program with an associated arena").
        arena = "KF_ARENA_RET" in e["flags"] or any(
            "__arena" in n or (btf.pointee(t) or (0, 0, False))[2] for n, t in proto["params"]) or \
            ops_name != "sched_ext_ops"
        text = program(btf, k, proto, members, sleep_ok if sleepable else set(), arena, ops_name)
        f = Path(out, f"{k}.bpf.c")
        if not f.exists() or f.read_text() != text:  # unchanged sources keep their objects
            f.write_text(text)
        rows.append((k, ",".join(e["sets"]), "|".join(sorted(e["flags"])),
                     ",".join(m for m, _, _ in members if sleepable and m in sleep_ok) or "-", e["where"]))
    with open(Path(out, "kfuncs.tsv"), "w") as f:
        f.write("# kfunc\tsets\tflags\tsleepable programs (members)\tfirst BTF_ID_FLAGS\n")
        f.write("# members\t" + ",".join(m for m, _, _ in members) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"gen: {len(kfuncs)} kfuncs ({sum(1 for r in rows if r[4] != 'not in BTF')} in BTF), "
          f"{len(members)} {ops_name} members", file=sys.stderr)


def program(btf, k, proto, members, sleepable_members, arena, ops_name="sched_ext_ops"):
    # libbpf drops the last ___suffix of an extern's name; a kernel name that has one
    # (scx_bpf_dsq_insert___v2) needs one more.
    ext = k + "___kfb" if "___" in k else k
    params = ", ".join(btf.c(t, n) for n, t in proto["params"]) or "void"
    lines = [f"/* Generated by tests/bpfprog/scope_matrix.py: one call of {k} per context. */",
             "#define BPF_NO_KFUNC_PROTOTYPES",
             '#include "vmlinux.h"',
             "#include <bpf/bpf_helpers.h>",
             "",
             'char _license[] SEC("license") = "GPL";',
             "",
             f"extern {btf.c(proto['type'], ext + '(' + params + ')')} __ksym;",
             ""]
    if arena:
        # The verifier builds an arena-argument kfunc's prototype (add_kfuncs(), before it
        # knows the attach point) only for a program that uses an arena map: without one it
        # stops there ("arena pointer requires a program with an associated arena") and the
        # scx filter is never asked. The arena pointers passed point into this one.
        lines += ["struct {", "\t__uint(type, BPF_MAP_TYPE_ARENA);", "\t__uint(map_flags, BPF_F_MMAPABLE);",
                  "\t__uint(max_entries, 1);", "} kfb_arena_map SEC(\".maps\");",
                  "s32 __attribute__((address_space(1))) kfb_arena[16];", ""]

    def body(task, cpumask):
        decls, args, last_buf = [], [], None
        for i, (n, t) in enumerate(proto["params"]):
            pt = btf.pointee(t)
            if pt is None:
                if n.endswith("__sz") or n.endswith("__szk"):
                    args.append(f"sizeof({last_buf})" if last_buf else "8")
                else:
                    args.append(next((v for key, v in SCALARS.items() if n == key or n.endswith("_" + key)), "0"))
                continue
            kind, name, arena, base, _ = pt
            if arena or n.endswith("__arena") or "__arena__" in n:
                args.append("(void *)kfb_arena")
            elif kind == "STRUCT" and name == "task_struct":
                args.append(task)
            elif kind == "STRUCT" and name == "cpumask":
                args.append(cpumask)
            elif kind in ("STRUCT", "UNION") and name:
                # an iterator is constructed by its _new kfunc from an uninitialised slot
                init = "" if name.startswith("bpf_iter_") else " = {}"
                decls.append(f"\t{btf.c(btf.strip(base)[0], f'a{i}')}{init};")
                args.append(f"&a{i}")
                last_buf = f"a{i}"
            elif kind == "INT" and name == "char":
                decls.append(f'\tchar a{i}[] = "kfb %llu";')
                args.append(f"a{i}")
            elif kind in ("INT", "VOID", "ENUM"):
                elem = btf.c(btf.strip(base)[0]) if kind != "VOID" else "u64"
                decls.append(f"\t{elem} a{i}[4] = {{}};")
                args.append(f"a{i}")
                last_buf = f"a{i}"
            else:
                args.append("NULL")
        return decls, f"\t{ext}({', '.join(args)});"

    slots = []
    for m, off, mproto in members:
        task = cpumask = None
        pre = []
        for i, (n, t) in enumerate(mproto["params"]):
            pt = btf.pointee(t)
            if pt and pt[0] == "STRUCT" and pt[1] == "task_struct" and task is None:
                task = f"((struct task_struct *)ctx[{i}])"
            if pt and pt[0] == "STRUCT" and pt[1] == "cpumask" and cpumask is None:
                cpumask = f"((const struct cpumask *)ctx[{i}])"
        if task is None:
            task = "task"
        if cpumask is None:
            # not through a context task: dispatch's prev may be NULL (prev__nullable), and
            # a load through it would be refused before the call
            cpumask = "bpf_get_current_task_btf()->cpus_ptr"
        decls, call = body(task, cpumask)
        if "task" in call and task == "task":
            pre.append("\tstruct task_struct *task = bpf_get_current_task_btf();")
        if ops_name != "sched_ext_ops":
            # The arena is the program's only when its code refers to it (an ld_imm64 of the map
            # value): a declared map alone is not associated.
            pre.append("\tasm volatile(\"\" : : \"r\"((void *)kfb_arena));")
        sec = "struct_ops.s" if m in sleepable_members else "struct_ops"
        lines += [f'SEC("{sec}/m_{m}")', f"int m_{m}(unsigned long long *ctx)", "{"] + pre + decls + \
                 [call, "\treturn 0;", "}", ""]
        slots.append(f"\t.{m} = (void *)m_{m},")
    # SYSCALL: sleepable by definition; tracing: the sched_switch tracepoint (prev is arg 1).
    decls, call = body("task", "task->cpus_ptr")
    pre = ["\tstruct task_struct *task = bpf_get_current_task_btf();"] if "task" in call else []
    lines += ['SEC("syscall")', "int p_syscall(void *ctx)", "{"] + pre + decls + [call, "\treturn 0;", "}", ""]
    decls, call = body("((struct task_struct *)ctx[1])", "((struct task_struct *)ctx[1])->cpus_ptr")
    lines += ['SEC("tp_btf/sched_switch")', "int p_tracing(unsigned long long *ctx)", "{"] + decls + \
             [call, "\treturn 0;", "}", ""]
    lines += ['SEC(".struct_ops.link")', f"struct {ops_name} kfb_ops = {{"] + slots + \
             ['\t.name = "kfb",', "};", ""]
    return "\n".join(lines)


# ---- tables ------------------------------------------------------------------------------------
def console_rows(path):
    for line in Path(path).read_text(errors="replace").splitlines():
        if line.startswith("KFB\t"):
            f = (line.split("\t")[1:] + [""] * 8)[:8]
            yield f


NOT_ALLOWED = re.compile(r"^calling kernel function (\S+) is not allowed$")


def table(console):
    rows = []
    for obj, prog, sec, verdict, errno, msg, libbpf, log in console_rows(console):
        k = Path(obj).name[:-len(".bpf.o")]
        ctx = prog[2:] if prog.startswith(("m_", "p_")) else prog
        m = NOT_ALLOWED.match(msg)
        cls = "not_allowed" if m and errno == "EACCES" else "allowed"
        if msg.startswith("libbpf: "):
            cls = "libbpf"  # the kernel never saw the program
        elif cls == "allowed" and verdict == "refused" and (
                msg.startswith("attach to ") or "processed 0 insns" in log):
            # refused before the walk of the instructions (the attach point, the kfunc's
            # prototype in add_kfuncs()): the filter, which runs at the call, never answered
            cls = "not_reached"
        first = msg if verdict == "refused" else "-"
        sleep = "sleepable" if sec.startswith(("struct_ops.s/", "syscall")) else "-"
        rows.append((k, ctx, cls, verdict, errno, sleep, first))
    print("# kfunc\tcontext\tclass\tverdict\terrno\tsleepable\tfirst error")
    for r in rows:
        print("\t".join(r))


def poison(console):
    """poison.tsv: each program's load, and for the SEC("syscall") ones what the run did."""
    runs = {}
    for line in Path(console).read_text(errors="replace").splitlines():
        if line.startswith("KFBRUN\t"):
            f = (line.split("\t")[1:] + [""] * 5)[:5]
            runs[(f[0], f[1])] = f
    print("# object\tprogram\tverdict\terrno\tmessage\tbehaviour\tglobals after the run\tlibbpf")
    for obj, prog, sec, verdict, errno, msg, libbpf, _log in console_rows(console):
        r = runs.get((obj, prog))
        g = dict(kv.split("=", 1) for kv in r[4].split(",") if "=" in kv) if r else {}
        if r and g.get("path") == "2":
            what = "real call made"
        elif r and g.get("path") == "1":
            what = "poisoned: fallback path taken"
        elif r:
            what = f"run: {r[2]}"
        elif verdict == "refused":
            what = "not loaded"
        elif "poisoning insn" in libbpf:
            what = "loaded, a call poisoned (not run: struct_ops)"
        else:
            what = "loaded, no call poisoned (not run: struct_ops)"
        gl = f"retval={r[3]},{r[4]}" if r else "-"
        lib = "\\n".join(l for l in libbpf.split("\\n") if l) or "-"
        print("\t".join([Path(obj).name, prog, verdict, errno, msg or "-", what, gl, lib]))


def read_tsv(path):
    return [line.rstrip("\n").split("\t") for line in open(path) if not line.startswith("#") and line.strip()]


def compare(matrix, kfuncs_tsv, scopes):
    sets = {r[0]: r[1].split(",") for r in read_tsv(kfuncs_tsv)}
    scope = {}
    for n, line in enumerate(open(scopes), 1):
        w = line.split("#")[0].split()
        if not w or w[0].startswith("calls:"):
            continue
        ms = [x.split(".", 1)[1] for x in w[1:] if x.startswith("sched_ext_ops.")]
        names = [k for k, s in sets.items() if w[0][4:] in s] if w[0].startswith("set:") else [w[0]]
        for k in names:
            scope.setdefault(k, {}).update({m: n for m in ms})
    agree = dis = same = 0
    print("# kfunc\tmember\tkernel\tscope file\tkernel's first error")
    # SYSCALL and tracing programs are outside what a scope file says; their rule is the
    # filter's first two branches (ext.c:10995-10999) over the sets registered for those
    # program types (ext.c:11153-11159, idle.c:1564-1567, cid.c:1170-1171).
    ok = {"syscall": {"scx_kfunc_ids_unlocked", "scx_kfunc_ids_select_cpu", "scx_kfunc_ids_idle",
                      "scx_kfunc_ids_any", "scx_kfunc_ids_cid"},
          "tracing": {"scx_kfunc_ids_any", "scx_kfunc_ids_idle", "scx_kfunc_ids_cid"}}
    for k, ctx, cls, verdict, errno, sleep, first in read_tsv(matrix):
        if ctx in ("syscall", "tracing"):
            kernel = {"allowed": "allowed", "not_allowed": "refused"}.get(cls, cls.replace("_", " "))
            predicted = "allowed" if ok[ctx] & set(sets.get(k, [])) else "refused"
            if kernel == predicted:
                agree += 1
            else:
                dis += 1
                print(f"{k}\t{ctx}\t{kernel}\t{predicted} (filter, not the scope file)\t{first}")
            continue
        # The scope file encodes what loads: the filter narrowed by the sleepable rule.
        kernel = "allowed" if cls == "allowed" and "must be sleepable" not in first else "refused"
        if cls == "not_reached":
            kernel = "not reached"
        if k not in scope:
            predicted = "allowed"
        else:
            predicted = "allowed" if ctx in scope[k] else "refused"
        if kernel == predicted:
            agree += 1
        elif kernel == "not reached" and predicted == "refused":
            # both say it does not load; the kernel stops earlier than the scope rule
            same += 1
            print(f"{k}\t{ctx}\t{kernel}\t{predicted} (same outcome)\t{first}")
        else:
            dis += 1
            print(f"{k}\t{ctx}\t{kernel}\t{predicted}\t{first}")
    print(f"compare: {agree} agree, {dis} disagree, {same} refused by both for different reasons",
          file=sys.stderr)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "gen" and len(sys.argv) in (5, 6):
        gen(*sys.argv[2:])
    elif cmd == "table" and len(sys.argv) == 3:
        table(sys.argv[2])
    elif cmd == "poison" and len(sys.argv) == 3:
        poison(sys.argv[2])
    elif cmd == "compare" and len(sys.argv) == 5:
        compare(*sys.argv[2:])
    else:
        sys.exit(__doc__)
