// Catch2's main, after setting the variables the tests look for (KFUNCBTF, KFB_SRC, KFB_BUILD,
// KFB_FIXTURES) to this build's paths unless the environment already has them.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char **argv) {
  setenv("KFUNCBTF", KFB_DEFAULT_KFUNCBTF, 0);
  setenv("KFB_SRC", KFB_DEFAULT_SRC, 0);
  setenv("KFB_BUILD", KFB_DEFAULT_BUILD, 0);
  setenv("KFB_FIXTURES", KFB_DEFAULT_FIXTURES, 0);
  return Catch::Session().run(argc, argv);
}
