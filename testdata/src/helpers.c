// SPDX-License-Identifier: GPL-2.0
/*
 * helpers.c - generic kfuncs, in the spirit of kernel/bpf/helpers.c.
 *
 * Covers: acquire/release/ret_null, a legacy foo/foo_impl pair (bpf_obj_new[_impl]),
 * KF_IMPLICIT_ARGS by type (struct btf_struct_meta *, struct bpf_prog_aux *), KF_RCU with a
 * typedef-to-pointer argument, __k/__ign/__sz/__szk/__opt/__str/__prog/__irq_flag/__alloc/
 * __refcounted_kptr/__rcu/__nullable suffixes, KF_FASTCALL, KF_SLEEPABLE|KF_DESTRUCTIVE,
 * an unknown flag bit, an enum-typed size, const/volatile parameters, a kfunc known only by
 * its decl tag, and a legacy (flags 0) set8. MANIFEST.md is the expected result.
 */
#include "kfunc.h"

volatile u64 kfb_sink;

/* Same name, different body in iter.c: a static non-kfunc twin across CUs. */
static __kf_keep int kf_check_size(u64 sz)
{
	return sz > 4096 ? -22 : (int)sz;
}

/* ---- object allocation: the legacy explicit form and the implicit-argument form ---- */

__bpf_kfunc void *bpf_obj_new_impl(u64 local_type_id__k, void *meta__ign)
{
	kfb_sink = kfb_mix(local_type_id__k, 1);
	return meta__ign;
}

__bpf_kfunc void *bpf_obj_new(u64 local_type_id__k, struct btf_struct_meta *meta)
{
	kfb_sink = kfb_mix(local_type_id__k, meta ? meta->btf_id : 2);
	return meta ? meta->record : NULL;
}

__bpf_kfunc void bpf_obj_drop(void *p__alloc, struct btf_struct_meta *meta)
{
	kfb_sink = kfb_mix((u64)(unsigned long)p__alloc, meta ? meta->btf_id : 3);
}

__bpf_kfunc void *bpf_refcount_acquire(void *p__refcounted_kptr, struct btf_struct_meta *meta)
{
	kfb_sink = kfb_mix(4, meta ? meta->btf_id : 4);
	return p__refcounted_kptr;
}

/* ---- tasks and cgroups ---- */

__bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *p)
{
	kfb_sink = kfb_mix(p->pid, 5);
	return p;
}

__bpf_kfunc void bpf_task_release(struct task_struct *p)
{
	kfb_sink = kfb_mix(p->tgid, 6);
}

__bpf_kfunc struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp__rcu, int level)
{
	while (cgrp__rcu && cgrp__rcu->level > level)
		cgrp__rcu = cgrp__rcu->parent;
	return cgrp__rcu;
}

__bpf_kfunc bool bpf_task_under_cgroup(task_ptr_t task, struct cgroup *ancestor)
{
	struct cgroup *c = task->cgroup;

	while (c && c != ancestor)
		c = c->parent;
	return c == ancestor;
}

/* ---- memory: sizes, constants, ignored and optional arguments ---- */

__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)
{
	kfb_sink = kfb_mix(p->__opaque[0] + offset, buffer__szk);
	return buffer__opt;
}

__bpf_kfunc int bpf_copy_from_user_str(void *dst, u32 dst__sz, const void *unsafe_ptr__ign, u64 flags)
{
	kfb_sink = kfb_mix((u64)(unsigned long)unsafe_ptr__ign ^ flags, dst__sz);
	return kf_check_size(dst__sz) + (dst != NULL);
}

__bpf_kfunc int bpf_fill_random(void *buf, enum bpf_buf_len len__sz)
{
	((u8 *)buf)[0] = (u8)len__sz;
	return kf_check_size(len__sz);
}

__bpf_kfunc void *bpf_rdonly_cast(const void *obj__ign, u32 btf_id__k)
{
	kfb_sink = kfb_mix(btf_id__k, 12);
	return (void *)obj__ign;
}

__bpf_kfunc void *bpf_cast_to_kern_ctx(void *obj)
{
	kfb_sink = kfb_mix(13, 13);
	return obj;
}

