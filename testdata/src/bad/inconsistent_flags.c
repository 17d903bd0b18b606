// SPDX-License-Identifier: GPL-2.0
/* bad-inconsistent-flags.o: one kfunc in two kfunc sets with different KF_* flags. */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc struct task_struct *bpf_bad_task_get(struct task_struct *p)
{
	return p->parent;
}

BTF_KFUNCS_START(bad_set_a)
BTF_ID_FLAGS(func, bpf_bad_task_get, KF_ACQUIRE | KF_RET_NULL)
BTF_KFUNCS_END(bad_set_a)

BTF_KFUNCS_START(bad_set_b)
BTF_ID_FLAGS(func, bpf_bad_task_get, KF_ACQUIRE)
BTF_KFUNCS_END(bad_set_b)
