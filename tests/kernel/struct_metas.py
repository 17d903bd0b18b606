#!/usr/bin/env python3
"""BTF blobs for the struct-meta / special-field rules that changed between 6.18 and 7.x
(kernel/bpf/btf.c: btf_find_field, btf_find_kptr, btf_parse_fields, btf_check_ownership_depth).

Most cases are the BTF of the kernel's own selftests, as data: linux-source-7.3's
tools/testing/selftests/bpf/prog_tests/btf.c ("struct test duplicate nested unique fields",
"... duplicate bpf_refcount fields", "... repeated fields count overflow") and
prog_tests/local_kptr_ownership.c (every subtest, same type ids). The rest are this project's:
each a rule the same diff changed that those tests do not reach.

  struct_metas.py table           "NAME HEX" per case, in order (testdata/kernel-verdicts/
                                  struct-metas.txt holds the same blobs with each kernel's verdict)
  struct_metas.py blobs DIR FILE  DIR/b0, b1, ... from FILE's hex column (for the QEMU init)

Deterministic: the same bytes on every run (the verdict file's hex is compared with it).
"""
import struct
import sys

INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST = range(1, 11)
DECL_TAG, TYPE_TAG = 17, 18


class Btf:
    def __init__(self):
        self.w = []
        self.strs = b"\0"
        self.n = 0

    def s(self, name):
        if not name:
            return 0
        b = name.encode() + b"\0"
        at = self.strs.find(b)
        while at > 0 and self.strs[at - 1] != 0:
            at = self.strs.find(b, at + 1)
        if at <= 0:
            at = len(self.strs)
            self.strs += b
        return at

    def t(self, name, kind, vlen, size_type, kflag=False, extra=()):
        self.w += [self.s(name), (kind << 24) | vlen | (1 << 31 if kflag else 0), size_type]
        self.w += list(extra)
        self.n += 1
        return self.n

    def int_(self, name="int", size=4):
        return self.t(name, INT, 0, size, extra=[(1 << 24) | size * 8])

    def struct(self, name, size, members=()):
        """members: (name, type, bit offset)"""
        ex = []
        for m, ty, off in members:
            ex += [self.s(m), ty, off]
        return self.t(name, STRUCT, len(members), size, extra=ex)

    def ref(self, kind, to, name="", kflag=False):
        return self.t(name, kind, 0, to, kflag)

    def array(self, elem, index, nelems):
        return self.t("", ARRAY, 0, 0, extra=[elem, index, nelems])

    def decl_tag(self, value, to, comp):
        return self.t(value, DECL_TAG, 0, to, extra=[comp & 0xFFFFFFFF])

    def kptr(self, pointee, tag="kptr"):
        """btf__add_type_tag + btf__add_ptr: PTR -> TYPE_TAG(tag) -> pointee; returns the PTR."""
        return self.ref(PTR, self.ref(TYPE_TAG, pointee, tag))

    def bytes(self):
        types = struct.pack("<%dI" % len(self.w), *self.w)
        hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(self.strs))
        return hdr + types + self.strs


# ---- prog_tests/btf.c (7.3) ----

def dup_nested_spin_lock():
    """struct inner { struct bpf_spin_lock lock; }; struct value { lock; struct inner nested; }"""
    b = Btf()
    b.int_()                                                # [1]
    b.struct("bpf_spin_lock", 4, [("val", 1, 0)])           # [2]
    b.struct("inner", 4, [("lock", 2, 0)])                  # [3]
    b.struct("value", 8, [("lock", 2, 0), ("nested", 3, 32)])  # [4]
    return b


def dup_refcount():
    b = Btf()
    b.int_()
    b.struct("bpf_refcount", 4, [("refs", 1, 0)])
    b.struct("value", 8, [("a", 2, 0), ("b", 2, 32)])
    return b


def repeated_fields_count_overflow():
    b = Btf()
    b.int_()                                                # [1]
    b.struct("prog_test_ref_kfunc", 0)                      # [2]
    b.ref(TYPE_TAG, 2, "kptr_untrusted")                    # [3]
    b.ref(PTR, 3)                                           # [4]
    b.array(4, 1, 1)                                        # [5]
    b.struct("elem", 8, [("p%d" % i, 5, 0) for i in range(10)])  # [6]
    b.array(6, 1, 0x1999999A)                               # [7]
    b.struct("outer", (8 + 8 * 0x1999999A) & 0xFFFFFFFF, [("trigger", 4, 0), ("elems", 7, 64)])
    return b


# ---- prog_tests/local_kptr_ownership.c (7.3) ----

def ownership_base():
    b = Btf()
    b.int_()                                                # [1]
    b.struct("bpf_spin_lock", 4)                            # [2] SPIN_LOCK
    b.struct("bpf_list_head", 16)                           # [3] LIST_HEAD
    b.struct("bpf_list_node", 24)                           # [4] LIST_NODE
    return b


