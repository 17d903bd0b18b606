// SPDX-License-Identifier: GPL-2.0
/* bad-no-btf-func.o: bpf_dropped_kfunc has a DWARF definition but no BTF FUNC, as when
 * pahole drops a function. The object is compiled normally; its .BTF is encoded from a
 * second build of this file with -DKFB_DROP (testdata/CMakeLists.txt). */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_kept_kfunc(int x)
{
	return x * 7;
}

#ifndef KFB_DROP
__bpf_kfunc int bpf_dropped_kfunc(int x, u64 y)
{
	return x + (int)y;
}
#endif

BTF_KFUNCS_START(bad_dropped_ids)
BTF_ID_FLAGS(func, bpf_kept_kfunc)
BTF_ID_FLAGS(func, bpf_dropped_kfunc)
BTF_KFUNCS_END(bad_dropped_ids)
