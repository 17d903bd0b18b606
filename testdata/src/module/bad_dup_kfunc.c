// SPDX-License-Identifier: GPL-2.0
/*
 * bad-module-dup-kfunc.ko: a module (split BTF on clang-dwarf5.elf) that defines and registers
 * a kfunc named bpf_task_acquire, a name the base (vmlinux) already has as a FUNC: the kernel
 * refuses such a set ("kfunc bpf_task_acquire (id: N) is already present in vmlinux").
 * bpf_kfb_dup_ok is fine.
 */
#include "../kfunc.h"

/* The parameter is named `task` (the base's is `p`), so pahole cannot dedup this FUNC into the
 * base's: the split BTF has its own FUNC bpf_task_acquire. */
__bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *task)
{
	return task->parent;
}

__bpf_kfunc int bpf_kfb_dup_ok(int x)
{
	return x * 11;
}

BTF_KFUNCS_START(kfb_dup_kfunc_ids)
BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_kfb_dup_ok)
BTF_KFUNCS_END(kfb_dup_kfunc_ids)
