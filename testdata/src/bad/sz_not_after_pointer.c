// SPDX-License-Identifier: GPL-2.0
/* bad-sz-not-after-pointer.o: a __sz argument whose previous argument is an int. */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_bad_size(int fd, u32 len__sz)
{
	return fd + (int)len__sz;
}

BTF_KFUNCS_START(bad_size_ids)
BTF_ID_FLAGS(func, bpf_bad_size)
BTF_KFUNCS_END(bad_size_ids)
