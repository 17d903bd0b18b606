/* The peer of `kfuncbtf check PROG.bpf.o` in bench_bpfprog.sh: what a user does to learn the same
 * thing without kfuncbtf, libbpf's open and load of the object in the running kernel (every
 * program, as a skeleton's load does), then close. Prints "<ok|errno> <seconds>" per object.
 *
 *   bpf_open_load OBJ...            (root: BPF_PROG_LOAD)
 *
 * libbpf's own messages are silenced; the exit code is 0 whatever the loads gave. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap) {
  (void)level, (void)fmt, (void)ap;
  return 0;
}

int main(int argc, char **argv) {
  libbpf_set_print(quiet);
  for (int i = 1; i < argc; i++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int err = 0;
    struct bpf_object *obj = bpf_object__open_file(argv[i], NULL);
    if (!obj) err = -errno;
    else err = bpf_object__load(obj);
    bpf_object__close(obj);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%s %d %.6f\n", argv[i], err, (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  }
  return 0;
}
