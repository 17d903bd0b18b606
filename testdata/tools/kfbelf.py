# SPDX-License-Identifier: GPL-2.0
"""kfbelf: the little ELF, BTF and .BTF_ids reading the fixture tools share (stdlib only).

    from kfbelf import Elf, btf_types
    elf = Elf(open(path, "rb").read())
    btf = elf.bytes_of(elf.section(".BTF"))
    kinds_names = btf_types(btf)          # [(kind, name)] indexed by id - 1
    raw = read_btf(path)                  # .BTF of an ELF, or a raw BTF file
"""
import struct

BTF_KIND_NAMES = {"func": 12, "struct": 4, "union": 5, "typedef": 8}


class Elf:
    def __init__(self, data):
        if data[:4] != b"\x7fELF":
            raise SystemExit("not an ELF file")
        self.data = data
        self.is64 = data[4] == 2
        self.end = "<" if data[5] == 1 else ">"
        e = self.end
        if self.is64:
            (self.e_type, _, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx) = \
                struct.unpack_from(e + "HHIQQQIHHHHHH", data, 16)
        else:
            (self.e_type, _, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx) = \
                struct.unpack_from(e + "HHIIIIIHHHHHH", data, 16)
        if shnum == 0:  # SHN_XINDEX-style count in section 0
            shnum = self._shdr_raw(shoff, 0)[5]
        if shstrndx == 0xFFFF:
            shstrndx = self._shdr_raw(shoff, 0)[6]
        self.sections = []
        for i in range(shnum):
            name, typ, flags, addr, off, size, link, info, align, entsize = self._shdr_raw(shoff, i)
            self.sections.append(dict(idx=i, name_off=name, type=typ, addr=addr, offset=off,
                                      size=size, link=link, entsize=entsize))
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self.cstr(strtab["offset"] + s["name_off"])

    def _shdr_raw(self, shoff, i):
        e = self.end
        if self.is64:
            base = shoff + i * 64
            return struct.unpack_from(e + "IIQQQQIIQQ", self.data, base)
        base = shoff + i * 40
        return struct.unpack_from(e + "IIIIIIIIII", self.data, base)

    def cstr(self, off):
        end = self.data.index(b"\0", off)
        return self.data[off:end].decode()

    def section(self, name):
        for s in self.sections:
            if s["name"] == name:
                return s
        return None

    def bytes_of(self, s):
        return self.data[s["offset"]:s["offset"] + s["size"]]

    def symbols(self):
        symtab = next((s for s in self.sections if s["type"] == 2), None)  # SHT_SYMTAB
        if symtab is None:
            raise SystemExit("no .symtab")
        xindex = next((s for s in self.sections if s["type"] == 18 and s["link"] == symtab["idx"]), None)
        strtab = self.sections[symtab["link"]]
        ent = 24 if self.is64 else 16
        out = []
        for i in range(symtab["size"] // ent):
            off = symtab["offset"] + i * ent
            if self.is64:
                name, info, other, shndx, value, size = struct.unpack_from(self.end + "IBBHQQ", self.data, off)
            else:
                name, value, size, info, other, shndx = struct.unpack_from(self.end + "IIIBBH", self.data, off)
            if shndx == 0xFFFF and xindex is not None:
                shndx = struct.unpack_from(self.end + "I", self.data, xindex["offset"] + 4 * i)[0]
            out.append(dict(name=self.cstr(strtab["offset"] + name), value=value, size=size, shndx=shndx))
        return out


def btf_header(btf):
    """(byte order, types start, types end, strings start, strings length) of a raw BTF blob."""
    if btf[:2] == b"\x9f\xeb":
        e = "<"
    elif btf[:2] == b"\xeb\x9f":
        e = ">"
    else:
        raise SystemExit(".BTF: bad magic")
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(e + "IIIII", btf, 4)
    return e, hdr_len + type_off, hdr_len + type_off + type_len, hdr_len + str_off, str_len


def btf_types(btf, base=None):
    """Return [(kind, name)] for the types of a raw BTF blob; entry i is type id i + 1.

    With `base` (the raw base BTF of a split BTF), the result covers base and split types,
    in id order, and split names are looked up the split way (offsets past the base's
    string section continue into the split's own strings)."""
    out = btf_types(base) if base is not None else []
    base_str_len = btf_header(base)[4] if base is not None else 0
    base_strs = btf_header(base)[3] if base is not None else 0
    e, types, types_end, strs, _ = btf_header(btf)
    extra = {1: lambda v: 4, 3: lambda v: 12, 4: lambda v: 12 * v, 5: lambda v: 12 * v,
             6: lambda v: 8 * v, 13: lambda v: 8 * v, 14: lambda v: 4, 15: lambda v: 12 * v,
             17: lambda v: 4, 19: lambda v: 12 * v}

    def name_at(off):
        if base is not None and off < base_str_len:
            blob, at = base, base_strs + off
        else:
            blob, at = btf, strs + off - base_str_len
        return blob[at:blob.index(b"\0", at)].decode()

    off = types
    while off < types_end:
        name_off, info, _ = struct.unpack_from(e + "III", btf, off)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        out.append((kind, name_at(name_off)))
        off += 12 + extra.get(kind, lambda v: 0)(vlen)
    return out


def btf_names(btf, base=None):
    """Return {(kind, name): first id} for the named types of a raw (split) BTF blob."""
    found = {}
    for i, (kind, name) in enumerate(btf_types(btf, base)):
        if name:
            found.setdefault((kind, name), i + 1)
    return found


def btf_ids_layout(elf):
    """Decode .BTF_ids: returns (sets, others).

    sets: [{kind: "set8"|"set", name, off, size, cnt, flags (set8 header, else None),
            entries: [{index, id, flags (set8 only), symbol (the __BTF_ID__ slot symbol
            at that position, or None)}]}]
    others: [(symbol name, off, id)] for slot symbols outside every set.
    """
    sec = elf.section(".BTF_ids")
    data = elf.bytes_of(sec)
    e = elf.end
    base = sec["addr"] if elf.e_type != 1 else 0
    syms = [s for s in elf.symbols() if s["shndx"] == sec["idx"] and s["name"].startswith("__BTF_ID__")]
    slots = {}
    sets = []
    for s in syms:
        off = s["value"] - base
        prefix = s["name"][len("__BTF_ID__"):].partition("__")[0]
        if prefix in ("set8", "set"):
            sets.append(dict(kind=prefix, name=s["name"][len("__BTF_ID__" + prefix + "__"):],
                             off=off, size=s["size"]))
        else:
            slots[off] = s["name"]
    inside = set()
    for st in sets:
        width = 8 if st["kind"] == "set8" else 4
        st["cnt"] = struct.unpack_from(e + "I", data, st["off"])[0]
        st["flags"] = struct.unpack_from(e + "I", data, st["off"] + 4)[0] if width == 8 else None
        st["entries"] = []
        for i in range(st["size"] // width - 1):
            off = st["off"] + width * (i + 1)
            ent = dict(index=i, id=struct.unpack_from(e + "I", data, off)[0],
                       symbol=slots.get(off))
            if width == 8:
                ent["flags"] = struct.unpack_from(e + "I", data, off + 4)[0]
            st["entries"].append(ent)
            inside.add(off)
    others = [(name, off, struct.unpack_from(e + "I", data, off)[0])
              for off, name in sorted(slots.items()) if off not in inside]
    return sets, others


def slot_name(symbol):
    """__BTF_ID__func__bpf_foo__123 -> ("func", "bpf_foo")."""
    rest = symbol[len("__BTF_ID__"):]
    prefix, _, tail = rest.partition("__")
    return prefix, tail.rsplit("__", 1)[0]


def read_btf(path):
    """The BTF of `path`: its .BTF section if it is an ELF file, else the file itself."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x7fELF":
        elf = Elf(data)
        sec = elf.section(".BTF")
        if sec is None:
            raise SystemExit(f"{path}: no .BTF section")
        return elf.bytes_of(sec)
    return data
