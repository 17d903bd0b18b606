// What a command measures and tunes about its own process: phase times and peak RSS for
// --stats, and a heap prepared for a burst of short-lived allocations.
//
//   kfb::Laps t;                     // starts now
//   ...read...   double read = t.lap();      // seconds since the start (or the last lap)
//   ...work...   double work = t.lap();
//   std::vector<kfb::Phase> ph{{"read", read}, {"work", work, "12 CUs"}};
//   fputs(kfb::stats_text(ph, t.total(), "3 kfuncs").c_str(), stderr);
//   // kfuncbtf: stats: read 0.012 s, work 0.200 s (12 CUs); 3 kfuncs; total 0.213 s, peak RSS 60 MB
//
//   kfb::prepare_heap(64 << 20);     // before a job that allocates ~50 MB and frees it at once
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace kfb {

class Laps {
 public:
  Laps() : start_(Clock::now()), last_(start_) {}
  double lap() {
    Clock::time_point now = Clock::now();
    double d = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return d;
  }
  double total() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_, last_;
};

// The process's peak resident set so far, in MB (getrusage ru_maxrss).
long peak_rss_mb();

// One phase of a command for --stats: its name, seconds, and what it did ("12 CUs"), if told.
struct Phase {
  const char *name;
  double seconds;
  std::string detail;
};
// Every command's --stats line: "kfuncbtf: stats: <name> <s> s[ (<detail>)], ...[; <counts>];
// total <s> s, peak RSS <n> MB\n".
std::string stats_text(const std::vector<Phase> &phases, double total, const std::string &counts = "");

// For a job that allocates about `bytes` of short-lived vectors and strings (a diff of two
// vmlinux BTFs: ~50 MB): freed memory stays in the heap instead of going back to the kernel
// (no second round of page faults), one arena serves every thread, and the first `bytes` of
// the heap are backed by transparent huge pages where the kernel offers them on request (THP
// "madvise", as on Debian). As 4 KiB pages ~40 MB is ~3,500 faults, a third of such a run's CPU
// on a VM (~20 us each); as 2 MiB pages, ~20. glibc only; elsewhere nothing.
void prepare_heap(size_t bytes);

}  // namespace kfb
