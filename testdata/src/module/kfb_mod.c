// SPDX-License-Identifier: GPL-2.0
/*
 * kfb_mod.c - a kernel module with its own kfuncs (like net/netfilter or a HID driver), built
 * into `<cc>-dwarf5-mod.ko` (ET_REL, `ld -r`) whose .BTF is SPLIT BTF on top of the base
 * `<cc>-dwarf5.elf` (pahole -J --btf_base), with its .BTF_ids resolved against base + split
 * like Makefile.modfinal's `resolve_btfids -b vmlinux`. So the ids are split-BTF ids (above
 * the base's type count) and the sets are sorted even though the object is ET_REL.
 *
 * Types shared with the base (struct task_struct, struct bpf_prog_aux) are deduplicated into
 * the base by pahole; struct kfb_mod_ctx exists only in the module.
 */
#include "../kfunc.h"

struct kfb_mod_ctx {
	u32 id;
	struct task_struct *owner;
	u8 buf[32];
};

__bpf_kfunc struct task_struct *bpf_kfb_mod_owner(struct kfb_mod_ctx *ctx)
{
	return ctx->owner;
}

__bpf_kfunc int bpf_kfb_mod_fill(struct kfb_mod_ctx *ctx, void *buf, u32 buf__sz)
{
	u32 i;

	for (i = 0; i < buf__sz && i < sizeof(ctx->buf); i++)
		((u8 *)buf)[i] = ctx->buf[i];
	return (int)i;
}

__bpf_kfunc int bpf_kfb_mod_with_aux(int x, struct bpf_prog_aux *aux)
{
	return x + (int)aux->id;
}

BTF_KFUNCS_START(kfb_mod_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kfb_mod_with_aux, KF_IMPLICIT_ARGS)
BTF_ID_FLAGS(func, bpf_kfb_mod_owner, KF_ACQUIRE | KF_RET_NULL | KF_RCU)
BTF_ID_FLAGS(func, bpf_kfb_mod_fill, KF_SLEEPABLE)
BTF_KFUNCS_END(kfb_mod_kfunc_ids)