def self_cycle(tag):
    def make():
        b = ownership_base()
        b.kptr(7, tag)                                      # [5] tag, [6] ptr
        b.struct("self_cycle", 8, [("next", 6, 0)])         # [7]
        return b
    return make


def aba_cycle():
    b = ownership_base()
    b.kptr(10)                                              # [6]
    b.kptr(9)                                               # [8]
    b.struct("cycle_a", 8, [("b", 6, 0)])                   # [9]
    b.struct("cycle_b", 8, [("a", 8, 0)])                   # [10]
    return b


def mixed_cycle():
    b = ownership_base()
    b.kptr(7)                                               # [6]
    b.struct("mixed_owner", 20, [("root", 3, 0), ("lock", 2, 128)])  # [7]
    b.decl_tag("contains:mixed_node:node", 7, 0)            # [8]
    b.struct("mixed_node", 32, [("node", 4, 0), ("owner", 6, 192)])  # [9]
    return b


def acyclic_depth(depth, child_first, shared_suffix):
    def make():
        b = ownership_base()
        first = 5 + 2 * depth
        ptr = []
        for i in range(depth):
            if i == depth - 1:
                pointee = first + depth
            else:
                pointee = first + (depth - 2 - i if child_first else i + 1)
            ptr.append(b.kptr(pointee))
        for n in range(depth):
            i = depth - 1 - n if child_first else n
            ms, off = [], 0
            if shared_suffix and not i:
                ms.append(("suffix", ptr[1], 0))
                off = 64
            ms.append(("next", ptr[i], off))
            assert b.struct("owner_%d" % i, 16 if shared_suffix and not i else 8, ms) == first + n
        assert b.struct("plain_leaf", 4) == first + depth
        return b
    return make


def graph_depth(rbtree, depth):
    def make():
        b = ownership_base()
        root, node, node_size = 3, 4, 24
        if rbtree:
            root = b.struct("bpf_rb_root", 16)
            node = b.struct("bpf_rb_node", 32)
            node_size = 32
        # btf__add_field appends to the last struct added, so a struct's members are only known
        # once its decl tag is written: collect them and emit in libbpf's order (struct, tag).
        for i in range(depth):
            lock_off = node_size if i else 0
            root_off = lock_off + 8
            size = node_size if i == depth - 1 else root_off + 16
            ms = []
            if i:
                ms.append(("node", node, 0))
            if i != depth - 1:
                ms += [("lock", 2, lock_off * 8), ("root", root, root_off * 8)]
            sid = b.struct("graph_owner_%d" % i, size, ms)
            if i != depth - 1:
                b.decl_tag("contains:graph_owner_%d:node" % (i + 1), sid, 2 if i else 1)
        return b
    return make


# ---- this project's: the rest of the 7.x diff ----

def dup_spin_lock_two_nested():
    """Two nested structs with a lock each; bpf_refcount makes the outer one parsed at all."""
    b = Btf()
    b.int_()                                                # [1]
    b.struct("bpf_spin_lock", 4, [("val", 1, 0)])           # [2]
    b.struct("bpf_refcount", 4, [("refs", 1, 0)])           # [3]
    b.struct("inner", 4, [("lock", 2, 0)])                  # [4]
    b.struct("value", 12, [("r", 3, 0), ("x", 4, 32), ("y", 4, 64)])
    return b


def dup_nested_res_spin_lock():
    b = Btf()
    b.int_()                                                # [1]
    b.struct("bpf_res_spin_lock", 8, [("val", 1, 0), ("pad", 1, 32)])  # [2]
    b.struct("bpf_refcount", 4, [("refs", 1, 0)])           # [3]
    b.struct("inner", 8, [("lock", 2, 0)])                  # [4]
    b.struct("value", 24, [("r", 3, 0), ("lock", 2, 64), ("nested", 4, 128)])
    return b


def nested_spin_lock_array():
    """value { lock; struct inner nested[2]; }: 6.18 refuses to repeat a lock (EINVAL),
    7.x finds the second lock first (E2BIG)."""
    b = Btf()
    b.int_()                                                # [1]
    b.struct("bpf_spin_lock", 4, [("val", 1, 0)])           # [2]
    b.struct("inner", 4, [("lock", 2, 0)])                  # [3]
    b.array(3, 1, 2)                                        # [4]
    b.struct("value", 12, [("lock", 2, 0), ("nested", 4, 32)])
    return b


def lock_and(pointer):
    """struct value { struct bpf_spin_lock lock; <pointer> p; } with `pointer` built by the
    callback on a BTF that has [1] int, [2] bpf_spin_lock, [3] struct kfb_obj {int}."""
    def make():
        b = Btf()
        b.int_()
        b.struct("bpf_spin_lock", 4, [("val", 1, 0)])
        b.struct("kfb_obj", 4, [("v", 1, 0)])
        p = pointer(b)
        b.struct("value", 16, [("lock", 2, 0), ("p", p, 64)])
        return b
    return make


