// SPDX-License-Identifier: GPL-2.0
/* bad-map-on-int.o: the __map suffix on an int argument (it needs a pointer). */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_bad_map_int(int m__map)
{
	return m__map * 3;
}

BTF_KFUNCS_START(bad_map_ids)
BTF_ID_FLAGS(func, bpf_bad_map_int)
BTF_KFUNCS_END(bad_map_ids)
