// SPDX-License-Identifier: GPL-2.0
/*
 * iter.c - open-coded iterators (bpf_iter_<type>_{new,next,destroy}) with KF_ITER_*, in
 * the spirit of kernel/bpf/bpf_iter.c and task_iter.c. Also the second static kf_check_size.
 */
#include "kfunc.h"

struct bpf_iter_num_kern {
	int cur;
	int end;
};

struct bpf_iter_task_kern {
	struct task_struct *task;
	struct task_struct *pos;
	unsigned int flags;
};

/* Same name as in helpers.c, different body: a static non-kfunc twin across CUs. */
static __kf_keep int kf_check_size(u64 sz)
{
	return sz & 7 ? -22 : 0;
}

__bpf_kfunc int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)
{
	struct bpf_iter_num_kern *s = (void *)it;

	if (kf_check_size(sizeof(*it)) || start > end)
		return -22;
	s->cur = start - 1;
	s->end = end;
	return 0;
}

__bpf_kfunc int *bpf_iter_num_next(struct bpf_iter_num *it)
{
	struct bpf_iter_num_kern *s = (void *)it;

	if (s->cur + 1 >= s->end)
		return NULL;
	s->cur++;
	return &s->cur;
}

__bpf_kfunc void bpf_iter_num_destroy(struct bpf_iter_num *it)
{
	struct bpf_iter_num_kern *s = (void *)it;

	s->cur = s->end = 0;
}

__bpf_kfunc int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task__nullable, unsigned int flags)
{
	struct bpf_iter_task_kern *k = (void *)it;

	k->task = k->pos = task__nullable;
	k->flags = flags;
	return 0;
}

__bpf_kfunc struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it)
{
	struct bpf_iter_task_kern *k = (void *)it;

	k->pos = k->pos ? k->pos->parent : NULL;
	return k->pos;
}

__bpf_kfunc void bpf_iter_task_destroy(struct bpf_iter_task *it)
{
	struct bpf_iter_task_kern *k = (void *)it;

	k->task = NULL;
	k->pos = (void *)1;
}

BTF_KFUNCS_START(iter_kfunc_ids)
BTF_ID_FLAGS(func, bpf_iter_num_new, KF_ITER_NEW | KF_FASTCALL)
BTF_ID_FLAGS(func, bpf_iter_num_next, KF_ITER_NEXT | KF_RET_NULL | KF_FASTCALL)
BTF_ID_FLAGS(func, bpf_iter_num_destroy, KF_ITER_DESTROY | KF_FASTCALL)
BTF_ID_FLAGS(func, bpf_iter_task_new, KF_ITER_NEW | KF_RCU_PROTECTED)
BTF_ID_FLAGS(func, bpf_iter_task_next, KF_ITER_NEXT | KF_RET_NULL | KF_RCU_PROTECTED)
BTF_ID_FLAGS(func, bpf_iter_task_destroy, KF_ITER_DESTROY | KF_RCU_PROTECTED)
BTF_KFUNCS_END(iter_kfunc_ids)
