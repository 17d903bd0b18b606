/* /init of the kernel-build check's initramfs (tests/bench/kernel_build.sh boot): on the kernel
 * it boots, without libbpf, it prints one verdict line per check and powers off:
 *
 *   KFB check <name> ok|FAIL <detail>
 *   KFB tags <prefix> <count>             (DECL_TAGs of /sys/kernel/btf/vmlinux by name prefix)
 *   KFB tag <kfunc> <tag> <component_idx> (every extension tag on the probed kfuncs)
 *   KFB done
 *
 * Checks: the kernel log has no "Failed to register kfunc" and no BTF error; vmlinux BTF is
 * sorted by name (the kernel's kfunc lookup is a binary search); and BPF_PROG_TYPE_SYSCALL
 * programs calling kfuncs pass the verifier:
 *   implicit  bpf_stream_print_stack(stream_id): KF_IMPLICIT_ARGS, its BPF-visible prototype
 *             lost `struct bpf_prog_aux *aux`, which the verifier supplies;
 *   impl      bpf_obj_new_impl(local_type_id__k, meta__ign) + bpf_obj_drop_impl(p__alloc,
 *             meta__ign): the legacy _impl twins called directly (a local type in program BTF);
 *   argflags  bpf_strlen(s__ign): a kfunc with a per-argument flag;
 *   negative  bpf_stream_print_stack with R1 never written: must be rejected.
 * Built static (gcc -static) from the system's <linux/bpf.h>. */
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf_btf_load.h"

/* One BTF as /sys/kernel/btf/ shows it: vmlinux, or a module's split BTF on vmlinux as base
 * (ids first..first+n-1, string offsets past the base's strings). */
struct btf {
  unsigned char *data;
  size_t size;
  uint32_t *offs;  /* offs[id - first]: byte offset of type id in data */
  uint32_t first, n;
  const char *strs;
  uint32_t str_len;
  const struct btf *base;
};
static struct btf vml, kmod;
static int failures;

static void verdict(const char *name, int ok, const char *detail) {
  printf("KFB check %s %s %s\n", name, ok ? "ok" : "FAIL", detail);
  if (!ok) failures++;
}

static uint32_t u32of(const struct btf *b, size_t off) {
  uint32_t v;
  memcpy(&v, b->data + off, 4);
  return v;
}

/* Bytes a type's record takes after its 12-byte header, for the kinds vmlinux has. */
static int extra_size(uint32_t info, uint32_t *out) {
  uint32_t kind = (info >> 24) & 0x7f, vlen = info & 0xffffff;  /* 7.x widths; 6.x keeps the extra bits 0 */
  switch (kind) {
    case 1: case 17: *out = 4; return 0;                        /* INT, DECL_TAG */
    case 3: *out = 12; return 0;                                /* ARRAY */
    case 4: case 5: *out = 12 * vlen; return 0;                 /* STRUCT, UNION */
    case 6: case 13: *out = 8 * vlen; return 0;                 /* ENUM, FUNC_PROTO */
    case 14: *out = 4; return 0;                                /* VAR */
    case 15: *out = 12 * vlen; return 0;                        /* DATASEC */
    case 19: *out = 12 * vlen; return 0;                        /* ENUM64 */
    case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18:
      *out = 0; return 0;
    default: return -1;
  }
}

/* The table and the byte offset of type `id`, which may live in the base. */
static const struct btf *owner_of(const struct btf *b, uint32_t id, size_t *off) {
  while (b->base && id < b->first) b = b->base;
  *off = b->offs[id - b->first];
  return b;
}
static uint32_t field_of(const struct btf *b, uint32_t id, unsigned at) {
  size_t off;
  const struct btf *o = owner_of(b, id, &off);
  return u32of(o, off + at);
}
static const char *str_of(const struct btf *b, uint32_t no) {
  if (b->base && no < b->base->str_len) return str_of(b->base, no);
  if (b->base) no -= b->base->str_len;
  return no < b->str_len ? b->strs + no : "";
}
static const char *name_of(const struct btf *b, uint32_t id) { return str_of(b, field_of(b, id, 0)); }
static uint32_t kind_of(const struct btf *b, uint32_t id) { return (field_of(b, id, 4) >> 24) & 0x7f; }
static uint32_t last_id(const struct btf *b) { return b->first + b->n - 1; }

