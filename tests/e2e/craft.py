#!/usr/bin/env python3
"""Crafted hostile inputs for the e2e scripts, made at test time (never checked-in blobs).

  craft.py btf-name OUT NAME [bad]   raw BTF: [1] INT 'int', [2] TYPEDEF NAME -> [1] (bad: -> 99);
                                     NAME's bytes as given (os.fsencode), e.g. Latin-1
  craft.py btf-split BASE SPLIT [V]  raw BTF: BASE [1] INT 'int'; SPLIT on it: [2] TYPEDEF 't' -> [1],
                                     [3] PTR -> [2] (to put in a module's .BTF.base and .BTF); V:
      bad-own    the split's [2] TYPEDEF has no name ("Invalid name")
      bad-base   the base's INT has 40 bits in 4 bytes ("nr_bits exceeds type_size")
  craft.py btf-spell OUT SHAPE [N]   raw BTF whose C spelling is hostile ([1] is INT 'int'):
      proto-self      [2] FUNC_PROTO returning and taking itself
      fnptr-nest N    N levels of `int (*)(L, L)`, L the level below (the spelling doubles
                      per level), taken by kfunc 'bpf_deep' (FUNC + DECL_TAG bpf_kfunc) as
                      'cb__sz' (a size argument that is not a scalar: check spells it)
      ptr-proto-cycle a pointer to a FUNC_PROTO taking that pointer twice (the loader accepts
                      it), taken by kfunc 'bpf_cyc' as 'cb__sz'
  craft.py elf OUT SRC MUTATION      a copy of the ELF SRC with one defect:
      symtab-self-link   .symtab's sh_link points at .symtab itself
      shentsize-16       e_shentsize = 16
      class-7            e_ident[EI_CLASS] = 7
      btf-nobits         .BTF becomes SHT_NOBITS
      shstrndx-65534     e_shstrndx = 65534
      shoff-past-end     e_shoff past the end of the file
      sibling-self       the first DW_AT_sibling (DW_FORM_ref4) points at its own DIE
      type-cycle         the parameters of the first DW_TAG_subroutine_type with two or more
                         take a pointer to that subroutine type (DW_FORM_ref4): a cycle
      zstr-size-0        the compressed .debug_str's header claims 0 bytes
      zstr-corrupt       the compressed .debug_str's zlib stream is broken
      zabbrev-corrupt    the compressed .debug_abbrev's zlib stream is broken
"""
import os
import struct
import sys


def btf_name(out, name, bad):
    strs = b"\0int\0" + name + b"\0"
    t = struct.pack("<III", 1, 1 << 24, 4) + struct.pack("<I", 0x01000020)
    t += struct.pack("<III", 5, 8 << 24, 99 if bad else 1)
    hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(t), len(t), len(strs))
    with open(out, "wb") as f:
        f.write(hdr + t + strs)


def btf_split(base_out, split_out, variant=""):
    bs = b"\0int\0"
    bt = struct.pack("<III", 1, 1 << 24, 4) + struct.pack("<I", 0x01000028 if variant == "bad-base" else 0x01000020)
    with open(base_out, "wb") as f:
        f.write(struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(bt), len(bt), len(bs)) + bt + bs)
    ss = b"t\0"  # split strings continue the base's: offset len(bs)
    st = struct.pack("<III", 0 if variant == "bad-own" else len(bs), 8 << 24, 1) + struct.pack("<III", 0, 2 << 24, 2)
    with open(split_out, "wb") as f:
        f.write(struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(st), len(st), len(ss)) + st + ss)


BTF_INT, BTF_PTR, BTF_FUNC, BTF_FUNC_PROTO, BTF_DECL_TAG = 1, 2, 12, 13, 17


