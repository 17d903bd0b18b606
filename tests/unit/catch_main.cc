// Catch2's main, after setting the variables the tests look for (KFUNCBTF, KFB_SRC, KFB_BUILD,
// KFB_FIXTURES) to this build's paths unless the environment already has them; and the
// fixture lookup of kfb_catch.h.
#if KFB_CATCH2_MAJOR < 3
#define CATCH_CONFIG_RUNNER
#endif
#include "kfb_catch.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace kfbtest {

namespace {

std::string fixtures_dir() {
  const char *env = std::getenv("KFB_FIXTURES");
  return env ? env : KFB_DEFAULT_FIXTURES;
}

// What testdata/CMakeLists.txt set out to build, one path (relative to the directory) per line.
std::vector<std::string> configured() {
  std::vector<std::string> names;
  std::ifstream in(fixtures_dir() + "/configured.txt");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

}  // namespace

std::string fixture(const std::string &name) {
  std::string dir = fixtures_dir();
  std::string path = dir + "/" + name;
  if (std::filesystem::exists(path)) return path;
  for (const std::string &c : configured())
    if (c == name) FAIL("fixture " << name << " was configured by this build but is missing from " << dir);
  return "";
}

bool fixtures_configured() { return !configured().empty(); }

}  // namespace kfbtest

int main(int argc, char **argv) {
  setenv("KFUNCBTF", KFB_DEFAULT_KFUNCBTF, 0);
  setenv("KFB_SRC", KFB_DEFAULT_SRC, 0);
  setenv("KFB_BUILD", KFB_DEFAULT_BUILD, 0);
  setenv("KFB_FIXTURES", KFB_DEFAULT_FIXTURES, 0);
  return Catch::Session().run(argc, argv);
}
