// Times check_loader against the kernel's own bpf(BPF_BTF_LOAD) (log level 0) on the same blob,
// alternating in one process, and prints both medians and their ratio.
//
//   bench_loader FILE [ROUNDS]      e.g. bench_loader /sys/kernel/btf/vmlinux 20
//
// Each check_loader round is a cold start for the checker's own memory (its arrays are
// allocated and freed per call), like one `kfuncbtf check` run. Exit 77 when the syscall is
// refused (not root), 1 when the verdicts differ.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <vector>

#include "bpf_btf_load.h"
#include "check/loader.h"

static double clock_ms(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
// Wall time, and the thread's CPU time (user + system: the kernel's load runs in our thread,
// so both sides are counted the same way and other load on the machine matters less).
static double now_ms() { return clock_ms(CLOCK_MONOTONIC); }
static double cpu_ms() { return clock_ms(CLOCK_THREAD_CPUTIME_ID); }

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_loader FILE [ROUNDS]\n");
    return 2;
  }
  int rounds = argc > 2 ? atoi(argv[2]) : 20;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (blob.empty()) {
    fprintf(stderr, "bench_loader: %s: empty or unreadable\n", argv[1]);
    return 2;
  }
  kfb::check::CheckOptions o;
  o.kernel = kfb::check::KernelVersion::V6_18;  // the running kernel's rules
  std::vector<double> tk, tc, ck, cc;
  int kerr = 0;
  bool ok = true;
  for (int i = 0; i < rounds + 2; i++) {  // two warm-up rounds
    double c0 = cpu_ms(), t0 = now_ms();
    int fd = kfb_btf_load(blob.data(), uint32_t(blob.size()), 0, nullptr, 0);
    double t1 = now_ms(), c1 = cpu_ms();
    kerr = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    if (kerr == EPERM || kerr == ENOSYS) {
      printf("SKIP: bpf(BPF_BTF_LOAD) refused: %s\n", kfb_errno_name(kerr));
      return 77;
    }
    double c2 = cpu_ms(), t2 = now_ms();
    kfb::check::LoaderResult r = kfb::check::check_loader(blob, o);
    double t3 = now_ms(), c3 = cpu_ms();
    ok = ok && (r.ok == (kerr == 0)) && (r.ok || r.err == kerr);
    if (i >= 2) tk.push_back(t1 - t0), tc.push_back(t3 - t2), ck.push_back(c1 - c0), cc.push_back(c3 - c2);
  }
  double mk = median(tk), mc = median(tc);
  printf("file=%s bytes=%zu rounds=%d verdict=%s agree=%s\n", argv[1], blob.size(), rounds,
         kfb_errno_name(kerr), ok ? "yes" : "NO");
  printf("kernel BPF_BTF_LOAD: median %.2f ms (min %.2f, max %.2f)\n", mk,
         *std::min_element(tk.begin(), tk.end()), *std::max_element(tk.begin(), tk.end()));
  printf("check_loader:        median %.2f ms (min %.2f, max %.2f)\n", mc,
         *std::min_element(tc.begin(), tc.end()), *std::max_element(tc.begin(), tc.end()));
  printf("ratio check/kernel (wall) = %.2f (target <= 0.50)\n", mc / mk);
  printf("cpu: kernel median %.2f ms, check_loader median %.2f ms, ratio %.2f\n", median(ck),
         median(cc), median(cc) / median(ck));
  return ok ? 0 : 1;
}
