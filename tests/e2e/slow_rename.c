/* LD_PRELOAD shim for hostile_signal.sh: a rename(2) of a kfuncbtf temp file first creates the
 * file named by $KFB_SHIM_READY and then sleeps 30 s, so the test can signal the process while
 * a complete temp file waits to be renamed into place. Every other rename is passed through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rename(const char *from, const char *to) {
  int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
  const char *ready = getenv("KFB_SHIM_READY");
  if (ready && strstr(from, ".kfuncbtf-tmp.")) {
    int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dprintf(fd, "%s\n", from);
      close(fd);
    }
    sleep(30);
  }
  return real(from, to);
}
