/* SPDX-License-Identifier: GPL-2.0 */
/*
 * btf_ids.h - kernel-compatible .BTF_ids layout for the kfuncbtf fixtures.
 *
 * Usage (exactly as kernel code writes it):
 *
 *   BTF_KFUNCS_START(my_kfunc_ids)              // set8, header flags = BTF_SET8_KFUNCS
 *   BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
 *   BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE)
 *   BTF_KFUNCS_END(my_kfunc_ids)
 *
 *   BTF_SET8_START(old_ids)                     // legacy set8 (pre-6.9): header flags = 0
 *   BTF_ID_FLAGS(func, bpf_rstat_updated)       // flag word defaults to 0
 *   BTF_SET8_END(old_ids)
 *
 *   BTF_ID_LIST(some_ids)                       // plain id list: no header, no flag words
 *   BTF_ID(struct, task_struct)
 *   BTF_SET_START(some_set) ... BTF_SET_END(some_set)   // u32 cnt + ids, no flag words
 *
 * What ends up in the object (section ".BTF_ids", flags "a", everything 4-byte words in the
 * target's byte order, all symbols STB_LOCAL):
 *
 *   <set>:                           label of struct btf_id_set8 (BTF_ID_LIST label)
 *   __BTF_ID__set8__<set>:           STT_NOTYPE, st_size = header + all pairs (.size at END)
 *       .zero 4                      u32 cnt   (0 until resolve_btfids fills it)
 *       .long <set flags>            u32 flags (BTF_SET8_KFUNCS or 0)
 *   __BTF_ID__func__<fn>__<C><L>:    STT_OBJECT, st_size 4; C = __COUNTER__, L = __LINE__
 *       .zero 4                      u32 id    (0 until resolve_btfids fills it)
 *       .long <KF_* flags>           u32 flags
 *
 * This file was written for kfuncbtf's test data; it reproduces the layout documented in
 * the kernel's include/linux/btf_ids.h, not its text. The flag expressions are pasted into
 * assembler directives, so they must be plain integer expressions (no `u` suffixes).
 */
#ifndef KFB_TESTDATA_BTF_IDS_H
#define KFB_TESTDATA_BTF_IDS_H

#define BTF_SET8_KFUNCS (1 << 0)

#ifdef KFB_NO_BTF_IDS
/* Like a kernel built without CONFIG_DEBUG_INFO_BTF: no .BTF_ids section at all. */
#define BTF_ID(prefix, name)
#define BTF_ID_FLAGS(prefix, name, ...)
#define BTF_ID_UNUSED
#define BTF_ID_LIST(name)
#define BTF_SET_START(name)
#define BTF_SET_END(name)
#define BTF_SET8_START(name)
#define BTF_SET8_END(name)
#define BTF_KFUNCS_START(name)
#define BTF_KFUNCS_END(name)
#else

#define KFB_STR_(x) #x
#define KFB_STR(x) KFB_STR_(x)
#define KFB_CAT_(a, b) a##b
#define KFB_CAT(a, b) KFB_CAT_(a, b)
/* <prefix><counter><line>: unique even when two entries share a line. */
#define KFB_UNIQUE(prefix) KFB_CAT(KFB_CAT(prefix, __COUNTER__), __LINE__)

/* One 4-byte id slot labelled `sym`, optionally followed by `extra` (the flag word). */
#define KFB_ID_SLOT_(sym, extra)                                                       \
	asm(".pushsection .BTF_ids,\"a\"\n"                                            \
	    ".local " #sym "\n"                                                        \
	    ".type " #sym ", STT_OBJECT\n"                                             \
	    ".size " #sym ", 4\n"                                                      \
	    #sym ":\n"                                                                 \
	    ".zero 4\n" extra ".popsection\n");
#define KFB_ID_SLOT(sym, extra) KFB_ID_SLOT_(sym, extra)

#define BTF_ID(prefix, name) KFB_ID_SLOT(KFB_UNIQUE(__BTF_ID__##prefix##__##name##__), "")

#define KFB_ID_FLAGS_(prefix, name, flags, ...)                                        \
	KFB_ID_SLOT(KFB_UNIQUE(__BTF_ID__##prefix##__##name##__), ".long " KFB_STR(flags) "\n")
/* BTF_ID_FLAGS(func, name [, flags]): the flag word is 0 when no flags are given. */
#define BTF_ID_FLAGS(prefix, name, ...) KFB_ID_FLAGS_(prefix, name, ##__VA_ARGS__, 0)

#define BTF_ID_UNUSED asm(".pushsection .BTF_ids,\"a\"\n.zero 4\n.popsection\n");

#define KFB_LIST_LABEL(name)                                                           \
	asm(".pushsection .BTF_ids,\"a\"\n"                                            \
	    ".local " #name "\n" #name ":\n"                                           \
	    ".popsection\n");

#define BTF_ID_LIST(name) KFB_LIST_LABEL(name) extern unsigned int name[];

/* Plain sorted set: u32 cnt, then ids. */
#define BTF_SET_START(name)                                                            \
	KFB_LIST_LABEL(name)                                                           \
	asm(".pushsection .BTF_ids,\"a\"\n"                                            \
	    ".local __BTF_ID__set__" #name "\n"                                        \
	    "__BTF_ID__set__" #name ":\n"                                              \
	    ".zero 4\n"                                                                \
	    ".popsection\n");
#define BTF_SET_END(name)                                                              \
	asm(".pushsection .BTF_ids,\"a\"\n"                                            \
	    ".size __BTF_ID__set__" #name ", . - " #name "\n"                          \
	    ".popsection\n");                                                          \
	extern struct btf_id_set name;

/* Set8: u32 cnt, u32 flags, then {u32 id; u32 flags} pairs. */
#define KFB_SET8_START(name, set_flags)                                                \
	KFB_LIST_LABEL(name)                                                           \
	asm(".pushsection .BTF_ids,\"a\"\n"                                            \
	    ".local __BTF_ID__set8__" #name "\n"                                       \
	    "__BTF_ID__set8__" #name ":\n"                                             \
	    ".zero 4\n"                                                                \
	    ".long " KFB_STR(set_flags) "\n"                                           \
	    ".popsection\n");
#define BTF_SET8_START(name) KFB_SET8_START(name, 0)
#define BTF_SET8_END(name)                                                             \
	asm(".pushsection .BTF_ids,\"a\"\n"                                            \
	    ".size __BTF_ID__set8__" #name ", . - " #name "\n"                         \
	    ".popsection\n");                                                          \
	extern struct btf_id_set8 name;

#define BTF_KFUNCS_START(name) KFB_SET8_START(name, BTF_SET8_KFUNCS)
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)
#endif /* KFB_NO_BTF_IDS */

struct btf_id_set {
	unsigned int cnt;
	unsigned int ids[];
};

struct btf_id_set8 {
	unsigned int cnt;
	unsigned int flags;
	struct {
		unsigned int id;
		unsigned int flags;
	} pairs[];
};

#endif
