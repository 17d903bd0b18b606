#!/usr/bin/env python3
"""Crafted hostile inputs for the e2e scripts, made at test time (never checked-in blobs).

  craft.py btf-name OUT NAME [bad]   raw BTF: [1] INT 'int', [2] TYPEDEF NAME -> [1] (bad: -> 99);
                                     NAME's bytes as given (os.fsencode), e.g. Latin-1
  craft.py btf-split BASE SPLIT [V]  raw BTF: BASE [1] INT 'int'; SPLIT on it: [2] TYPEDEF 't' -> [1],
                                     [3] PTR -> [2] (to put in a module's .BTF.base and .BTF); V:
      bad-own    the split's [2] TYPEDEF has no name ("Invalid name")
      bad-base   the base's INT has 40 bits in 4 bytes ("nr_bits exceeds type_size")
  craft.py elf OUT SRC MUTATION      a copy of the ELF SRC with one defect:
      symtab-self-link   .symtab's sh_link points at .symtab itself
      shentsize-16       e_shentsize = 16
      class-7            e_ident[EI_CLASS] = 7
      btf-nobits         .BTF becomes SHT_NOBITS
      shstrndx-65534     e_shstrndx = 65534
      shoff-past-end     e_shoff past the end of the file
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
    elif a[:1] == ["elf"] and len(a) == 4:
        elf(a[1], a[2], a[3])
    else:
        sys.exit(__doc__)
