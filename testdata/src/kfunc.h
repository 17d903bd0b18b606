/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfunc.h - a freestanding, kernel-like world for the kfuncbtf fixtures.
 *
 *   #include "kfunc.h"
 *
 *   __bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *p)
 *   { return p; }
 *
 *   __bpf_kfunc __kf_scope(sched_ext_ops, enqueue) __kf_calls(sched_ext_ops, dispatch)
 *   void scx_bpf_example(u64 dsq_id) { ... }
 *
 *   BTF_KFUNCS_START(my_ids)
 *   BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
 *   BTF_KFUNCS_END(my_ids)
 *
 * No libc header is used (the CUs build with -ffreestanding -nostdinc). The KF_* values are
 * the bit table of SPEC.md section 3; they are plain integer expressions so that
 * BTF_ID_FLAGS can paste them into an assembler `.long`.
 *
 * Decl tags (`btf_decl_tag`) only exist in clang; with GCC 12 the tag macros expand to
 * nothing (so no "attribute ignored" warning is ever produced), and gcc-built fixtures carry
 * no DW_TAG_LLVM_annotation at all.
 */
#ifndef KFB_TESTDATA_KFUNC_H
#define KFB_TESTDATA_KFUNC_H

#include "btf_ids.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned long size_t;
typedef _Bool bool;
#define NULL ((void *)0)

/* KF_* flags (bit numbers as in include/linux/btf.h, see SPEC.md section 3). */
#define KF_ACQUIRE (1 << 0)
#define KF_RELEASE (1 << 1)
#define KF_RET_NULL (1 << 2)
#define KF_TRUSTED_ARGS (1 << 4)
#define KF_SLEEPABLE (1 << 5)
#define KF_DESTRUCTIVE (1 << 6)
#define KF_RCU (1 << 7)
#define KF_ITER_NEW (1 << 8)
#define KF_ITER_NEXT (1 << 9)
#define KF_ITER_DESTROY (1 << 10)
#define KF_RCU_PROTECTED (1 << 11)
#define KF_FASTCALL (1 << 12)
#define KF_ARENA_RET (1 << 13)
#define KF_ARENA_ARG1 (1 << 14)
#define KF_ARENA_ARG2 (1 << 15)
#define KF_IMPLICIT_ARGS (1 << 16)
#define KF_SPINLOCK_SAFE (1 << 17)
/* A bit no kernel defines: tools must keep it and print it as hex. */
#define KF_FUTURE_BIT30 (1 << 30)

#if defined(__has_attribute)
#if __has_attribute(btf_decl_tag)
#define KFB_HAVE_DECL_TAG 1
#endif
#endif

#ifdef KFB_HAVE_DECL_TAG
#define __kf_tag(s) __attribute__((btf_decl_tag(s)))
#else
#define __kf_tag(s)
#endif

/* Every kfunc definition starts with this (the kernel's __bpf_kfunc plus the decl tag). */
#define __bpf_kfunc __attribute__((used, noinline)) __kf_tag("bpf_kfunc")
/* Kept, not inlined, not a kfunc. */
#define __kf_keep __attribute__((used, noinline))

/* Callback scopes and nesting edges (SPEC.md 5.5, 5.6); repeatable. */
#define __kf_scope(ops, member) __kf_tag("bpf_kfunc_scope:" #ops "." #member)
#define __kf_calls(ops, member) __kf_tag("bpf_kfunc_calls:" #ops "." #member)

/* Opaque-ish kernel objects, small but with real members so BTF has sizes. */
struct bpf_prog_aux {
	u32 id;
	u32 attach_st_ops_member_off;
	void *st_ops;
};

struct btf_struct_meta {
	u32 btf_id;
	void *record;
};

struct bpf_map {
	u32 map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
};

struct bpf_dynptr {
	u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_wq {
	u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_task_work {
	u64 __opaque;
} __attribute__((aligned(8)));

struct bpf_iter_num {
	unsigned long long __opaque[1];
} __attribute__((aligned(8)));

struct bpf_iter_task {
	u64 __opaque[3];
} __attribute__((aligned(8)));

struct cgroup {
	u64 kn_id;
	int level;
	struct cgroup *parent;
};

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *parent;
	struct cgroup *cgroup;
	char comm[16];
	u64 flags;
};

/* A typedef to a pointer: KF_RCU marks it rcu (SPEC.md 4c). */
typedef struct task_struct *task_ptr_t;

struct file {
	u64 f_mode;
	void *private_data;
};

struct path {
	void *mnt;
	void *dentry;
};

struct sock_common {
	u32 skc_daddr;
	u16 skc_family;
};

struct __sk_buff {
	u32 len;
	u32 data;
};

/* Buffer lengths as an enum: an enum-typed `__sz` is a valid size (SPEC.md 4). */
enum bpf_buf_len {
	BPF_BUF_SMALL = 16,
	BPF_BUF_LARGE = 256,
};

typedef int (*bpf_wq_callback_t)(void *map, int *key, void *value);
typedef int (*bpf_task_work_callback_t)(void *map, void *key, void *value);

/* Helpers the CUs share: tiny, so the bodies are not empty and nothing folds together. */
static inline __attribute__((always_inline)) u64 kfb_mix(u64 a, u64 b)
{
	return (a * 0x9e3779b97f4a7c15ULL) ^ (b + 0x7f4a7c15ULL);
}

extern volatile u64 kfb_sink;

#endif
