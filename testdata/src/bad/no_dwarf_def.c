// SPDX-License-Identifier: GPL-2.0
/* bad-no-dwarf-def.o: a set entry (bpf_missing_kfunc) that nothing defines: no DWARF
 * definition and no BTF FUNC. BTF_ID_FLAGS only makes a name, so nothing refers to it. */
#include "../kfunc.h"

volatile u64 kfb_sink;

__bpf_kfunc int bpf_present_kfunc(int x)
{
	return x * 5;
}

BTF_KFUNCS_START(bad_missing_ids)
BTF_ID_FLAGS(func, bpf_present_kfunc)
BTF_ID_FLAGS(func, bpf_missing_kfunc, KF_SLEEPABLE)
BTF_KFUNCS_END(bad_missing_ids)
