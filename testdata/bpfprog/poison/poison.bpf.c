// SPDX-License-Identifier: GPL-2.0
/*
 * Silent poisoning (issue 23): a __weak extern kfunc whose local prototype differs from the
 * kernel's is dropped by libbpf without a word (bpf_object__resolve_ksym_func_btf_id():
 * bpf_core_types_are_compat() fails, the extern is weak, so it stays unresolved), its calls are
 * poisoned (poison_kfunc_call()) and bpf_ksym_exists() on it reads 0, so the fallback path runs
 * on a kernel that has the kfunc.
 *
 * Built twice (tests/bpfprog/poison.sh): poison.bpf.o with the wrong prototypes, and
 * poison-control.bpf.o (-DKFB_CONTROL) with the kernel's. Against 7.3:
 *
 *   scx_bpf_dsq_nr_queued   7.3: s32 scx_bpf_dsq_nr_queued(u64 dsq_id), KF_IMPLICIT_ARGS (the
 *                           kernel's own function also takes const struct bpf_prog_aux *aux,
 *                           which the verifier supplies). Declared here with that extra
 *                           argument, as an object written from the C prototype would.
 *   scx_bpf_dsq_move_to_local___v2
 *                           the real sched_ext compat bug (fixed in August 2026): the kernel
 *                           names its two-argument kfunc "scx_bpf_dsq_move_to_local___v2";
 *                           libbpf drops the last ___suffix, so an extern of that very name
 *                           binds to the one-argument scx_bpf_dsq_move_to_local, the counts
 *                           differ, and the v1 path runs. The fix is one more suffix
 *                           (___v2___compat), which is the control.
 *
 * Programs:
 *   guarded     SEC("syscall"): bpf_ksym_exists() picks the real call or the fallback; records
 *               which in `path` (2: real call, 1: fallback) and the kfunc's result in `nr`
 *               (-ENODEV from 7.3 when no scheduler is loaded; the fallback leaves 7777).
 *   unguarded   SEC("syscall"): the same call without the guard; a poisoned call that is reached
 *               makes the verifier refuse the program (libbpf rewrites the log to "kfunc '...'
 *               is referenced but wasn't resolved"), so only the guarded form is silent.
 *   dispatch    sched_ext_ops.dispatch with the compat macro of tools/sched_ext's compat.bpf.h:
 *               v2 if it exists, else v1. Not runnable here (that needs an attached
 *               scheduler); libbpf's debug line "poisoning insn #N that calls kfunc" is the trace.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define SCX_DSQ_LOCAL_KFB (1ULL << 63 | 2) /* SCX_DSQ_LOCAL */

#ifdef KFB_CONTROL
s32 scx_bpf_dsq_nr_queued___kfb(u64 dsq_id) __weak __ksym;
#define nr_queued(dsq_id) scx_bpf_dsq_nr_queued___kfb(dsq_id)
bool scx_bpf_dsq_move_to_local___v2___compat(u64 dsq_id, u64 enq_flags) __weak __ksym;
#define move_to_local_v2 scx_bpf_dsq_move_to_local___v2___compat
#else
s32 scx_bpf_dsq_nr_queued___kfb(u64 dsq_id, const struct bpf_prog_aux *aux) __weak __ksym;
#define nr_queued(dsq_id) scx_bpf_dsq_nr_queued___kfb(dsq_id, NULL)
bool scx_bpf_dsq_move_to_local___v2(u64 dsq_id, u64 enq_flags) __weak __ksym;
#define move_to_local_v2 scx_bpf_dsq_move_to_local___v2
#endif
bool scx_bpf_dsq_move_to_local___v1(u64 dsq_id) __weak __ksym;

int path;        /* 2: the kfunc was called, 1: the fallback ran */
s32 nr = 7777;   /* the kfunc's result; the fallback leaves it */

SEC("syscall")
int guarded(void *ctx)
{
	if (bpf_ksym_exists(scx_bpf_dsq_nr_queued___kfb)) {
		nr = nr_queued(SCX_DSQ_LOCAL_KFB);
		path = 2;
	} else {
		path = 1;
	}
	return path;
}

SEC("syscall")
int unguarded(void *ctx)
{
	nr = nr_queued(SCX_DSQ_LOCAL_KFB);
	path = 2;
	return path;
}

SEC("struct_ops/dispatch")
int dispatch(unsigned long long *ctx)
{
	if (bpf_ksym_exists(move_to_local_v2))
		move_to_local_v2(SCX_DSQ_LOCAL_KFB, 0);
	else
		scx_bpf_dsq_move_to_local___v1(SCX_DSQ_LOCAL_KFB);
	return 0;
}

SEC(".struct_ops.link")
struct sched_ext_ops poison_ops = {
	.dispatch = (void *)dispatch,
	.name = "poison",
};
