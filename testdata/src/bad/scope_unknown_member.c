// SPDX-License-Identifier: GPL-2.0
/* bad-scope-unknown-member.o: a scope naming a member bad_ops does not have (clang only). */
#include "bad_ops.h"

__bpf_kfunc __kf_scope(bad_ops, open) __kf_scope(bad_ops, no_such_member)
int bpf_bad_scope_unknown(int x)
{
	return x + 1;
}

BTF_KFUNCS_START(bad_scope_ids)
BTF_ID_FLAGS(func, bpf_bad_scope_unknown)
BTF_KFUNCS_END(bad_scope_ids)
