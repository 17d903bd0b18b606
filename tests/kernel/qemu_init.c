/* /init of the QEMU oracle's initramfs (tests/kernel/qemu_oracle.sh): loads /blobs/b0, b1, ...
 * with bpf(BPF_BTF_LOAD), log level 1, and prints one line per blob to the console:
 *   KFB <i> ok
 *   KFB <i> <ERRNO> <the kernel's verifier log, newlines as \n, or "<log too big>">
 * then "KFB done <n>" and powers off. Built static (gcc -static), no libc beyond that. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <sys/stat.h>

#include "bpf_btf_load.h"

int main(void) {
  static char log[16 << 20];
  static unsigned char buf[32 << 20];
  unsigned n = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("\n");  /* the console may be in the middle of a kernel line */
  for (;; n++) {
    char path[64];
    snprintf(path, sizeof path, "/blobs/b%u", n);
    int fd = open(path, O_RDONLY);
    if (fd < 0) break;
    ssize_t size = 0, r;
    while ((r = read(fd, buf + size, sizeof buf - (size_t)size)) > 0) size += r;
    close(fd);
    log[0] = 0;
    int b = kfb_btf_load(buf, (uint32_t)size, 1, log, sizeof log);
    int err = b < 0 ? errno : 0;
    if (b >= 0) close(b);
    int nolog = 0;
    if (err == ENOSPC) { /* the log did not fit: the verdict alone */
      log[0] = 0;
      nolog = 1;
      b = kfb_btf_load(buf, (uint32_t)size, 0, NULL, 0);
      err = b < 0 ? errno : 0;
      if (b >= 0) close(b);
    }
    if (!err) {
      printf("KFB %u ok\n", n);
      continue;
    }
    printf("KFB %u %s ", n, kfb_errno_name(err));
    if (nolog) fputs("<log too big>", stdout);
    /* One line of printable ASCII whatever the names hold (the tty would turn a raw \n into
     * \r\n and the host reader splits at \r): \n, and \xNN for other control bytes, DEL and
     * bytes >= 0x80, as kfb_mutate writes the expected log. */
    for (unsigned char *p = (unsigned char *)log; *p; p++) {
      if (*p == '\n') fputs("\\n", stdout);
      else if (*p < 0x20 || *p >= 0x7f || *p == '\\') printf("\\x%02x", *p);
      else putchar(*p);
    }
    putchar('\n');
  }
  printf("KFB done %u\n", n);
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  return 0;
}
