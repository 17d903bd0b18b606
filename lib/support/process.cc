#include "support/process.h"

#include <sys/mman.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>

#include "support/error.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kfb {

long peak_rss_mb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

void prepare_heap(size_t bytes) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_ARENA_MAX, 1);
  // One block, hinted and freed at once: with the thresholds above it stays in the heap for
  // the allocations that follow.
  void *p = malloc(bytes);
  if (!p) return;
  constexpr uintptr_t kHuge = 2 << 20;
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);  // a hint
  free(p);
#else
  (void)bytes;
#endif
}

}  // namespace kfb

namespace kfb {

std::string stats_text(const std::vector<Phase> &phases, double total, const std::string &counts) {
  std::string line = "kfuncbtf: stats: ";
  const char *sep = "";
  for (const Phase &p : phases) {
    line += strfmt("%s%s %.3f s", sep, p.name, p.seconds);
    if (!p.detail.empty()) line += " (" + p.detail + ")";
    sep = ", ";
  }
  if (!counts.empty()) line += "; " + counts;
  line += strfmt("; total %.3f s, peak RSS %ld MB\n", total, peak_rss_mb());
  return line;
}

}  // namespace kfb
