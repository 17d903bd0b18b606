/* Parse a BTF file with libbpf (the loader BPF tooling uses) and look names up in it.
 *
 *   emit_libbpf_parse FILE [-B BASE] [NAME KIND]...     KIND: func, func_proto, decl_tag, ...
 *
 * Prints "types=<n>" (btf__type_cnt - 1) and, per NAME, "<name> <kind> [<id>]"; exit 1 when
 * libbpf refuses the file or a name is missing. Built by tests/e2e/emit_*.sh (cc -lbpf). */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int kind_of(const char *s) {
  if (!strcmp(s, "func")) return BTF_KIND_FUNC;
  if (!strcmp(s, "func_proto")) return BTF_KIND_FUNC_PROTO;
  if (!strcmp(s, "decl_tag")) return BTF_KIND_DECL_TAG;
  if (!strcmp(s, "struct")) return BTF_KIND_STRUCT;
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [-B BASE] [NAME KIND]...\n", argv[0]);
    return 2;
  }
  int i = 2;
  struct btf *base = NULL, *btf;
  if (argc > 3 && !strcmp(argv[2], "-B")) {
    base = btf__parse(argv[3], NULL);
    if (!base) {
      fprintf(stderr, "libbpf: cannot parse base %s: %s\n", argv[3], strerror(errno));
      return 1;
    }
    i = 4;
  }
  btf = base ? btf__parse_split(argv[1], base) : btf__parse(argv[1], NULL);
  if (!btf) {
    fprintf(stderr, "libbpf: cannot parse %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  printf("types=%u\n", btf__type_cnt(btf) - 1);
  int rc = 0;
  for (; i + 1 < argc; i += 2) {
    int id = btf__find_by_name_kind(btf, argv[i], kind_of(argv[i + 1]));
    printf("%s %s %d\n", argv[i], argv[i + 1], id);
    if (id < 0) rc = 1;
  }
  btf__free(btf);
  btf__free(base);
  return rc;
}
