// Huge pages for the heap.
//
// A large run reads its data hall, its jobs and the event queue's slots all over its heap (92 MiB
// for a year of 100k GPUs); with 4 KiB pages many of those reads miss the TLB as well as the
// cache. glibc puts the memory malloc takes from the kernel on transparent huge pages (2 MiB)
// when the tunable glibc.malloc.hugetlb=1 is set (glibc 2.35 and later, the kernel's THP mode
// "madvise" or "always"). A tunable is read once, as the process starts, so `joule run`,
// `joule sweep` and `joule rerun` start themselves again, once, with it set: in paired runs the
// 100k year took 4.5-5 % less CPU and the 10k year 1-3 % less, for 2-3 % more peak RSS
// (docs/reliability.md, "Round two (#20), thirtieth part"). JOULE_HUGE_PAGES=0 turns this off;
// the results are the same values either way (tests/app/test_cli.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace joule::app {

// The GLIBC_TUNABLES value to start again with, or nullopt to go on as is: for a command other
// than run, sweep and rerun; with JOULE_HUGE_PAGES=0; when GLIBC_TUNABLES already names
// glibc.malloc.hugetlb (the user's setting, or ours after the restart: no second one); under
// valgrind (its preload in LD_PRELOAD: /proc/self/exe is valgrind's tool there); and when the
// kernel's THP mode (`thp_enabled`, the text of /sys/kernel/mm/transparent_hugepage/enabled)
// is "never" or unknown. Null pointers are unset variables.
std::optional<std::string> huge_page_tunables(std::string_view command,
                                              const char* joule_huge_pages,
                                              const char* glibc_tunables, const char* ld_preload,
                                              std::string_view thp_enabled);

// Starts this program again (execv of /proc/self/exe with the same arguments, the same process)
// with the tunable set when huge_page_tunables() says so. Call first thing in main(); it returns
// when there is nothing to do or the exec fails (then the run goes on with 4 KiB pages).
void restart_with_huge_pages(int argc, char** argv);

}  // namespace joule::app
