// SPDX-License-Identifier: GPL-2.0
/*
 * An out-of-tree module whose kfuncs use kfuncbtf's forms, so that a real kernel build shows what
 * kfuncbtf emit makes of a module (tests/bench/kernel_build.sh builds it against each kernel):
 *
 *   kfb_kmod_add  its last parameter is implicit (the __implicit suffix). With kfuncbtf in the
 *                 build, BPF sees kfb_kmod_add(a, b) and the verifier kfb_kmod_add_impl(a, b, aux).
 *                 Linux 7.3 marks it KF_IMPLICIT_ARGS and its verifier passes prog->aux; no 6.x
 *                 verifier passes anything there, so the function never reads it.
 *   kfb_kmod_sum  a buffer and its size in bytes (__sz): a per-argument flag tag.
 *
 * The kfuncs are registered for BPF_PROG_TYPE_SYSCALL programs, the type the test init loads.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/module.h>

#ifndef KF_IMPLICIT_ARGS
#define KF_IMPLICIT_ARGS 0
#endif

__bpf_kfunc_start_defs();

__bpf_kfunc int kfb_kmod_add(int a, int b, struct bpf_prog_aux *aux__implicit)
{
	return a + b;
}

__bpf_kfunc u64 kfb_kmod_sum(const u64 *buf, u32 buf__sz)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < buf__sz / sizeof(*buf); i++)
		s += buf[i];
	return s;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(kfb_kmod_ids)
BTF_ID_FLAGS(func, kfb_kmod_add, KF_IMPLICIT_ARGS)
BTF_ID_FLAGS(func, kfb_kmod_sum)
BTF_KFUNCS_END(kfb_kmod_ids)

static const struct btf_kfunc_id_set kfb_kmod_set = {
	.owner = THIS_MODULE,
	.set = &kfb_kmod_ids,
};

static int __init kfb_kmod_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &kfb_kmod_set);
}
module_init(kfb_kmod_init);

MODULE_DESCRIPTION("kfuncbtf test kfuncs: an implicit argument and a sized buffer");
MODULE_LICENSE("GPL");
