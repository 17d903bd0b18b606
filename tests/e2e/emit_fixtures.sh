#!/bin/bash
# emit on EVERY fixture variant gives exactly the tags, twins and trimmed protos of
# testdata/src/MANIFEST.md: per kfunc, the set of "<func> <decl tag> <component_idx>" and
# "<func> -> vlen=<n>" read from `kfuncbtf dump` of the output must equal the golden list below
# (clang, 64-bit), adjusted per variant: gcc has no source-form tags (it gets the scopes from
# testdata/src/scopes.txt) and no tag-only bpf_get_kmem_cache; 32-bit targets have other masks.
# Also pins the exact dump lines of one kfunc with a twin on clang-dwarf5.o.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o

# canon FILE: the name-based view of the emitted tags (ids differ between variants).
canon() {
  "$KFUNCBTF" dump "$1" | awk '
    /^\[[0-9]+\] / {
      id = substr($1, 2, length($1) - 2) + 0; kind[id] = $2
      name[id] = $3; gsub("\047", "", name[id])
      for (i = 4; i <= NF; i++) {
        if ($i ~ /^type_id=/) ty[id] = substr($i, 9) + 0
        if ($i ~ /^vlen=/) vlen[id] = substr($i, 6)
        if ($i ~ /^component_idx=/) ci[id] = substr($i, 15)
      }
    }
    END {
      for (id in kind) {
        if (kind[id] == "DECL_TAG" && kind[ty[id]] == "FUNC") print name[ty[id]], name[id], ci[id]
        if (kind[id] == "FUNC") print name[id], "->", "vlen=" vlen[ty[id]]
      }
    }' | grep -v 'ops__\|kf_check_size' | LC_ALL=C sort
}

