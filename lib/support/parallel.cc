#include "support/parallel.h"

#include <exception>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace kfb {

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
  try {
    threads.reserve(n - 1);
    for (; started < n; started++) threads.emplace_back(item, started);
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
