// SHA-256 against the FIPS 180-2 examples and Python's hashlib at the padding boundaries, and
// the input log: what a capture records, serves, and leaves alone outside it.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/input_files.hpp"

using namespace joule::sim;

TEST_CASE("SHA-256 matches the published test vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // One or two padding blocks: 55 bytes fit the length in the last block, 56 do not.
  CHECK(sha256_hex(std::string(55, 'x')) ==
        "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  CHECK(sha256_hex(std::string(56, 'x')) ==
        "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  CHECK(sha256_hex(std::string(64, 'x')) ==
        "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
  CHECK(sha256_hex(std::string(119, 'x')) ==
        "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c");
  CHECK(sha256_hex(std::string(120, 'x')) ==
        "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98");
}

TEST_CASE("a capture records each file once, serves files, and ends with its scope") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("joule-input-files-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "a.csv").string();
  std::ofstream(file) << "abc";
  {
    InputCapture capture(true);
    capture.serve((dir / "x" / ".." / "served.csv").string(), "served bytes");
    CHECK(read_input_file(file, {}) == "abc");
    CHECK(read_input_file((dir / "." / "a.csv").string(), {}) == "abc");  // same file
    CHECK(input_file_exists((dir / "served.csv").string()));
    CHECK(read_input_file((dir / "served.csv").string(), {}) == "served bytes");
    REQUIRE(capture.files().size() == 2);
    CHECK(capture.files()[0].path == file);
    CHECK(capture.files()[0].size == 3);
    CHECK(capture.files()[0].sha256 == sha256_hex("abc"));
    CHECK(capture.files()[0].contents == "abc");
    CHECK(capture.files()[1].contents == "served bytes");
  }
  // Outside the capture nothing is served or recorded.
  CHECK_FALSE(input_file_exists((dir / "served.csv").string()));
  CHECK_THROWS_WITH_AS(read_input_file((dir / "served.csv").string(), {}),
                       doctest::Contains("cannot read file"), InputError);
  std::filesystem::remove_all(dir);
}
