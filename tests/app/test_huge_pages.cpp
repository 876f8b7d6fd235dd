// When `joule` starts itself again with glibc's huge-page tunable (app/huge_pages.hpp).
#include <doctest/doctest.h>

#include "app/huge_pages.hpp"

using joule::app::huge_page_tunables;

TEST_CASE("huge pages: run, sweep and rerun restart once with the tunable added") {
  const char* madvise = "always [madvise] never";
  CHECK(huge_page_tunables("run", nullptr, nullptr, nullptr, madvise) == "glibc.malloc.hugetlb=1");
  CHECK(huge_page_tunables("sweep", nullptr, nullptr, nullptr, "[always] madvise never") ==
        "glibc.malloc.hugetlb=1");
  CHECK(huge_page_tunables("rerun", "1", nullptr, "/usr/lib/libfoo.so", madvise) ==
        "glibc.malloc.hugetlb=1");
  // The user's other tunables are kept, ours appended.
  CHECK(huge_page_tunables("run", nullptr, "glibc.malloc.arena_max=2", nullptr, madvise) ==
        "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
  CHECK(huge_page_tunables("run", nullptr, "", nullptr, madvise) == "glibc.malloc.hugetlb=1");
}

TEST_CASE("huge pages: no restart where it cannot help or was asked against") {
  const char* madvise = "always [madvise] never";
  // Other commands are short.
  for (const char* command : {"summary", "validate", "estimate", "--version", ""})
    CHECK_FALSE(huge_page_tunables(command, nullptr, nullptr, nullptr, madvise));
  CHECK_FALSE(huge_page_tunables("run", "0", nullptr, nullptr, madvise));  // turned off
  // Already named (the user's choice, either way, or ours after the restart): never twice.
  CHECK_FALSE(huge_page_tunables("run", nullptr, "glibc.malloc.hugetlb=1", nullptr, madvise));
  CHECK_FALSE(huge_page_tunables("run", nullptr, "glibc.malloc.hugetlb=0", nullptr, madvise));
  // Under valgrind, /proc/self/exe is valgrind's tool, not joule.
  CHECK_FALSE(huge_page_tunables(
      "run", nullptr, nullptr, "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so", madvise));
  // The kernel gives no transparent huge pages, or says nothing.
  CHECK_FALSE(huge_page_tunables("run", nullptr, nullptr, nullptr, "always madvise [never]"));
  CHECK_FALSE(huge_page_tunables("run", nullptr, nullptr, nullptr, ""));
}
