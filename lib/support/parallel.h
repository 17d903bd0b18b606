// Independent items on threads, with threads optional: a run never depends on getting them.
//
//   std::vector<std::vector<FuncDef>> out(jobs);             // one result slot per item
//   kfb::run_parallel(jobs, [&](unsigned k) { out[k] = walk(parts[k]); });
//   for (auto &r : out) merge(r);                            // serial, in item order
//
// fn(0) runs on the calling thread and fn(1..n-1) each on a thread of its own. A thread that
// cannot be created (std::system_error EAGAIN: RLIMIT_NPROC, or `ulimit -v` leaving no room
// for its stack) is not an error: its item runs on the calling thread after fn(0). Under a
// finite `ulimit -v`, only as many threads start as leave room for their stacks and malloc
// arenas (a thread whose first allocation fails would fail the run). The calls
// and their slots are the same either way, so the results are too (output bytes never depend
// on -j or on how many threads the system granted). An exception from fn(k) is kept until
// every item has ended; then the one of the lowest k is rethrown.
#pragma once

#include <functional>

namespace kfb {

void run_parallel(unsigned n, const std::function<void(unsigned k)> &fn);

}  // namespace kfb
