// SPDX-License-Identifier: GPL-2.0
/* bad-implicit-not-pointer.o: an implicit argument (by the __magic suffix) that is a u64. */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_bad_magic_scalar(int x, u64 cookie__magic)
{
	return x + (int)cookie__magic;
}

BTF_KFUNCS_START(bad_implicit_ids)
BTF_ID_FLAGS(func, bpf_bad_magic_scalar)
BTF_KFUNCS_END(bad_implicit_ids)
