// A BPF program object for lib/bpf (tests/unit/bpf): extern kfuncs strong and weak, a flavoured
// extern, a ksym variable, a bpf_ksym_exists guard, struct_ops programs in a .struct_ops.link
// map, syscall, sleepable fentry and tc programs, and a .text subprogram that two programs call.
// Freestanding (no vmlinux.h, no libbpf headers): the macros below are libbpf's spellings.
// Line and column numbers here are asserted by tests/unit/bpf/object_test.cc: edit with care.
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;

#define SEC(name) __attribute__((section(name), used))
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))
#define __noinline __attribute__((noinline))
#define bpf_ksym_exists(sym) (!!(sym))

struct task_struct;

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern int scx_bpf_dsq_move_to_local___v2(u64 dsq_id, u64 enq_flags) __ksym __weak;
extern void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym __weak;
extern s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
extern const int bpf_prog_active __ksym;

char _license[] SEC("license") = "GPL";

// A locally declared struct_ops type, as a scheduler's own header spells sched_ext_ops.
struct sched_ext_ops {
  s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
  void (*enqueue)(struct task_struct *p, u64 enq_flags);
  void (*dispatch)(s32 cpu, struct task_struct *prev);
  s32 (*init)(void);
  u32 flags;
  char name[16];
};

static __noinline int put_task(s32 pid) {
  struct task_struct *p = bpf_task_from_pid(pid);
  if (!p)
    return 0;
  bpf_task_release(p);
  return 1;
}

static __noinline int release_pid(s32 pid) {
  return put_task(pid) + 1;
}

SEC("struct_ops/fx_enqueue")
void fx_enqueue(u64 *ctx) {
  if (bpf_ksym_exists(scx_bpf_kick_cpu))
    scx_bpf_kick_cpu((s32)ctx[1], 0);
}

SEC("struct_ops/fx_dispatch")
void fx_dispatch(u64 *ctx) {
  scx_bpf_dsq_move_to_local___v2(ctx[0], 0);
}

SEC("struct_ops.s/fx_init")
s32 fx_init(u64 *ctx) {
  return scx_bpf_create_dsq(0, -1);
}

SEC(".struct_ops.link")
struct sched_ext_ops fx_ops = {
  .enqueue = (void *)fx_enqueue,
  .dispatch = (void *)fx_dispatch,
  .init = (void *)fx_init,
  .name = "fx",
};

SEC("syscall")
int fx_syscall(void *ctx) {
  return release_pid(1);
}

SEC("fentry.s/do_sys_open")
int fx_fentry(u64 *ctx) {
  return bpf_prog_active;
}

SEC("tc")
int fx_tc(void *skb) {
  return release_pid(2);
}