cat > "$T/golden" <<'GOLDEN'
bpf_arena_alloc_pages -> vlen=5
bpf_arena_alloc_pages bpf_kfunc -1
bpf_arena_alloc_pages bpf_kfunc_arg:arena 1
bpf_arena_alloc_pages bpf_kfunc_arg:map 0
bpf_arena_alloc_pages bpf_kfunc_ret:arena -1
bpf_arena_copy -> vlen=3
bpf_arena_copy bpf_kfunc -1
bpf_arena_copy bpf_kfunc_arg:arena 0
bpf_arena_copy bpf_kfunc_arg:arena 1
bpf_arena_copy bpf_kfunc_arg:nullable 1
bpf_arena_free_pages -> vlen=3
bpf_arena_free_pages bpf_kfunc -1
bpf_arena_free_pages bpf_kfunc_arg:arena 1
bpf_arena_free_pages bpf_kfunc_arg:map 0
bpf_arena_memset -> vlen=3
bpf_arena_memset bpf_kfunc -1
bpf_arena_memset bpf_kfunc_arg:arena 0
bpf_arena_reserve_pages -> vlen=3
bpf_arena_reserve_pages bpf_kfunc -1
bpf_arena_reserve_pages bpf_kfunc_arg:arena 1
bpf_arena_reserve_pages bpf_kfunc_arg:map 0
bpf_cast_to_kern_ctx -> vlen=1
bpf_cast_to_kern_ctx bpf_fastcall -1
bpf_cast_to_kern_ctx bpf_kfunc -1
bpf_cgroup_ancestor -> vlen=2
bpf_cgroup_ancestor bpf_kfunc -1
bpf_cgroup_ancestor bpf_kfunc_arg:rcu 0
bpf_cgroup_ancestor bpf_kfunc_ret:acquire -1
bpf_cgroup_ancestor bpf_kfunc_ret:nullable -1
bpf_copy_from_user_str -> vlen=4
bpf_copy_from_user_str bpf_kfunc -1
bpf_copy_from_user_str bpf_kfunc_arg:ignore 2
bpf_copy_from_user_str bpf_kfunc_arg:size 1
bpf_dynptr_from_skb -> vlen=3
bpf_dynptr_from_skb bpf_kfunc -1
bpf_dynptr_from_skb bpf_kfunc_arg:uninit 2
bpf_dynptr_slice -> vlen=4
bpf_dynptr_slice bpf_kfunc -1
bpf_dynptr_slice bpf_kfunc_arg:const_size 3
bpf_dynptr_slice bpf_kfunc_arg:nullable 2
bpf_dynptr_slice bpf_kfunc_ret:nullable -1
bpf_emergency_restart -> vlen=1
bpf_emergency_restart bpf_kfunc -1
bpf_emergency_restart bpf_kfunc_arg:const 0
bpf_experimental_probe -> vlen=1
bpf_experimental_probe bpf_kfunc -1
bpf_experimental_probe bpf_kfunc_arg:const 0
bpf_fill_random -> vlen=2
bpf_fill_random bpf_kfunc -1
bpf_fill_random bpf_kfunc_arg:size 1
bpf_get_file_xattr -> vlen=3
bpf_get_file_xattr bpf_kfunc -1
bpf_get_file_xattr bpf_kfunc_arg:str 1
bpf_get_kmem_cache -> vlen=1
bpf_get_kmem_cache bpf_kfunc -1
bpf_iter_num_destroy -> vlen=1
bpf_iter_num_destroy bpf_fastcall -1
bpf_iter_num_destroy bpf_kfunc -1
bpf_iter_num_new -> vlen=3
bpf_iter_num_new bpf_fastcall -1
bpf_iter_num_new bpf_kfunc -1
bpf_iter_num_next -> vlen=1
bpf_iter_num_next bpf_fastcall -1
bpf_iter_num_next bpf_kfunc -1
bpf_iter_num_next bpf_kfunc_ret:nullable -1
bpf_iter_task_destroy -> vlen=1
bpf_iter_task_destroy bpf_kfunc -1
bpf_iter_task_new -> vlen=3
bpf_iter_task_new bpf_kfunc -1
bpf_iter_task_new bpf_kfunc_arg:nullable 1
bpf_iter_task_next -> vlen=1
bpf_iter_task_next bpf_kfunc -1
bpf_iter_task_next bpf_kfunc_ret:nullable -1
bpf_local_irq_restore -> vlen=1
bpf_local_irq_restore bpf_kfunc -1
bpf_local_irq_restore bpf_kfunc_arg:irq_flag 0
bpf_local_irq_save -> vlen=1
bpf_local_irq_save bpf_kfunc -1
bpf_local_irq_save bpf_kfunc_arg:irq_flag 0
bpf_obj_drop -> vlen=1
bpf_obj_drop bpf_kfunc -1
bpf_obj_drop bpf_kfunc_arg:alloc 0
bpf_obj_drop bpf_kfunc_arg:release 0
bpf_obj_drop_impl -> vlen=2
bpf_obj_drop_impl bpf_kfunc_arg:alloc 0
bpf_obj_drop_impl bpf_kfunc_arg:implicit 1
bpf_obj_drop_impl bpf_kfunc_arg:release 0
bpf_obj_new -> vlen=1
bpf_obj_new bpf_kfunc -1
bpf_obj_new bpf_kfunc_arg:const 0
bpf_obj_new bpf_kfunc_ret:acquire -1
bpf_obj_new bpf_kfunc_ret:nullable -1
bpf_obj_new_impl -> vlen=2
bpf_obj_new_impl bpf_kfunc -1
bpf_obj_new_impl bpf_kfunc_arg:const 0
bpf_obj_new_impl bpf_kfunc_arg:ignore 1
bpf_obj_new_impl bpf_kfunc_ret:acquire -1
bpf_obj_new_impl bpf_kfunc_ret:nullable -1
bpf_ops_log -> vlen=1
bpf_ops_log bpf_kfunc -1
bpf_ops_log bpf_kfunc_arg:const 0
bpf_ops_log bpf_kfunc_scope:hid_bpf_ops.hid_hw_request -1
bpf_ops_log bpf_kfunc_scope:hid_bpf_ops:0x8 -1
bpf_ops_log bpf_kfunc_scope:sched_ext_ops.exit -1
bpf_ops_log bpf_kfunc_scope:sched_ext_ops:0x200 -1
bpf_path_d_path -> vlen=3
bpf_path_d_path bpf_kfunc -1
bpf_path_d_path bpf_kfunc_arg:size 2
bpf_path_d_path bpf_kfunc_arg:trusted 0
bpf_put_file -> vlen=1
bpf_put_file bpf_kfunc -1
bpf_put_file bpf_kfunc_arg:release 0
bpf_rdonly_cast -> vlen=2
bpf_rdonly_cast bpf_fastcall -1
bpf_rdonly_cast bpf_kfunc -1
bpf_rdonly_cast bpf_kfunc_arg:const 1
bpf_rdonly_cast bpf_kfunc_arg:ignore 0
bpf_refcount_acquire -> vlen=1
bpf_refcount_acquire bpf_kfunc -1
bpf_refcount_acquire bpf_kfunc_arg:rcu 0
bpf_refcount_acquire bpf_kfunc_arg:refcounted_kptr 0
bpf_refcount_acquire bpf_kfunc_ret:acquire -1
bpf_refcount_acquire bpf_kfunc_ret:nullable -1
bpf_refcount_acquire_impl -> vlen=2
bpf_refcount_acquire_impl bpf_kfunc_arg:implicit 1
bpf_refcount_acquire_impl bpf_kfunc_arg:rcu 0
bpf_refcount_acquire_impl bpf_kfunc_arg:refcounted_kptr 0
bpf_refcount_acquire_impl bpf_kfunc_ret:acquire -1
bpf_refcount_acquire_impl bpf_kfunc_ret:nullable -1
bpf_rstat_updated -> vlen=2
bpf_sock_destroy -> vlen=1
bpf_sock_destroy bpf_kfunc -1
bpf_sock_destroy bpf_kfunc_arg:nullable 0
bpf_stream_printk_prog -> vlen=5
bpf_stream_printk_prog bpf_kfunc -1
bpf_stream_printk_prog bpf_kfunc_arg:prog 4
bpf_stream_printk_prog bpf_kfunc_arg:size 3
bpf_stream_printk_prog bpf_kfunc_arg:str 1
bpf_task_acquire -> vlen=1
bpf_task_acquire bpf_kfunc -1
bpf_task_acquire bpf_kfunc_arg:rcu 0
bpf_task_acquire bpf_kfunc_ret:acquire -1
bpf_task_acquire bpf_kfunc_ret:nullable -1
bpf_task_release -> vlen=1
bpf_task_release bpf_kfunc -1
bpf_task_release bpf_kfunc_arg:release 0
bpf_task_under_cgroup -> vlen=2
bpf_task_under_cgroup bpf_kfunc -1
bpf_task_under_cgroup bpf_kfunc_arg:rcu 0
bpf_task_under_cgroup bpf_kfunc_arg:rcu 1
bpf_task_work_schedule_resume -> vlen=4
bpf_task_work_schedule_resume bpf_kfunc -1
bpf_task_work_schedule_resume bpf_kfunc_arg:map 2
bpf_task_work_schedule_resume_impl -> vlen=5
bpf_task_work_schedule_resume_impl bpf_kfunc_arg:implicit 4
bpf_task_work_schedule_resume_impl bpf_kfunc_arg:map 2
bpf_task_work_schedule_signal -> vlen=4
bpf_task_work_schedule_signal bpf_kfunc -1
bpf_task_work_schedule_signal bpf_kfunc_arg:map 2
bpf_task_work_schedule_signal_impl -> vlen=5
bpf_task_work_schedule_signal_impl bpf_kfunc_arg:implicit 4
bpf_task_work_schedule_signal_impl bpf_kfunc_arg:map 2
bpf_wait_flag -> vlen=2
bpf_wait_flag bpf_kfunc -1
bpf_wait_flag bpf_kfunc_arg:const 1
bpf_wait_flag bpf_kfunc_arg:nullable 0
bpf_wq_set_callback -> vlen=3
bpf_wq_set_callback bpf_kfunc -1
bpf_wq_set_callback_impl -> vlen=4
bpf_wq_set_callback_impl bpf_kfunc_arg:implicit 3
hid_bpf_get_data -> vlen=3
hid_bpf_get_data bpf_kfunc -1
hid_bpf_get_data bpf_kfunc_ret:nullable -1
hid_bpf_get_data bpf_kfunc_scope:hid_bpf_ops.hid_device_event -1
hid_bpf_get_data bpf_kfunc_scope:hid_bpf_ops.hid_rdesc_fixup -1
hid_bpf_get_data bpf_kfunc_scope:hid_bpf_ops:0x6 -1
scx_bpf_create_dsq -> vlen=2
scx_bpf_create_dsq bpf_kfunc -1
scx_bpf_create_dsq bpf_kfunc_scope:sched_ext_ops.init -1
scx_bpf_create_dsq bpf_kfunc_scope:sched_ext_ops.init_task -1
scx_bpf_create_dsq bpf_kfunc_scope:sched_ext_ops:0x180 -1
scx_bpf_create_dsq_impl -> vlen=3
scx_bpf_create_dsq_impl bpf_kfunc_arg:implicit 2
scx_bpf_create_dsq_impl bpf_kfunc_scope:sched_ext_ops.init -1
scx_bpf_create_dsq_impl bpf_kfunc_scope:sched_ext_ops.init_task -1
scx_bpf_dispatch_nr_slots -> vlen=0
scx_bpf_dispatch_nr_slots bpf_kfunc -1
scx_bpf_dispatch_nr_slots bpf_kfunc_scope:sched_ext_ops.dispatch -1
scx_bpf_dispatch_nr_slots bpf_kfunc_scope:sched_ext_ops:0x8 -1
scx_bpf_dsq_insert -> vlen=4
scx_bpf_dsq_insert bpf_kfunc -1
scx_bpf_dsq_insert bpf_kfunc_arg:rcu 0
scx_bpf_dsq_insert bpf_kfunc_scope:sched_ext_ops.dispatch -1
scx_bpf_dsq_insert bpf_kfunc_scope:sched_ext_ops.enqueue -1
scx_bpf_dsq_insert bpf_kfunc_scope:sched_ext_ops.select_cpu -1
scx_bpf_dsq_insert bpf_kfunc_scope:sched_ext_ops:0xb -1
scx_bpf_dsq_move_to_local -> vlen=1
scx_bpf_dsq_move_to_local bpf_kfunc -1
scx_bpf_dsq_move_to_local bpf_kfunc_scope:sched_ext_ops.dispatch -1
scx_bpf_dsq_move_to_local bpf_kfunc_scope:sched_ext_ops:0x8 -1
scx_bpf_reenqueue_local -> vlen=0
scx_bpf_reenqueue_local bpf_kfunc -1
scx_bpf_reenqueue_local bpf_kfunc_calls:sched_ext_ops.enqueue -1
scx_bpf_reenqueue_local bpf_kfunc_calls:sched_ext_ops:0x2 -1
scx_bpf_reenqueue_local bpf_kfunc_scope:sched_ext_ops.cpu_release -1
scx_bpf_reenqueue_local bpf_kfunc_scope:sched_ext_ops:0x40 -1
GOLDEN

