// SPDX-License-Identifier: GPL-2.0
/* bad-implicit-not-last.o: an implicit argument (by type) before an explicit one: once refused, accepted
 * upstream (7.3 bpf_list_push_back); BPF sees bpf_bad_aux_first(void), the twin (aux, x). */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_bad_aux_first(struct bpf_prog_aux *aux, int x)
{
	return (int)aux->id + x;
}

BTF_KFUNCS_START(bad_implicit_ids)
BTF_ID_FLAGS(func, bpf_bad_aux_first, KF_IMPLICIT_ARGS)
BTF_KFUNCS_END(bad_implicit_ids)
