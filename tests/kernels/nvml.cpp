// The dlopen NVML loader (kernels/calib/nvml.hpp) fails cleanly, with a message that says
// what is missing, when the library is absent or is not NVML. (Runs on machines without a GPU;
// the success path is exercised by joule-calibrate on a GPU machine.)
#include "calib/nvml.hpp"

#include <doctest/doctest.h>

#include <string>

using joule::calib::Nvml;
using joule::calib::NvmlError;

TEST_CASE("NVML loader reports a missing library instead of crashing") {
  const std::string path = "/nonexistent/dir/libnvidia-ml.so.1";
  try {
    Nvml nvml(path);
    FAIL("loading a nonexistent NVML library must throw");
  } catch (const NvmlError& e) {
    const std::string what = e.what();
    CHECK(what.find("cannot load NVML library '" + path + "'") != std::string::npos);
    CHECK(what.find("NVIDIA driver") != std::string::npos);
    CHECK(e.code() == -1);
  }
}

TEST_CASE("NVML loader rejects a library that is not NVML") {
  // libm is on every glibc system and has none of the nvml* symbols.
  CHECK_THROWS_WITH_AS(Nvml("libm.so.6"), doctest::Contains("lacks required symbol nvmlInit_v2"),
                       NvmlError);
}