static int read_btf(const char *path, const struct btf *base, struct btf *b, char *why, size_t whylen) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { snprintf(why, whylen, "cannot open %s", path); return -1; }
  size_t cap = 64 << 20;
  b->data = malloc(cap);
  ssize_t r;
  while ((r = read(fd, b->data + b->size, cap - b->size)) > 0) b->size += (size_t)r;
  close(fd);
  if (b->size < 24 || b->data[0] != 0x9f || b->data[1] != 0xeb) {
    snprintf(why, whylen, "%s: not BTF (%zu bytes)", path, b->size);
    return -1;
  }
  uint32_t hdr = u32of(b, 4), toff = u32of(b, 8), tlen = u32of(b, 12), soff = u32of(b, 16);
  b->base = base;
  b->first = base ? last_id(base) + 1 : 1;
  b->str_len = u32of(b, 20);
  b->strs = (const char *)b->data + hdr + soff;
  b->offs = calloc(tlen / 12 + 2, sizeof *b->offs);
  size_t tstart = hdr + toff, tend = tstart + tlen;
  for (size_t p = tstart; p + 12 <= tend;) {
    uint32_t extra;
    if (extra_size(u32of(b, p + 4), &extra)) {
      snprintf(why, whylen, "%s: unknown kind at type %u", path, b->first + b->n);
      return -1;
    }
    b->offs[b->n++] = (uint32_t)p;
    p += 12 + extra;
  }
  return 0;
}

/* FUNC `name` among b's own types (not its base's), 0 if none. */
static uint32_t find_in(const struct btf *b, const char *name) {
  for (uint32_t id = b->first; id <= last_id(b); id++)
    if (kind_of(b, id) == 12 && strcmp(name_of(b, id), name) == 0) return id;
  return 0;
}
static uint32_t find_func(const char *name) { return find_in(&vml, name); }

/* The parameter count of FUNC `fn`'s prototype. */
static uint32_t params_of(const struct btf *b, uint32_t fn) {
  return field_of(b, field_of(b, fn, 8), 4) & 0xffff;
}

static void check_kernel_log(void) {
  static char buf[1 << 20];
  int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf - 1);
  if (n < 0) { verdict("kernel-log", 0, "klogctl failed"); return; }
  buf[n] = 0;
  int bad = 0;
  for (char *line = buf, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    if (strstr(line, "Failed to register kfunc") || strstr(line, "BPF: ") ||
        strstr(line, "failed to validate") || strstr(line, "btf_vmlinux is malformed") ||
        (strstr(line, "BTF") && (strstr(line, "fail") || strstr(line, "error")))) {
      printf("KFB log %s\n", line);
      bad++;
    }
  }
  char d[64];
  snprintf(d, sizeof d, "%d BTF or kfunc error lines", bad);
  verdict("kernel-log", bad == 0, d);
}

static void check_sorted(void) {
  /* As resolve_btfids 7.x sorts: named types in strcmp order after the anonymous ones. */
  uint32_t bad = 0, first = 0;
  for (uint32_t id = 2; id <= last_id(&vml); id++) {
    const char *a = name_of(&vml, id - 1), *b = name_of(&vml, id);
    if (*a && strcmp(a, b) > 0) { if (!bad) first = id; bad++; }
  }
  char d[96];
  snprintf(d, sizeof d, "%u types, %u out of order (first at id %u)", vml.n, bad, first);
  verdict("btf-sorted", bad == 0, d);
}

static void count_tags(void) {
  static const char *prefixes[] = {"bpf_kfunc", "bpf_fastcall", "bpf_kfunc_arg:", "bpf_kfunc_ret:",
                                   "bpf_kfunc_scope:", "bpf_kfunc_calls:"};
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
    size_t n = 0, len = strlen(prefixes[i]);
    int exact = prefixes[i][len - 1] != ':';
    for (uint32_t id = 1; id <= last_id(&vml); id++) {
      if (kind_of(&vml, id) != 17) continue;
      const char *nm = name_of(&vml, id);
      if (exact ? strcmp(nm, prefixes[i]) == 0 : strncmp(nm, prefixes[i], len) == 0) n++;
    }
    printf("KFB tags %s %zu\n", prefixes[i], n);
  }
}

