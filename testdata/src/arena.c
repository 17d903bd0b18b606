// SPDX-License-Identifier: GPL-2.0
/*
 * arena.c - arena kfuncs (kernel/bpf/arena.c in spirit): KF_ARENA_RET/ARG1/ARG2, __map,
 * __arena and __arena__nullable suffixes, and a const-qualified pointer parameter.
 *
 * Unlike upstream, bpf_arena_alloc_pages/free_pages take `addr`/`ptr` without `__ign`:
 * SPEC.md 4 says `ignore` cannot be combined with another flag, and KF_ARENA_ARG2 would add
 * `arena` to that argument (see MANIFEST.md, "Deliberate differences from upstream").
 */
#include "kfunc.h"

__bpf_kfunc void *bpf_arena_alloc_pages(void *p__map, void *addr, u32 page_cnt, int node_id, u64 flags)
{
	struct bpf_map *map = p__map;

	if (page_cnt > map->max_entries || node_id < -1)
		return NULL;
	return (char *)addr + flags;
}

__bpf_kfunc void bpf_arena_free_pages(void *p__map, void *ptr, u32 page_cnt)
{
	struct bpf_map *map = p__map;

	map->value_size = page_cnt + (ptr != NULL);
}

__bpf_kfunc int bpf_arena_reserve_pages(void *p__map, void *ptr__arena, u32 page_cnt)
{
	struct bpf_map *map = p__map;

	return ptr__arena && page_cnt <= map->max_entries ? 0 : -12;
}

__bpf_kfunc int bpf_arena_copy(void *dst__arena, const void *src__arena__nullable, u32 len)
{
	u32 i;

	for (i = 0; src__arena__nullable && i < len; i++)
		((u8 *)dst__arena)[i] = ((const u8 *)src__arena__nullable)[i];
	return (int)i;
}

__bpf_kfunc void bpf_arena_memset(void *const ptr, int val, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		((volatile u8 *)ptr)[i] = (u8)val;
}

BTF_KFUNCS_START(arena_kfuncs)
BTF_ID_FLAGS(func, bpf_arena_alloc_pages, KF_TRUSTED_ARGS | KF_SLEEPABLE | KF_ARENA_RET | KF_ARENA_ARG2)
BTF_ID_FLAGS(func, bpf_arena_free_pages, KF_TRUSTED_ARGS | KF_SLEEPABLE | KF_ARENA_ARG2)
BTF_ID_FLAGS(func, bpf_arena_reserve_pages, KF_TRUSTED_ARGS | KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_arena_copy)
BTF_ID_FLAGS(func, bpf_arena_memset, KF_ARENA_ARG1)
BTF_KFUNCS_END(arena_kfuncs)
