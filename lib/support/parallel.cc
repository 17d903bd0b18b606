#include "support/parallel.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace kfb {

namespace {

// How many threads fit under `ulimit -v` (RLIMIT_AS). A thread reserves its stack and, on its
// first malloc, glibc's 64 MiB arena heap; when the limit leaves no room for both, thread
// creation may still succeed and its first allocation fail, which would end the run with "out
// of memory" where -j1 works. So under a finite limit each thread must fit, with the same again
// left for the data. No limit (the usual case): no cap.
unsigned threads_that_fit(unsigned want) {
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) return want;
  rlimit st{};
  uint64_t stack = 8u << 20;
  if (getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY) stack = st.rlim_cur;
  uint64_t per_thread = stack + (64u << 20);
  uint64_t used = 0;
  if (FILE *f = std::fopen("/proc/self/statm", "re")) {
    unsigned long long pages = 0;
    if (std::fscanf(f, "%llu", &pages) == 1) used = pages * uint64_t(sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  uint64_t room = as.rlim_cur > used ? as.rlim_cur - used : 0;
  uint64_t fit = room / (2 * per_thread);
  return fit < want ? static_cast<unsigned>(fit) : want;
}

}  // namespace

void run_parallel(unsigned n, const std::function<void(unsigned k)> &fn) {
  if (n == 0) return;
  std::vector<std::exception_ptr> errors(n);
  auto item = [&](unsigned k) {
    try {
      fn(k);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  unsigned started = 1;  // items 1..started-1 are on threads
  unsigned cap = 1 + threads_that_fit(n - 1);
  try {
    threads.reserve(n - 1);
    for (; started < cap; started++) threads.emplace_back(item, started);
  } catch (const std::system_error &) {
    // No more threads (EAGAIN): the rest run here.
  } catch (const std::bad_alloc &) {
    // No memory for a thread's state: the same.
  }
  item(0);
  for (unsigned k = started; k < n; k++) item(k);
  for (std::thread &t : threads) t.join();
  for (std::exception_ptr &e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace kfb
