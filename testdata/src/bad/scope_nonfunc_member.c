// SPDX-License-Identifier: GPL-2.0
/* bad-scope-nonfunc-member.o: a scope naming bad_ops.flags, a u32 (clang only). */
#include "bad_ops.h"

__bpf_kfunc __kf_scope(bad_ops, close) __kf_scope(bad_ops, flags)
int bpf_bad_scope_nonfunc(int x)
{
	return x + 2;
}

BTF_KFUNCS_START(bad_scope_ids)
BTF_ID_FLAGS(func, bpf_bad_scope_nonfunc)
BTF_KFUNCS_END(bad_scope_ids)