/* Every bpf_kfunc_* extension tag of b whose target is FUNC `fn`. */
static void print_tags_of(const struct btf *b, const char *fn) {
  uint32_t f = find_in(b, fn);
  for (uint32_t id = b->first; id <= last_id(b) && f; id++) {
    if (kind_of(b, id) != 17) continue;
    const char *nm = name_of(b, id);
    if (field_of(b, id, 8) != f || strncmp(nm, "bpf_kfunc_", 10) != 0) continue;
    printf("KFB tag %s %s %d\n", fn, nm, (int)field_of(b, id, 12));
  }
}

static long sys_bpf(int cmd, union bpf_attr *attr) {
  return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_DW(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define KCALL(id) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, (int32_t)(id))
#define KCALL_MOD(id) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 1, (int32_t)(id))
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* fd_array for kfunc calls into a module: a call's off is the index of the module's BTF fd. */
static int prog_fds[2] = {-1, -1};

static void load_prog_expect(const char *name, struct bpf_insn *insns, unsigned n, int btf_fd,
                             const char *what, int want_ok);
static void load_prog(const char *name, struct bpf_insn *insns, unsigned n, int btf_fd,
                      const char *what) {
  load_prog_expect(name, insns, n, btf_fd, what, 1);
}

static void load_prog_expect(const char *name, struct bpf_insn *insns, unsigned n, int btf_fd,
                             const char *what, int want_ok) {
  static char log[1 << 20];
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_SYSCALL;
  a.insns = (uint64_t)(uintptr_t)insns;
  a.insn_cnt = n;
  a.license = (uint64_t)(uintptr_t)"GPL";
  a.log_level = 1;
  a.log_buf = (uint64_t)(uintptr_t)log;
  a.log_size = sizeof log;
  a.prog_flags = BPF_F_SLEEPABLE;
  if (prog_fds[1] >= 0) a.fd_array = (uint64_t)(uintptr_t)prog_fds;
  struct bpf_func_info fi = {.insn_off = 0, .type_id = 4};
  if (btf_fd >= 0) {
    a.prog_btf_fd = (uint32_t)btf_fd;
    a.func_info = (uint64_t)(uintptr_t)&fi;
    a.func_info_cnt = 1;
    a.func_info_rec_size = sizeof fi;
  }
  log[0] = 0;
  long fd = sys_bpf(BPF_PROG_LOAD, &a);
  char d[512];
  if (fd >= 0) {
    snprintf(d, sizeof d, "%s: verifier accepted %s", want_ok ? "as it must" : "WRONGLY", what);
    close((int)fd);
  } else {
    /* the verifier's reason: its last non-empty log line that is not the "processed" summary */
    int err = errno;
    const char *reason = "";
    for (char *line = log, *next; line && *line; line = next) {
      next = strchr(line, '\n');
      if (next) *next++ = 0;
      if (*line && strncmp(line, "processed ", 10) != 0) reason = line;
    }
    snprintf(d, sizeof d, "%s rejected: %s: %s", what, kfb_errno_name(err), reason);
  }
  verdict(name, (fd >= 0) == want_ok, d);
}

static int major;  /* of the running kernel: the 7.3 probes are skipped before 7 */

static int missing(const char *check, const char *fn) {
  if (find_func(fn)) return 0;
  if (major < 7) {
    printf("KFB skip %s no %s before Linux 7\n", check, fn);
    return 1;
  }
  char d[128];
  snprintf(d, sizeof d, "no FUNC '%s' in vmlinux BTF", fn);
  verdict(check, 0, d);
  return 1;
}

static void check_programs(void) {
  if (!missing("implicit", "bpf_stream_print_stack")) {
    struct bpf_insn p[] = {MOV_IMM(1, 2), KCALL(find_func("bpf_stream_print_stack")), MOV_IMM(0, 0),
                           EXIT()};
    load_prog("implicit", p, 4, -1, "bpf_stream_print_stack(2)");
  }
  if (!missing("impl", "bpf_obj_new_impl") && !missing("impl", "bpf_obj_drop_impl")) {
    /* Program BTF: [1] int, [2] struct foo { int a; } -- the local type bpf_obj_new_impl makes. */
    /* [3] int (void) and [4] FUNC 'prog': the verifier reads program BTF only with func_info. */
    static const char str[] = "\0int\0foo\0a\0prog";
    uint32_t types[] = {1, 1u << 24, 4, 0x01000020,   /* INT 'int' size 4, signed 32 bits */
                        5, (4u << 24) | 1, 4,          /* STRUCT 'foo' size 4, one member */
                        9, 1, 0,                       /* 'a': int at bit 0 */
                        0, 13u << 24, 1,               /* FUNC_PROTO int (void) */
                        11, (12u << 24) | 1, 3};       /* FUNC 'prog', global */
    unsigned char blob[24 + sizeof types + sizeof str];
    uint32_t hdr[6] = {0x0001eb9f, 24, 0, sizeof types, sizeof types, sizeof str};
    memcpy(blob, hdr, 24);
    memcpy(blob + 24, types, sizeof types);
    memcpy(blob + 24 + sizeof types, str, sizeof str);
    int btf = kfb_btf_load(blob, sizeof blob, 0, NULL, 0);
    if (btf < 0) {
      verdict("impl", 0, "program BTF rejected");
    } else {
      struct bpf_insn p[] = {MOV_IMM(1, 2), MOV_IMM(2, 0), KCALL(find_func("bpf_obj_new_impl")),
                             JEQ_IMM(0, 0, 3), MOV_REG(1, 0), MOV_IMM(2, 0),
                             KCALL(find_func("bpf_obj_drop_impl")), MOV_IMM(0, 0), EXIT()};
      load_prog("impl", p, 9, btf, "bpf_obj_new_impl(2, NULL) + bpf_obj_drop_impl(p, NULL)");
      close(btf);
    }
  }
  if (!missing("argflags", "bpf_strlen")) {
    struct bpf_insn p[] = {ST_DW(10, -8, 0x00636261), MOV_REG(1, 10), ADD_IMM(1, -8),
                           KCALL(find_func("bpf_strlen")), MOV_IMM(0, 0), EXIT()};
    load_prog("argflags", p, 6, -1, "bpf_strlen(\"abc\")");
  }
  if (!missing("negative", "bpf_stream_print_stack")) {
    /* The checks have teeth: the implicit-args call with R1 (stream_id) never written. */
    struct bpf_insn q[] = {KCALL(find_func("bpf_stream_print_stack")), MOV_IMM(0, 0), EXIT()};
    load_prog_expect("negative", q, 3, -1, "bpf_stream_print_stack(<R1 uninitialized>)", 0);
  }
}

/* The fd of the loaded BTF object named `name` (a module's), or -1. */
static int btf_fd_named(const char *name) {
  union bpf_attr a;
  uint32_t id = 0;
  for (;;) {
    memset(&a, 0, sizeof a);
    a.start_id = id;
    if (sys_bpf(BPF_BTF_GET_NEXT_ID, &a)) return -1;
    id = a.next_id;
    memset(&a, 0, sizeof a);
    a.btf_id = id;
    int fd = (int)sys_bpf(BPF_BTF_GET_FD_BY_ID, &a);
    if (fd < 0) continue;
    char nm[64] = "";
    struct bpf_btf_info info;
    memset(&info, 0, sizeof info);
    info.name = (uint64_t)(uintptr_t)nm;
    info.name_len = sizeof nm;
    memset(&a, 0, sizeof a);
    a.info.bpf_fd = (uint32_t)fd;
    a.info.info_len = sizeof info;
    a.info.info = (uint64_t)(uintptr_t)&info;
    if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 && strcmp(nm, name) == 0) return fd;
    close(fd);
  }
}

