// SPDX-License-Identifier: GPL-2.0
/*
 * ops.c - two struct_ops-like types and kfuncs scoped to their callbacks (sched_ext and
 * HID-BPF in spirit).
 *
 * Scopes and nesting edges are decl tags (clang only):
 *   __kf_scope(sched_ext_ops, dispatch)  -> "bpf_kfunc_scope:sched_ext_ops.dispatch"
 *   __kf_calls(sched_ext_ops, enqueue)   -> "bpf_kfunc_calls:sched_ext_ops.enqueue"
 * scopes.txt states the same facts for gcc-built objects. Both ops types mix function
 * pointers with other members, so a member's bit (byte offset / pointer size) is not its
 * index among function pointers, and differs between 64-bit and 32-bit targets.
 */
#include "kfunc.h"

struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dequeue)(struct task_struct *p, u64 deq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	u64 dispatch_flags;
	void (*tick)(struct task_struct *p);
	void (*cpu_release)(s32 cpu, void *args);
	s32 (*init_task)(struct task_struct *p, void *args);
	s32 (*init)(void);
	void (*exit)(void *info);
	u32 dispatch_max_batch;
	u32 flags;
	u64 timeout_ms;
	void *priv;
	char name[32];
};

struct hid_bpf_ctx {
	u32 allocated_size;
	s32 retval;
	u8 *data;
};

struct hid_bpf_ops {
	int hid_id;
	u32 flags;
	int (*hid_device_event)(struct hid_bpf_ctx *ctx, int type, u64 source);
	int (*hid_rdesc_fixup)(struct hid_bpf_ctx *ctx);
	int (*hid_hw_request)(struct hid_bpf_ctx *ctx, unsigned char reportnum, int rtype, int reqtype, u64 source);
	int (*hid_hw_output_report)(struct hid_bpf_ctx *ctx, u64 source);
};

/* ---- CFI-style stubs, so both ops types (and their members' prototypes) are in DWARF ---- */

static s32 sched_ext_ops__select_cpu(struct task_struct *p, s32 prev_cpu, u64 wake_flags) { return -2; }
static void sched_ext_ops__enqueue(struct task_struct *p, u64 enq_flags) {}
static void sched_ext_ops__dequeue(struct task_struct *p, u64 deq_flags) {}
static void sched_ext_ops__dispatch(s32 cpu, struct task_struct *prev) {}
static void sched_ext_ops__tick(struct task_struct *p) {}
static void sched_ext_ops__cpu_release(s32 cpu, void *args) {}
static s32 sched_ext_ops__init_task(struct task_struct *p, void *args) { return -95; }
static s32 sched_ext_ops__init(void) { return -95; }
static void sched_ext_ops__exit(void *info) {}

__attribute__((used)) struct sched_ext_ops __bpf_ops_sched_ext_ops = {
	.select_cpu = sched_ext_ops__select_cpu,
	.enqueue = sched_ext_ops__enqueue,
	.dequeue = sched_ext_ops__dequeue,
	.dispatch = sched_ext_ops__dispatch,
	.tick = sched_ext_ops__tick,
	.cpu_release = sched_ext_ops__cpu_release,
	.init_task = sched_ext_ops__init_task,
	.init = sched_ext_ops__init,
	.exit = sched_ext_ops__exit,
	.name = "stub",
};

static int hid_bpf_ops__hid_device_event(struct hid_bpf_ctx *ctx, int type, u64 source) { return 0; }
static int hid_bpf_ops__hid_rdesc_fixup(struct hid_bpf_ctx *ctx) { return 0; }
static int hid_bpf_ops__hid_hw_request(struct hid_bpf_ctx *ctx, unsigned char reportnum, int rtype, int reqtype, u64 source) { return 0; }
static int hid_bpf_ops__hid_hw_output_report(struct hid_bpf_ctx *ctx, u64 source) { return 0; }