n=0
for obj in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.{o,elf} "$KFB_FIXTURES"/clang-{powerpc64,i386,powerpc}-dwarf5.{o,elf}; do
  [ -f "$obj" ] || die "missing fixture $obj"
  v=$(basename "$obj")
  extra=()
  want=$T/want.$v
  cp "$T/golden" "$want"
  case "$v" in
    gcc-*)
      extra=(--scopes "$KFB_SRC/testdata/src/scopes.txt")
      grep -v ' bpf_kfunc_\(scope\|calls\):[a-z_]*\.' "$want" | grep -v '^bpf_get_kmem_cache bpf_kfunc -1$' > "$want.tmp"
      mv "$want.tmp" "$want" ;;
  esac
  case "$v" in
    clang-i386-*|clang-powerpc-*)  # 4-byte pointers: the u64 dispatch_flags takes two slots
      sed -i -e 's/sched_ext_ops:0x40 /sched_ext_ops:0x80 /; s/sched_ext_ops:0x180 /sched_ext_ops:0x300 /' \
        -e 's/sched_ext_ops:0x200 /sched_ext_ops:0x400 /; s/hid_bpf_ops:0x6 /hid_bpf_ops:0xc /' \
        -e 's/hid_bpf_ops:0x8 /hid_bpf_ops:0x10 /' "$want"
      LC_ALL=C sort -o "$want" "$want" ;;
  esac
  expect_exit 0 "$KFUNCBTF" emit "$obj" "${extra[@]}" -o "$T/$v.btf"
  expect_grep "45 processed, 0 without a FUNC" "$T/out"
  expect_grep "6 new _impl, 1 reused" "$T/out"
  canon "$T/$v.btf" > "$T/got.$v"
  diff -u "$want" "$T/got.$v" || die "$v: emitted tags differ from MANIFEST (diff above)"
  n=$((n + 1))
