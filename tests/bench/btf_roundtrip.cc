// btf_roundtrip FILE [RUNS]: times Btf::parse + Btf::write on a raw BTF file (or
// /sys/kernel/btf/vmlinux) inside one process, so the figure excludes process start-up and
// reading the file. The first run is reported on its own: it pays the page faults of fresh
// buffers, as a real one-shot `kfuncbtf` run does. CPU time (CLOCK_PROCESS_CPUTIME_ID) is shown
// too: on a shared, loaded machine it is the steadier figure. Exit 1 if the output is not
// byte-identical.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "btf/btf.h"
#include "support/error.h"
#include "support/file.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: btf_roundtrip FILE [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? atoi(argv[2]) : 20;
  try {
    kfb::MappedFile f = kfb::MappedFile::open(argv[1]);
    using clk = std::chrono::steady_clock;
    std::vector<double> parse_ms, write_ms, total_ms, cpu_ms;
    auto cpu_now = [] {
      timespec ts;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    };
    bool same = true;
    uint32_t types = 0;
    for (int i = 0; i < std::max(1, runs); i++) {
      double c0 = cpu_now();
      auto t0 = clk::now();
      kfb::btf::Btf b = kfb::btf::Btf::parse(f.data(), argv[1]);
      auto t1 = clk::now();
      std::vector<uint8_t> out = b.write();
      auto t2 = clk::now();
      cpu_ms.push_back(cpu_now() - c0);
      same &= std::equal(out.begin(), out.end(), f.data().begin(), f.data().end());
      types = b.type_cnt();
      parse_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      write_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
      total_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    printf("%s: %zu bytes, %u types\n", argv[1], f.size(), types);
    printf("first run:  parse %.2f ms + write %.2f ms = %.2f ms (cpu %.2f ms)\n", parse_ms[0],
           write_ms[0], total_ms[0], cpu_ms[0]);
    printf("median of %zu: parse %.2f ms + write %.2f ms = %.2f ms (cpu %.2f ms)\n",
           total_ms.size(), median(parse_ms), median(write_ms), median(total_ms), median(cpu_ms));
    printf("byte-identical: %s\n", same ? "yes" : "NO");
    return same ? 0 : 1;
  } catch (const kfb::Error &e) {
    fprintf(stderr, "btf_roundtrip: %s\n", e.what());
    return 2;
  }
}
