// SPDX-License-Identifier: GPL-2.0
/* bad-impl-mismatch.o: bpf_bad_twin has an implicit argument (KF_IMPLICIT_ARGS, struct
 * bpf_prog_aux *), and an existing bpf_bad_twin_impl whose first argument is a long, not
 * bpf_bad_twin's int: its prototype does not extend bpf_bad_twin's. bpf_bad_twin_impl is
 * not a kfunc (no set, no decl tag). */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_bad_twin(int x, struct bpf_prog_aux *aux)
{
	return x + (int)aux->id;
}

__kf_keep int bpf_bad_twin_impl(long x, void *aux)
{
	return (int)x + (aux != NULL);
}

BTF_KFUNCS_START(bad_twin_ids)
BTF_ID_FLAGS(func, bpf_bad_twin, KF_IMPLICIT_ARGS)
BTF_KFUNCS_END(bad_twin_ids)