__bpf_kfunc void bpf_local_irq_save(unsigned long *flags__irq_flag)
{
	*flags__irq_flag = 0x200;
}

__bpf_kfunc void bpf_local_irq_restore(unsigned long *flags__irq_flag)
{
	kfb_sink = kfb_mix(*flags__irq_flag, 15);
}

__bpf_kfunc int bpf_wq_set_callback(struct bpf_wq *wq, int (*callback_fn)(void *map, int *key, void *value), unsigned int flags, struct bpf_prog_aux *aux)
{
	kfb_sink = kfb_mix(wq->__opaque[0] + flags, aux->id);
	return callback_fn ? 0 : -22;
}

__bpf_kfunc int bpf_stream_printk_prog(int stream_id, const char *fmt__str, const void *args, u32 len__sz, void *aux__prog)
{
	kfb_sink = kfb_mix(stream_id + len__sz, (u64)(unsigned long)aux__prog);
	return fmt__str[0] + (args != NULL);
}

__bpf_kfunc void bpf_emergency_restart(u32 reason__k)
{
	kfb_sink = kfb_mix(reason__k, 19);
}

__bpf_kfunc u64 bpf_experimental_probe(u32 cookie__unknown__k)
{
	return kfb_mix(cookie__unknown__k, 20);
}

__bpf_kfunc int bpf_wait_flag(volatile u32 *flag__nullable, const int spins__k)
{
	int i;

	for (i = 0; flag__nullable && i < spins__k; i++)
		if (*flag__nullable)
			return i;
	return -1;
}

/* A kfunc known only by its decl tag (clang): it is in no set. For gcc it is a plain function. */
__bpf_kfunc u64 bpf_get_kmem_cache(u64 addr)
{
	return kfb_mix(addr, 22);
}

/* Not a kfunc for any compiler: no __bpf_kfunc, listed only in a legacy (flags 0) set8. */
__kf_keep void bpf_rstat_updated(struct cgroup *cgrp, int cpu)
{
	kfb_sink = kfb_mix(cgrp->kn_id, cpu);
}

BTF_KFUNCS_START(generic_btf_ids)
/* Not in definition order: after resolve_btfids sorts the set, slots move. */
BTF_ID_FLAGS(func, bpf_experimental_probe, KF_SLEEPABLE | KF_FUTURE_BIT30)
BTF_ID_FLAGS(func, bpf_emergency_restart, KF_SLEEPABLE | KF_DESTRUCTIVE)
BTF_ID_FLAGS(func, bpf_obj_new_impl, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_obj_new, KF_ACQUIRE | KF_RET_NULL | KF_IMPLICIT_ARGS)
BTF_ID_FLAGS(func, bpf_obj_drop, KF_RELEASE | KF_IMPLICIT_ARGS)
BTF_ID_FLAGS(func, bpf_refcount_acquire, KF_ACQUIRE | KF_RET_NULL | KF_RCU | KF_IMPLICIT_ARGS)
BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_cgroup_ancestor, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_task_under_cgroup, KF_RCU)
BTF_ID_FLAGS(func, bpf_wq_set_callback, KF_IMPLICIT_ARGS)
BTF_ID_FLAGS(func, bpf_local_irq_save)
BTF_ID_FLAGS(func, bpf_local_irq_restore)
BTF_KFUNCS_END(generic_btf_ids)

BTF_KFUNCS_START(common_btf_ids)
BTF_ID_FLAGS(func, bpf_dynptr_slice, KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_copy_from_user_str, KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_fill_random)
BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_FASTCALL)
BTF_ID_FLAGS(func, bpf_cast_to_kern_ctx, KF_FASTCALL)
BTF_ID_FLAGS(func, bpf_stream_printk_prog)
BTF_ID_FLAGS(func, bpf_wait_flag)
BTF_KFUNCS_END(common_btf_ids)

/* Legacy set8 (header flags 0, as every set before 6.9): not a kfunc set. bpf_task_release
 * appears here with flag word 0, which must NOT count as "inconsistent flags". */
BTF_SET8_START(bpf_rstat_kfunc_ids)
BTF_ID_FLAGS(func, bpf_rstat_updated)
BTF_ID_FLAGS(func, bpf_task_release)
BTF_SET8_END(bpf_rstat_kfunc_ids)
