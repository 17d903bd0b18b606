// What every unit test includes instead of Catch2 itself: Catch2 2 (Debian 12) or 3 (Debian 13
// and later), chosen at configure time (tests/CMakeLists.txt sets KFB_CATCH2_MAJOR), with the
// names the tests use spelled once, and the project's skip and fixture helpers.
#pragma once

#if KFB_CATCH2_MAJOR >= 3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <iostream>
#include <sstream>
#include <string>

namespace kfbtest {

#if KFB_CATCH2_MAJOR >= 3
using Catch::Matchers::ContainsSubstring;
#else
inline auto ContainsSubstring(const std::string &s) { return Catch::Matchers::Contains(s); }
#endif
using Catch::Matchers::StartsWith;

// The marker CTest's SKIP_REGULAR_EXPRESSION (tests/CMakeLists.txt) turns into "skipped".
inline constexpr const char *kSkipMarker = "KFB-SKIPPED: ";

// Path of the compiled fixture `name` (relative to KFB_FIXTURES); "" when this build did not
// configure it (no compiler, pahole or target for it: the caller skips). A fixture the build
// configured but that is missing fails the test: the build was meant to make it.
std::string fixture(const std::string &name);
// Whether this build configured any compiled fixture (testdata/CMakeLists.txt found its tools).
bool fixtures_configured();

}  // namespace kfbtest

// Ends the test case as skipped, with the reason: Catch2 3 counts it as skipped itself;
// with either major the marker line makes CTest's summary say so.
#if KFB_CATCH2_MAJOR >= 3
#define KFB_SKIP(reason)                                                     \
  do {                                                                       \
    std::ostringstream kfb_skip_os_;                                         \
    kfb_skip_os_ << reason;                                                  \
    std::cout << kfbtest::kSkipMarker << kfb_skip_os_.str() << std::endl;    \
    SKIP(kfb_skip_os_.str());                                                \
  } while (0)
#else
#define KFB_SKIP(reason)                                                     \
  do {                                                                       \
    std::ostringstream kfb_skip_os_;                                         \
    kfb_skip_os_ << reason;                                                  \
    std::cout << kfbtest::kSkipMarker << kfb_skip_os_.str() << std::endl;    \
    return;                                                                  \
  } while (0)
#endif