class BtfOut:
    """A little-endian raw BTF under construction; ids from 1."""

    def __init__(self):
        self.strs = b"\0"
        self.types = b""
        self.n = 0

    def s(self, name):
        if not name:
            return 0
        off = len(self.strs)
        self.strs += name.encode() + b"\0"
        return off

    def add(self, name, kind, vlen, size_type, extra=b""):
        self.types += struct.pack("<III", self.s(name), kind << 24 | vlen, size_type) + extra
        self.n += 1
        return self.n

    def int(self, name):
        return self.add(name, BTF_INT, 0, 4, struct.pack("<I", 32))

    def proto(self, ret, params):  # params: [(name, type)]
        return self.add("", BTF_FUNC_PROTO, len(params), ret,
                        b"".join(struct.pack("<II", self.s(n), t) for n, t in params))

    def kfunc(self, name, proto):
        f = self.add(name, BTF_FUNC, 1, proto)  # vlen = linkage: global
        self.add("bpf_kfunc", BTF_DECL_TAG, 0, f, struct.pack("<i", -1))
        return f

    def write(self, out):
        hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(self.types), len(self.types),
                          len(self.strs))
        with open(out, "wb") as f:
            f.write(hdr + self.types + self.strs)


def btf_spell(out, shape, n):
    b = BtfOut()
    i = b.int("int")
    if shape == "proto-self":
        b.proto(2, [("", 2)])
    elif shape == "fnptr-nest":
        level = i
        for _ in range(n):
            ptr = b.add("", BTF_PTR, 0, b.n + 2)
            b.proto(i, [("", level), ("", level)])
            level = ptr
        b.kfunc("bpf_deep", b.proto(i, [("cb__sz", level)]))
    elif shape == "ptr-proto-cycle":
        ptr = b.add("", BTF_PTR, 0, b.n + 2)
        b.proto(i, [("a", ptr), ("b", ptr)])
        b.kfunc("bpf_cyc", b.proto(i, [("cb__sz", ptr)]))
    else:
        sys.exit(f"craft.py: unknown shape {shape}")
    b.write(out)


