/* The baseline for `kfuncbtf scan --all`: a plain libdw walk over every CU's top-level DIEs
 * (tag and name of each), nothing else. usage: libdw_walk FILE   prints "<CUs> <DIEs>". */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: libdw_walk FILE\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror(argv[1]);
    return 2;
  }
  Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
  if (!dw) {
    fprintf(stderr, "%s: %s\n", argv[1], dwarf_errmsg(-1));
    return 2;
  }
  Dwarf_Off off = 0, next;
  size_t hsize;
  unsigned long cus = 0, dies = 0, named = 0;
  while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cu, die;
    if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
      do {
        dies++;
        if (dwarf_tag(&die) == DW_TAG_subprogram && dwarf_diename(&die)) named++;
      } while (dwarf_siblingof(&die, &die) == 0);
    }
    cus++;
    off = next;
  }
  printf("%lu CUs %lu top-level DIEs %lu named subprograms\n", cus, dies, named);
  dwarf_end(dw);
  close(fd);
  return 0;
}