done
expect_eq "$n" 14

# Exact records on clang-dwarf5.o: bpf_obj_drop's new twin, trimmed proto and per-arg tags.
"$KFUNCBTF" dump "$T/clang-dwarf5.o.btf" > "$T/dump"
id=$(grep -o "^\[[0-9]*\] FUNC 'bpf_obj_drop' type_id=[0-9]*" "$T/dump" | sed 's/^\[\([0-9]*\)\].*/\1/')
impl=$(grep -o "^\[[0-9]*\] FUNC 'bpf_obj_drop_impl'" "$T/dump" | sed 's/^\[\([0-9]*\)\].*/\1/')
[ -n "$id" ] && [ -n "$impl" ] || die "bpf_obj_drop or its twin missing"
awk -v a="$impl" '/^\[/ { id = substr($1, 2, length($1) - 2) + 0 } id >= a && id < a + 7' "$T/dump" > "$T/twin"
orig=$(grep "^\[$impl\] FUNC" "$T/dump" | sed 's/.*type_id=\([0-9]*\).*/\1/')
cat > "$T/twin.want" <<WANT
[$impl] FUNC 'bpf_obj_drop_impl' type_id=$orig linkage=static
[$((impl + 1))] FUNC_PROTO '(anon)' ret_type_id=0 vlen=1
	'p__alloc' type_id=$(grep -A1 "^\[$orig\] FUNC_PROTO" "$T/dump" | sed -n "2s/.*type_id=//p")
[$((impl + 2))] DECL_TAG 'bpf_kfunc_arg:release' type_id=$id component_idx=0
[$((impl + 3))] DECL_TAG 'bpf_kfunc_arg:alloc' type_id=$id component_idx=0
[$((impl + 4))] DECL_TAG 'bpf_kfunc_arg:release' type_id=$impl component_idx=0
[$((impl + 5))] DECL_TAG 'bpf_kfunc_arg:alloc' type_id=$impl component_idx=0
[$((impl + 6))] DECL_TAG 'bpf_kfunc_arg:implicit' type_id=$impl component_idx=1
WANT
diff -u "$T/twin.want" "$T/twin" || die "bpf_obj_drop records differ"
expect_grep "[$id] FUNC 'bpf_obj_drop' type_id=$((impl + 1)) linkage=static" "$T/dump"
