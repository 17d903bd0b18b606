/* The project's own BPF_BTF_LOAD call: one bpf(2) syscall, no libbpf.
 *
 *   char *log = malloc(1 << 24);
 *   int fd = kfb_btf_load(blob, size, 1, log, 1 << 24);
 *   if (fd < 0) printf("rejected: %d\n", errno);   // errno as the kernel set it
 *
 * The attr layout is BPF_BTF_LOAD's member of union bpf_attr as of 6.9 (btf_log_true_size,
 * btf_flags, btf_token_fd); older kernels accept it as long as the tail is zero. Usable from
 * C and C++. */
#ifndef KFB_BPF_BTF_LOAD_H
#define KFB_BPF_BTF_LOAD_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_bpf
#if defined(__x86_64__)
#define __NR_bpf 321
#elif defined(__aarch64__)
#define __NR_bpf 280
#endif
#endif

#define KFB_BPF_BTF_LOAD 18

struct kfb_btf_load_attr {
  uint64_t btf;
  uint64_t btf_log_buf;
  uint32_t btf_size;
  uint32_t btf_log_size;
  uint32_t btf_log_level;
  uint32_t btf_log_true_size;
  uint32_t btf_flags;
  int32_t btf_token_fd;
};

/* Returns the new BTF fd, or -1 with errno set. `log` may be NULL (then level must be 0). */
static inline int kfb_btf_load(const void *data, uint32_t size, uint32_t level, char *log,
                               uint32_t log_size) {
  struct kfb_btf_load_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.btf = (uint64_t)(uintptr_t)data;
  attr.btf_size = size;
  if (level && log && log_size) {
    attr.btf_log_buf = (uint64_t)(uintptr_t)log;
    attr.btf_log_size = log_size;
    attr.btf_log_level = level;
    log[0] = 0;
  }
  return (int)syscall(__NR_bpf, KFB_BPF_BTF_LOAD, &attr, sizeof(attr));
}

static inline const char *kfb_errno_name(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ELOOP: return "ELOOP";
    case ENOSYS: return "ENOSYS";
    case 524: return "ENOTSUPP";
  }
  return "E?";
}

#endif
