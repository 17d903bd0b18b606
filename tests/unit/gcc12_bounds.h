// GCC 12 reports false array-bounds, restrict and stringop positives on the vector and string
// inserts it inlines from tests/kernel/btf_builder.h; the tests that build blobs with it include
// this first. (Clang and newer GCC do not warn.)
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wrestrict"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
