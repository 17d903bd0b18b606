/* btfload: load a raw BTF file into the running kernel with bpf(BPF_BTF_LOAD).
 *
 *   btfload [-l LEVEL] [-s LOGSIZE] [-q] FILE
 *
 * Prints "ok" or "rejected: ERRNO" (the errno's name, ENOTSUPP for 524), then the kernel's
 * verifier log unless -q. Exit 0 accepted, 1 rejected, 2 usage or I/O error, 77 when the
 * kernel refuses the syscall itself (EPERM: not root / no CAP_BPF; ENOSYS: no bpf(2)), so
 * tests can skip with the reason. */
#include <stdio.h>
#include <stdlib.h>

#include "bpf_btf_load.h"

int main(int argc, char **argv) {
  uint32_t level = 1, log_size = 16u << 20;
  int quiet = 0, opt;
  while ((opt = getopt(argc, argv, "l:s:q")) != -1) {
    if (opt == 'l') level = (uint32_t)strtoul(optarg, NULL, 0);
    else if (opt == 's') log_size = (uint32_t)strtoul(optarg, NULL, 0);
    else if (opt == 'q') quiet = 1;
    else {
      fprintf(stderr, "usage: btfload [-l LEVEL] [-s LOGSIZE] [-q] FILE\n");
      return 2;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "usage: btfload [-l LEVEL] [-s LOGSIZE] [-q] FILE\n");
    return 2;
  }
  FILE *f = fopen(argv[optind], "rb");
  if (!f) {
    perror(argv[optind]);
    return 2;
  }
  size_t cap = 1 << 20, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (n == cap) {
      unsigned char *bigger = realloc(buf, cap *= 2);
      if (!bigger) {
        fprintf(stderr, "btfload: out of memory\n");
        return 2;
      }
      buf = bigger;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    if (!r) break;
    n += r;
  }
  fclose(f);
  char *log = level ? malloc(log_size) : NULL;
  int fd = kfb_btf_load(buf, (uint32_t)n, level, log, level ? log_size : 0);
  int err = fd < 0 ? errno : 0;
  if (fd < 0 && (err == EPERM || err == ENOSYS)) {
    printf("skip: bpf(BPF_BTF_LOAD) refused: %s\n", kfb_errno_name(err));
    free(log);
    free(buf);
    return 77;
  }
  if (fd >= 0) {
    printf("ok\n");
    close(fd);
  } else {
    printf("rejected: %s\n", kfb_errno_name(err));
  }
  if (!quiet && log && log[0]) fputs(log, stdout);
  free(log);
  free(buf);
  return fd >= 0 ? 0 : 1;
}