__attribute__((used)) struct hid_bpf_ops __bpf_hid_bpf_ops = {
	.hid_device_event = hid_bpf_ops__hid_device_event,
	.hid_rdesc_fixup = hid_bpf_ops__hid_rdesc_fixup,
	.hid_hw_request = hid_bpf_ops__hid_hw_request,
	.hid_hw_output_report = hid_bpf_ops__hid_hw_output_report,
};

/* ---- scoped kfuncs ---- */

__bpf_kfunc __kf_scope(sched_ext_ops, select_cpu) __kf_scope(sched_ext_ops, enqueue) __kf_scope(sched_ext_ops, dispatch)
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	kfb_sink = kfb_mix(p->pid + dsq_id, slice ^ enq_flags);
}

__bpf_kfunc __kf_scope(sched_ext_ops, dispatch)
u32 scx_bpf_dispatch_nr_slots(void)
{
	return (u32)kfb_sink & 31;
}

__bpf_kfunc __kf_scope(sched_ext_ops, dispatch)
bool scx_bpf_dsq_move_to_local(u64 dsq_id)
{
	return kfb_mix(dsq_id, 40) & 1;
}

__bpf_kfunc __kf_scope(sched_ext_ops, cpu_release) __kf_calls(sched_ext_ops, enqueue)
u32 scx_bpf_reenqueue_local(void)
{
	return (u32)(kfb_sink >> 7) & 63;
}

__bpf_kfunc __kf_scope(sched_ext_ops, init) __kf_scope(sched_ext_ops, init_task)
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node, struct bpf_prog_aux *aux)
{
	kfb_sink = kfb_mix(dsq_id, node + aux->id);
	return 0;
}

__bpf_kfunc __kf_scope(hid_bpf_ops, hid_device_event) __kf_scope(hid_bpf_ops, hid_rdesc_fixup)
u8 *hid_bpf_get_data(struct hid_bpf_ctx *ctx, unsigned int offset, const size_t rdwr_buf_size)
{
	if (offset + rdwr_buf_size > ctx->allocated_size)
		return NULL;
	return ctx->data + offset;
}

__bpf_kfunc __kf_scope(sched_ext_ops, exit) __kf_scope(hid_bpf_ops, hid_hw_request)
void bpf_ops_log(u32 level__k)
{
	kfb_sink = kfb_mix(level__k, 41);
}

BTF_KFUNCS_START(scx_kfunc_ids_enqueue_dispatch)
BTF_ID_FLAGS(func, scx_bpf_dsq_insert, KF_RCU)
BTF_KFUNCS_END(scx_kfunc_ids_enqueue_dispatch)

BTF_KFUNCS_START(scx_kfunc_ids_dispatch)
BTF_ID_FLAGS(func, scx_bpf_dispatch_nr_slots)
BTF_ID_FLAGS(func, scx_bpf_dsq_move_to_local)
BTF_KFUNCS_END(scx_kfunc_ids_dispatch)

BTF_KFUNCS_START(scx_kfunc_ids_cpu_release)
BTF_ID_FLAGS(func, scx_bpf_reenqueue_local)
BTF_KFUNCS_END(scx_kfunc_ids_cpu_release)

BTF_KFUNCS_START(scx_kfunc_ids_unlocked)
BTF_ID_FLAGS(func, scx_bpf_create_dsq, KF_SLEEPABLE | KF_IMPLICIT_ARGS)
BTF_KFUNCS_END(scx_kfunc_ids_unlocked)

BTF_KFUNCS_START(hid_bpf_kfunc_ids)
BTF_ID_FLAGS(func, hid_bpf_get_data, KF_RET_NULL)
BTF_KFUNCS_END(hid_bpf_kfunc_ids)

BTF_KFUNCS_START(bpf_ops_common_kfunc_ids)
BTF_ID_FLAGS(func, bpf_ops_log)
BTF_KFUNCS_END(bpf_ops_common_kfunc_ids)
