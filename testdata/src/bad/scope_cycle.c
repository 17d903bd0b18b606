// SPDX-License-Identifier: GPL-2.0
/* bad-scope-cycle.o: bad_ops.open -> bpf_bad_cycle_a -> bad_ops.close -> bpf_bad_cycle_b ->
 * bad_ops.open: the callback/kfunc graph has a cycle (clang only). */
#include "bad_ops.h"

__bpf_kfunc __kf_scope(bad_ops, open) __kf_calls(bad_ops, close)
int bpf_bad_cycle_a(int x)
{
	return x + 3;
}

__bpf_kfunc __kf_scope(bad_ops, close) __kf_calls(bad_ops, open)
int bpf_bad_cycle_b(int x)
{
	return x + 4;
}

BTF_KFUNCS_START(bad_cycle_ids)
BTF_ID_FLAGS(func, bpf_bad_cycle_a)
BTF_ID_FLAGS(func, bpf_bad_cycle_b)
BTF_KFUNCS_END(bad_cycle_ids)
