/* LD_PRELOAD shim for hostile_truncated_input.sh: right after kfuncbtf maps the file named by
 * $KFB_SHIM_SHRINK (same device and inode), the file is truncated to $KFB_SHIM_SHRINK_TO bytes,
 * as a build that rewrites vmlinux while kfuncbtf reads it would: the pages past the new end
 * are gone, and reading them raises SIGBUS. Every other mmap is passed through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  void *(*real)(void *, size_t, int, int, int, off_t) =
      (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
  void *p = real(addr, len, prot, flags, fd, off);
  const char *path = getenv("KFB_SHIM_SHRINK"), *to = getenv("KFB_SHIM_SHRINK_TO");
  struct stat a, b;
  if (p != MAP_FAILED && fd >= 0 && path && to && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
      a.st_dev == b.st_dev && a.st_ino == b.st_ino && truncate(path, atol(to)) != 0)
    abort();
  return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  return mmap(addr, len, prot, flags, fd, off);
}