def kptr_self_cycle_via(chain):
    """struct kfb_self { PTR -> chain... -> struct kfb_self *next; }: an ownership cycle that
    only 7.x's walk over every modifier after the pointer sees."""
    def make():
        b = Btf()
        b.int_()                                            # [1]
        n = len(chain)
        # ids: [2] PTR, [3 .. 2+n] the chain, [3+n] the struct
        b.ref(PTR, 3)
        for k, (kind, name, kflag) in enumerate(chain):
            b.ref(kind, 4 + k, name, kflag)
        assert b.struct("kfb_self", 8, [("next", 2, 0)]) == 3 + n
        return b
    return make


CASES = [
    # prog_tests/btf.c
    ("dup_nested_spin_lock", dup_nested_spin_lock),
    ("dup_refcount", dup_refcount),
    ("repeated_fields_count_overflow", repeated_fields_count_overflow),
    # prog_tests/local_kptr_ownership.c
    ("kptr_self_cycle", self_cycle("kptr")),
    ("kptr_untrusted_self_cycle", self_cycle("kptr_untrusted")),
    ("percpu_kptr_self_cycle", self_cycle("percpu_kptr")),
    ("kptr_aba_cycle", aba_cycle),
    ("mixed_graph_root_cycle", mixed_cycle),
    ("max_acyclic", acyclic_depth(8, False, False)),
    ("too_deep_acyclic", acyclic_depth(9, False, False)),
    ("max_acyclic_child_first", acyclic_depth(8, True, False)),
    ("too_deep_acyclic_child_first", acyclic_depth(9, True, False)),
    ("max_acyclic_shared_suffix", acyclic_depth(8, False, True)),
    ("too_deep_acyclic_shared_suffix", acyclic_depth(9, False, True)),
    ("list_three_types", graph_depth(False, 3)),
    ("list_four_types", graph_depth(False, 4)),
    ("list_max_depth", graph_depth(False, 8)),
    ("list_too_deep", graph_depth(False, 9)),
    ("rbtree_three_types", graph_depth(True, 3)),
    ("rbtree_four_types", graph_depth(True, 4)),
    ("rbtree_max_depth", graph_depth(True, 8)),
    ("rbtree_too_deep", graph_depth(True, 9)),
    # this project's
    ("dup_spin_lock_two_nested", dup_spin_lock_two_nested),
    ("dup_nested_res_spin_lock", dup_nested_res_spin_lock),
    ("nested_spin_lock_array", nested_spin_lock_array),
    ("kptr_unknown_tag", lock_and(lambda b: b.ref(PTR, b.ref(TYPE_TAG, 3, "kfb_tag")))),
    ("kptr_same_tag_twice",
     lock_and(lambda b: b.ref(PTR, b.ref(TYPE_TAG, b.ref(TYPE_TAG, 3, "kptr"), "kptr")))),
    ("kptr_two_tags",
     lock_and(lambda b: b.ref(PTR, b.ref(TYPE_TAG, b.ref(TYPE_TAG, 3, "kptr"), "kptr_untrusted")))),
    ("kptr_unknown_then_kptr",
     lock_and(lambda b: b.ref(PTR, b.ref(TYPE_TAG, b.ref(TYPE_TAG, 3, "kptr"), "kfb_tag")))),
    ("kptr_after_const_to_int",
     lock_and(lambda b: b.ref(PTR, b.ref(CONST, b.ref(TYPE_TAG, 1, "kptr"))))),
    ("kptr_to_int", lock_and(lambda b: b.ref(PTR, b.ref(TYPE_TAG, 1, "kptr")))),
    ("kptr_after_const_self_cycle", kptr_self_cycle_via([(CONST, "", False), (TYPE_TAG, "kptr", False)])),
    ("kptr_after_attr_tag_self_cycle",
     kptr_self_cycle_via([(TYPE_TAG, "kfb_attr", True), (TYPE_TAG, "kptr", False)])),
    ("kptr_then_typedef_self_cycle",
     kptr_self_cycle_via([(TYPE_TAG, "kptr", False), (TYPEDEF, "kfb_self_t", False)])),
]


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "table":
        for name, make in CASES:
            print(name, make().bytes().hex())
        return
    if len(sys.argv) == 4 and sys.argv[1] == "blobs":
        n = 0
        for line in open(sys.argv[3]):
            if line.startswith("#") or not line.strip():
                continue
            with open("%s/b%d" % (sys.argv[2], n), "wb") as f:
                f.write(bytes.fromhex(line.split()[-1]))
            n += 1
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
