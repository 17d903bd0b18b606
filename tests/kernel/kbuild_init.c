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
#include <unistd.h>

#include "bpf_btf_load.h"

static unsigned char *vmlinux;
static size_t vmlinux_size;
static uint32_t *offs;  /* offs[id]: byte offset of type id in the type section */
static uint32_t ntypes;  /* ids 1..ntypes */
static const char *strs;
static uint32_t str_len;
static int failures;

static void verdict(const char *name, int ok, const char *detail) {
  printf("KFB check %s %s %s\n", name, ok ? "ok" : "FAIL", detail);
  if (!ok) failures++;
}

static uint32_t u32at(size_t off) {
  uint32_t v;
  memcpy(&v, vmlinux + off, 4);
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

static const char *name_of(uint32_t id) {
  uint32_t no = u32at(offs[id]);
  return no < str_len ? strs + no : "";
}
static uint32_t kind_of(uint32_t id) { return (u32at(offs[id] + 4) >> 24) & 0x7f; }

static int read_vmlinux_btf(char *why, size_t whylen) {
  int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY);
  if (fd < 0) { snprintf(why, whylen, "cannot open /sys/kernel/btf/vmlinux"); return -1; }
  size_t cap = 64 << 20;
  vmlinux = malloc(cap);
  ssize_t r;
  while ((r = read(fd, vmlinux + vmlinux_size, cap - vmlinux_size)) > 0) vmlinux_size += (size_t)r;
  close(fd);
  if (vmlinux_size < 24 || vmlinux[0] != 0x9f || vmlinux[1] != 0xeb) {
    snprintf(why, whylen, "not BTF (%zu bytes)", vmlinux_size);
    return -1;
  }
  uint32_t hdr = u32at(4), toff = u32at(8), tlen = u32at(12), soff = u32at(16);
  str_len = u32at(20);
  size_t tstart = hdr + toff, tend = tstart + tlen;
  strs = (const char *)vmlinux + hdr + soff;
  offs = calloc(tlen / 12 + 2, sizeof *offs);
  for (size_t p = tstart; p + 12 <= tend;) {
    uint32_t extra;
    if (extra_size(u32at(p + 4), &extra)) {
      snprintf(why, whylen, "unknown kind at type %u", ntypes + 1);
      return -1;
    }
    offs[++ntypes] = (uint32_t)p;
    p += 12 + extra;
  }
  return 0;
}

static uint32_t find_func(const char *name) {
  for (uint32_t id = 1; id <= ntypes; id++)
    if (kind_of(id) == 12 && strcmp(name_of(id), name) == 0) return id;
  return 0;
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
  for (uint32_t id = 2; id <= ntypes; id++) {
    const char *a = name_of(id - 1), *b = name_of(id);
    if (*a && strcmp(a, b) > 0) { if (!bad) first = id; bad++; }
  }
  char d[96];
  snprintf(d, sizeof d, "%u types, %u out of order (first at id %u)", ntypes, bad, first);
  verdict("btf-sorted", bad == 0, d);
}

static void count_tags(void) {
  static const char *prefixes[] = {"bpf_kfunc", "bpf_fastcall", "bpf_kfunc_arg:", "bpf_kfunc_ret:",
                                   "bpf_kfunc_scope:", "bpf_kfunc_calls:"};
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
    size_t n = 0, len = strlen(prefixes[i]);
    int exact = prefixes[i][len - 1] != ':';
    for (uint32_t id = 1; id <= ntypes; id++) {
      if (kind_of(id) != 17) continue;
      const char *nm = name_of(id);
      if (exact ? strcmp(nm, prefixes[i]) == 0 : strncmp(nm, prefixes[i], len) == 0) n++;
    }
    printf("KFB tags %s %zu\n", prefixes[i], n);
  }
}

/* Every bpf_kfunc_* extension tag whose target is FUNC `fn`. */
static void print_tags_of(const char *fn) {
  uint32_t f = find_func(fn);
  for (uint32_t id = 1; id <= ntypes && f; id++) {
    if (kind_of(id) != 17) continue;
    const char *nm = name_of(id);
    if (u32at(offs[id] + 8) != f || strncmp(nm, "bpf_kfunc_", 10) != 0) continue;
    printf("KFB tag %s %s %d\n", fn, nm, (int)u32at(offs[id] + 12));
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
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

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

static int missing(const char *check, const char *fn) {
  if (find_func(fn)) return 0;
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
  char why[128];
  if (read_vmlinux_btf(why, sizeof why)) {
    verdict("vmlinux-btf", 0, why);
  } else {
    char d[64];
    snprintf(d, sizeof d, "%zu bytes, %u types", vmlinux_size, ntypes);
    verdict("vmlinux-btf", 1, d);
    check_sorted();
    count_tags();
    const char *probe[] = {"bpf_stream_print_stack", "bpf_obj_new_impl", "bpf_obj_drop_impl",
                           "bpf_strlen", "bpf_wq_set_callback", "scx_bpf_dsq_insert",
                           "scx_bpf_create_dsq"};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) print_tags_of(probe[i]);
    check_programs();
  }
  printf("KFB done %d\n", failures);
  fflush(stdout);
  if (!pid1) return failures ? 1 : 0;
  sync();
  reboot(RB_AUTOBOOT);  /* a tinyconfig kernel has no ACPI power-off; QEMU -no-reboot exits here */
  return 0;
}
