// A BPF program object for bpf/prune.h (tests/unit/bpf/prune_test.cc): calls of a weak kfunc
// the test kernels lack, each behind what the verifier prunes by: a 'const volatile' knob
// (.rodata, -G), LINUX_KERNEL_VERSION (.kconfig), bpf_ksym_exists() of another kfunc,
// a subprogram call, CO-RE existence checks; one call with no
// guard at all.
// Freestanding, as kfuncs.bpf.c. Program names are asserted by the test.
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;

#define SEC(name) __attribute__((section(name), used))
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))
#define __weak __attribute__((weak))
#define __noinline __attribute__((noinline))
#define bpf_ksym_exists(sym) (!!(sym))
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

extern void kfb_missing(u64 x) __ksym __weak;       // in no test kernel
extern void kfb_present(u64 x) __ksym __weak;       // in the test kernel
extern int LINUX_KERNEL_VERSION __kconfig;

const volatile int use_missing = 0;
const volatile u64 mode = 2;

char _license[] SEC("license") = "GPL";

SEC("syscall")
int by_knob(void *ctx) {
  if (use_missing)
    kfb_missing(1);
  return 0;
}

SEC("syscall")
int by_mode(void *ctx) {
  if (mode == 3)
    kfb_missing(2);
  return 0;
}

SEC("syscall")
int by_version(void *ctx) {
  if (LINUX_KERNEL_VERSION >= KERNEL_VERSION(7, 3, 0))
    kfb_missing(3);
  return 0;
}

SEC("syscall")
int by_other_ksym(void *ctx) {
  if (bpf_ksym_exists(kfb_present))
    kfb_present(4);
  else
    kfb_missing(4);
  return 0;
}

static __noinline int helper(int x) {
  if (use_missing)
    kfb_missing(5);
  return x + 1;
}

SEC("syscall")
int by_subprog(void *ctx) {
  return helper(5);
}

SEC("syscall")
int unguarded(void *ctx) {
  kfb_missing(6);
  return 0;
}

// CO-RE guards: libbpf writes 0 or 1 for the target (the test kernel has struct kfb_task with
// `pid` only, and enum kfb_e with KFB_A only).
struct kfb_task {
  int pid;
  int kfb_new_field;
} __attribute__((preserve_access_index));
enum kfb_e { KFB_A = 1, KFB_B = 2 };

SEC("syscall")
int by_field(void *ctx) {
  struct kfb_task *t = 0;
  if (__builtin_preserve_field_info(t->kfb_new_field, 2 /* BPF_FIELD_EXISTS */))
    kfb_missing(7);
  return 0;
}

SEC("syscall")
int by_enum(void *ctx) {
  if (__builtin_preserve_enum_value(*(typeof(enum kfb_e) *)KFB_B, 0 /* BPF_ENUMVAL_EXISTS */))
    kfb_missing(8);
  return 0;
}

SEC("syscall")
int by_type(void *ctx) {
  if (__builtin_preserve_type_info(*(struct kfb_task *)0, 0 /* BPF_TYPE_EXISTS */))
    kfb_missing(9);
  return 0;
}
