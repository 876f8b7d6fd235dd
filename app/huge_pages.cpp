#include "app/huge_pages.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace joule::app {

std::optional<std::string> huge_page_tunables(std::string_view command,
                                              const char* joule_huge_pages,
                                              const char* glibc_tunables, const char* ld_preload,
                                              std::string_view thp_enabled) {
  if (command != "run" && command != "sweep" && command != "rerun") return std::nullopt;
  if (joule_huge_pages && std::string_view(joule_huge_pages) == "0") return std::nullopt;
  const std::string_view tunables = glibc_tunables ? glibc_tunables : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string_view::npos) return std::nullopt;
  if (ld_preload && std::string_view(ld_preload).find("vgpreload") != std::string_view::npos)
    return std::nullopt;
  // "always [madvise] never": the mode in brackets.
  if (thp_enabled.find("[always]") == std::string_view::npos &&
      thp_enabled.find("[madvise]") == std::string_view::npos)
    return std::nullopt;
  std::string value(tunables);
  if (!value.empty()) value += ':';
  return value + "glibc.malloc.hugetlb=1";
}

void restart_with_huge_pages(int argc, char** argv) {
  if (argc < 2) return;
  std::string thp;
  std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), thp);
  const auto value =
      huge_page_tunables(argv[1], std::getenv("JOULE_HUGE_PAGES"), std::getenv("GLIBC_TUNABLES"),
                         std::getenv("LD_PRELOAD"), thp);
  if (!value || setenv("GLIBC_TUNABLES", value->c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only on failure (no /proc): go on as is. The variable stays set: a restart of a child
  // (`joule sweep`'s processes) is skipped, and this process is unaffected.
}

}  // namespace joule::app