def sections(b):
    """(offset of the section header table, entry size, count, shstrndx, [(name, hdr offset)])"""
    shoff, = struct.unpack_from("<Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
    strtab_off, = struct.unpack_from("<Q", b, shoff + shstrndx * shentsize + 0x18)
    out = []
    for i in range(shnum):
        h = shoff + i * shentsize
        name_off, = struct.unpack_from("<I", b, h)
        end = b.index(b"\0", strtab_off + name_off)
        out.append((b[strtab_off + name_off:end].decode(), h, i))
    return out


def section(b, name):
    for n, h, i in sections(b):
        if n == name:
            return h, i
    sys.exit(f"craft.py: no section {name}")


def section_off(b, name):
    h, _ = section(b, name)
    flags, = struct.unpack_from("<Q", b, h + 8)
    if flags & 0x800:
        sys.exit(f"craft.py: {name} is compressed")
    return struct.unpack_from("<Q", b, h + 0x18)[0]


# Filled by dies(): the parent DIE of each DIE, and where each attribute's value starts.
parent = {}
attr_at = {}


def dies(src):
    """(DIE offset, tag, attribute, form, value) per attribute of the first unit of src's
    .debug_info, from readelf; a reference's value is a .debug_info offset, and each DIE also
    yields (die, tag, None, None, "child-of:PARENT")."""
    import subprocess
    txt = subprocess.run(["readelf", "--debug-dump=info", "-W", src], check=True,
                         capture_output=True, text=True).stdout
    stack = []
    die = tag = None
    for line in txt.splitlines():
        s = line.strip()
        if s.startswith("Compilation Unit @") and die is not None:
            break
        if s.startswith("<") and "Abbrev Number:" in s:
            depth = int(s[1:s.index(">")])
            die = int(s[s.index("><") + 2:s.index(">:")], 16)
            abbrev = int(s.split("Abbrev Number:")[1].split()[0])
            if abbrev == 0:
                continue
            tag = s[s.index("(") + 1:s.index(")")]
            del stack[depth:]
            parent[die] = stack[-1] if stack else None
            stack.append(die)
            yield die, tag, None, None, "child-of:%x" % parent[die] if stack[:-1] else ""
        elif s.startswith("<") and " DW_AT_" in s and die is not None:
            at = int(s[1:s.index(">")], 16)
            attr = s.split()[1]
            attr_at[(die, attr)] = at
            val = s.split(":", 1)[1].strip()  # "(ref4) <0x40>"
            form = "DW_FORM_" + val[1:val.index(")")] if val.startswith("(") else None
            val = val[val.index(")") + 1:].strip() if form else val
            if val.startswith("<0x"):
                val = int(val[1:val.index(">")], 16)
            yield die, tag, attr, form, val


def ref4(b, info, form, die, target, at=None):
    """Points the DW_FORM_ref4 attribute of `die` (its value at .debug_info+`at`, by default
    the DW_AT_sibling's) at `target`, a unit-relative reference in the first unit (offset 0)."""
    if form != "DW_FORM_ref4":
        sys.exit(f"craft.py: the attribute of DIE 0x{die:x} is {form}, not DW_FORM_ref4")
    struct.pack_into("<I", b, info + (attr_at[(die, "DW_AT_sibling")] if at is None else at), target)


def elf(out, src, mutation):
    b = bytearray(open(src, "rb").read())
    if b[:4] != b"\x7fELF" or b[4] != 2 or b[5] != 1:
        sys.exit("craft.py: SRC must be a little-endian ELF64")
    if mutation == "symtab-self-link":
        h, i = section(b, ".symtab")
        struct.pack_into("<I", b, h + 0x28, i)
    elif mutation == "shentsize-16":
        struct.pack_into("<H", b, 0x3A, 16)
    elif mutation == "class-7":
        b[4] = 7
    elif mutation == "btf-nobits":
        h, _ = section(b, ".BTF")
        struct.pack_into("<I", b, h + 4, 8)
    elif mutation == "shstrndx-65534":
        struct.pack_into("<H", b, 0x3E, 65534)
    elif mutation == "shoff-past-end":
        struct.pack_into("<Q", b, 0x28, len(b) + 0x1000)
    elif mutation == "sibling-self":
        info = section_off(b, ".debug_info")
        for die, _, attr, form, _ in dies(src):
            if attr == "DW_AT_sibling":
                ref4(b, info, form, die, die)
                break
        else:
            sys.exit("craft.py: no DW_AT_sibling in " + src)
    elif mutation == "type-cycle":
        info = section_off(b, ".debug_info")
        ds = list(dies(src))
        subr = None
        for die, tag, attr, form, val in ds:
            if tag == "DW_TAG_subroutine_type" and sum(
                    1 for d in ds if d[4] == "child-of:%x" % die) >= 2:
                subr = die
                break
        ptr = next((d for d, t, a, f, v in ds if t == "DW_TAG_pointer_type" and a == "DW_AT_type"
                    and v == subr), None)
        if subr is None or ptr is None:
            sys.exit("craft.py: no pointer to a subroutine type with two parameters in " + src)
        for die, tag, attr, form, val in ds:
            if tag == "DW_TAG_formal_parameter" and attr == "DW_AT_type" and parent[die] == subr:
                ref4(b, info, form, die, ptr, at=attr_at[(die, attr)])
    elif mutation in ("zstr-size-0", "zstr-corrupt", "zabbrev-corrupt"):
        name = ".debug_abbrev" if mutation == "zabbrev-corrupt" else ".debug_str"
        h, _ = section(b, name)
        flags, = struct.unpack_from("<Q", b, h + 8)
        off, = struct.unpack_from("<Q", b, h + 0x18)
        if not flags & 0x800:  # SHF_COMPRESSED
            sys.exit(f"craft.py: {name} is not compressed in {src}")
        if mutation == "zstr-size-0":
            struct.pack_into("<Q", b, off + 8, 0)  # Elf64_Chdr.ch_size
        else:
            for k in range(24 + 2, 24 + 10):  # past the header and the 2-byte zlib header
                b[off + k] ^= 0x5A
    else:
        sys.exit(f"craft.py: unknown mutation {mutation}")
    with open(out, "wb") as f:
        f.write(b)


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["btf-name"] and len(a) in (3, 4):
        btf_name(a[1], os.fsencode(a[2]), len(a) == 4)
    elif a[:1] == ["btf-split"] and len(a) in (3, 4) and (len(a) == 3 or a[3] in ("bad-own", "bad-base")):
        btf_split(a[1], a[2], a[3] if len(a) == 4 else "")
    elif a[:1] == ["btf-spell"] and len(a) in (3, 4):
        btf_spell(a[1], a[2], int(a[3]) if len(a) == 4 else 0)
    elif a[:1] == ["elf"] and len(a) == 4:
        elf(a[1], a[2], a[3])
    else:
        sys.exit(__doc__)