/* The out-of-tree module /kfb_kmod.ko: it loads, its split BTF reads on vmlinux's, and programs
 * call its kfuncs. kfb_kmod_add(a, b, aux__implicit): with an _impl twin (kfuncbtf's, or 7.3's
 * resolve_btfids for KF_IMPLICIT_ARGS) BPF sees two parameters and a two-argument call must pass;
 * without one (6.x built plainly) the call leaves R3 unwritten and must be rejected. */
static void check_module(void) {
  int fd = open("/kfb_kmod.ko", O_RDONLY);
  if (fd < 0) { verdict("kmod-load", 0, "no /kfb_kmod.ko in the initramfs"); return; }
  long r = syscall(__NR_finit_module, fd, "", 0);
  int err = errno;
  close(fd);
  char d[256], why[128];
  if (r) {
    snprintf(d, sizeof d, "finit_module: %s", kfb_errno_name(err));
    verdict("kmod-load", 0, d);
    return;
  }
  if (read_btf("/sys/kernel/btf/kfb_kmod", &vml, &kmod, why, sizeof why)) {
    verdict("kmod-load", 0, why);
    return;
  }
  uint32_t add = find_in(&kmod, "kfb_kmod_add"), impl = find_in(&kmod, "kfb_kmod_add_impl");
  uint32_t sum = find_in(&kmod, "kfb_kmod_sum");
  if (!add || !sum) {
    verdict("kmod-load", 0, "no FUNC kfb_kmod_add or kfb_kmod_sum in the module's BTF");
    return;
  }
  snprintf(d, sizeof d, "%u types from id %u; kfb_kmod_add has %u parameters, kfb_kmod_add_impl %s",
           kmod.n, kmod.first, params_of(&kmod, add), impl ? "exists" : "absent");
  if (impl) snprintf(d + strlen(d), sizeof d - strlen(d), " with %u", params_of(&kmod, impl));
  verdict("kmod-load", 1, d);
  printf("KFB kmod twin %s\n", impl ? "yes" : "no");
  print_tags_of(&kmod, "kfb_kmod_add");
  print_tags_of(&kmod, "kfb_kmod_add_impl");
  print_tags_of(&kmod, "kfb_kmod_sum");
  prog_fds[1] = btf_fd_named("kfb_kmod");
  if (prog_fds[1] < 0) { verdict("kmod-load", 0, "no BTF object named kfb_kmod"); return; }
  int twin = impl && params_of(&kmod, add) == 2 && params_of(&kmod, impl) == 3;
  struct bpf_insn p[] = {MOV_IMM(1, 40), MOV_IMM(2, 2), KCALL_MOD(add), EXIT()};
  load_prog_expect("kmod-implicit", p, 4, -1,
                   twin ? "kfb_kmod_add(40, 2) (aux__implicit trimmed)"
                        : "kfb_kmod_add(40, 2) with no twin (R3 unwritten)", twin);
  struct bpf_insn q[] = {ST_DW(10, -16, 1), ST_DW(10, -8, 2), MOV_REG(1, 10), ADD_IMM(1, -16),
                         MOV_IMM(2, 16), KCALL_MOD(sum), MOV_IMM(0, 0), EXIT()};
  load_prog("kmod-argflags", q, 8, -1, "kfb_kmod_sum(buf, 16) (buf__sz)");
  struct bpf_insn n[] = {MOV_IMM(1, 40), KCALL_MOD(add), EXIT()};
  load_prog_expect("kmod-negative", n, 3, -1, "kfb_kmod_add(40, <R2 uninitialized>)", 0);
  close(prog_fds[1]);
  prog_fds[1] = -1;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("\n");
  int pid1 = getpid() == 1;  /* run by hand on a host it only reports */
  if (pid1) {
    mkdir("/sys", 0755);
    mkdir("/proc", 0755);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("proc", "/proc", "proc", 0, NULL);
  }
  check_kernel_log();
  struct utsname u;
  major = uname(&u) == 0 ? atoi(u.release) : 0;
  char why[128];
  if (read_btf("/sys/kernel/btf/vmlinux", NULL, &vml, why, sizeof why)) {
    verdict("vmlinux-btf", 0, why);
  } else {
    char d[64];
    snprintf(d, sizeof d, "%zu bytes, %u types", vml.size, vml.n);
    verdict("vmlinux-btf", 1, d);
    if (major >= 7)
      check_sorted();
    else
      printf("KFB skip btf-sorted Linux %s does not sort its BTF\n", u.release);
    count_tags();
    const char *probe[] = {"bpf_stream_print_stack", "bpf_obj_new_impl", "bpf_obj_drop_impl",
                           "bpf_strlen", "bpf_wq_set_callback", "scx_bpf_dsq_insert",
                           "scx_bpf_create_dsq"};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) print_tags_of(&vml, probe[i]);
    check_programs();
    check_module();
  }
  printf("KFB done %d\n", failures);
  fflush(stdout);
  if (!pid1) return failures ? 1 : 0;
  sync();
  reboot(RB_AUTOBOOT);  /* a tinyconfig kernel has no ACPI power-off; QEMU -no-reboot exits here */
  return 0;
}
