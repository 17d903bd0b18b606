// SPDX-License-Identifier: GPL-2.0
/*
 * net.c - socket, file and task-work kfuncs (net/core/filter.c, fs/bpf_fs_kfuncs.c,
 * kernel/bpf/helpers.c task_work in spirit).
 *
 * Covers: __uninit, __nullable, __str, KF_TRUSTED_ARGS (bit 4), the per-argument extension
 * suffixes __release and __trusted, implicit arguments by the __magic and __implicit suffixes
 * WITHOUT KF_IMPLICIT_ARGS, __map, a function-pointer typedef argument, a kfunc listed in two
 * sets with the same flags (bpf_task_acquire, also in helpers.c), and a BTF_ID_LIST / BTF_SET
 * (not set8) holding func entries that no kfunc scanner may pick up.
 */
#include "kfunc.h"

__bpf_kfunc int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit)
{
	ptr__uninit->__opaque[0] = s->data;
	ptr__uninit->__opaque[1] = s->len | flags;
	return 0;
}

__bpf_kfunc int bpf_sock_destroy(struct sock_common *sock__nullable)
{
	return sock__nullable ? sock__nullable->skc_family : -2;
}

__bpf_kfunc int bpf_get_file_xattr(struct file *file, const char *name__str, struct bpf_dynptr *value_p)
{
	value_p->__opaque[0] = file->f_mode;
	return name__str[0];
}

__bpf_kfunc int bpf_path_d_path(const struct path *path__trusted, char *buf, size_t buf__sz)
{
	if (!buf__sz)
		return -22;
	buf[0] = path__trusted->dentry ? '/' : '?';
	return 1;
}

__bpf_kfunc void bpf_put_file(struct file *file__release)
{
	file__release->private_data = NULL;
}

__bpf_kfunc int bpf_task_work_schedule_resume(struct task_struct *task, struct bpf_task_work *tw, void *map__map, bpf_task_work_callback_t callback, struct bpf_prog_aux *aux__magic)
{
	tw->__opaque = (u64)(unsigned long)map__map ^ task->pid;
	return callback ? (int)aux__magic->id : -22;
}

__bpf_kfunc int bpf_task_work_schedule_signal(struct task_struct *task, struct bpf_task_work *tw, void *map__map, bpf_task_work_callback_t callback, struct bpf_prog_aux *aux__implicit)
{
	tw->__opaque = (u64)(unsigned long)map__map + task->tgid;
	return callback ? (int)aux__implicit->attach_st_ops_member_off : -95;
}

BTF_KFUNCS_START(bpf_sk_kfunc_ids)
BTF_ID_FLAGS(func, bpf_dynptr_from_skb, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_sock_destroy, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(bpf_sk_kfunc_ids)

BTF_KFUNCS_START(bpf_fs_kfunc_set_ids)
BTF_ID_FLAGS(func, bpf_get_file_xattr, KF_SLEEPABLE | KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_path_d_path, KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_put_file)
BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_task_work_schedule_resume)
BTF_ID_FLAGS(func, bpf_task_work_schedule_signal)
BTF_KFUNCS_END(bpf_fs_kfunc_set_ids)

/* Not set8: no header flags, no flag words. Their func entries are not kfunc entries. */
BTF_ID_LIST(bpf_net_type_ids)
BTF_ID(struct, sock_common)
BTF_ID_UNUSED
BTF_ID(func, bpf_sock_destroy)

BTF_SET_START(bpf_fs_sleepable_set)
BTF_ID(func, bpf_get_file_xattr)
BTF_ID(func, bpf_path_d_path)
BTF_SET_END(bpf_fs_sleepable_set)
