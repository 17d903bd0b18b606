// Replays a libFuzzer corpus (files or directories given as arguments) through
// LLVMFuzzerTestOneInput, so every corpus entry runs in the normal test suite.
// Fails (exit 1) when a corpus directory is missing or empty: a replay that runs nothing
// would hide a broken test. An entry that runs for more than 60 s fails the replay, naming it:
// a hang (a DWARF sibling loop, a type spelling that doubles per level) must not stall the suite.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static std::string g_current;

static void on_alarm(int) {
  static const char kMsg[] = "replay: timed out (60 s): ";
  ssize_t r = write(2, kMsg, sizeof kMsg - 1);
  r = write(2, g_current.data(), g_current.size());
  r = write(2, "\n", 1);
  (void)r;
  _exit(1);
}

static void run_file(const std::filesystem::path &p) {
  g_current = p.string();
  signal(SIGALRM, on_alarm);
  alarm(60);
  std::ifstream in(p, std::ios::binary);
  std::vector<uint8_t> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(buf.data(), buf.size());
  alarm(0);
}

int main(int argc, char **argv) {
  size_t n = 0;
  for (int i = 1; i < argc; i++) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> files;
      for (auto &e : std::filesystem::directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (auto &f : files) run_file(f), n++;
    } else if (std::filesystem::is_regular_file(p)) {
      run_file(p), n++;
    } else {
      fprintf(stderr, "replay: %s: no such corpus\n", argv[i]);
      return 1;
    }
  }
  if (n == 0) {
    fprintf(stderr, "replay: empty corpus\n");
    return 1;
  }
  printf("replayed %zu inputs\n", n);
  return 0;
}
