#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

#include "sim/time.hpp"

using namespace joule::sim;

TEST_CASE("Time builders are exact nanosecond counts") {
  CHECK(seconds(1).ns() == 1'000'000'000);
  CHECK(minutes(15).ns() == 15 * 60 * 1'000'000'000LL);
  CHECK(hours(2) == minutes(120));
  CHECK(days(365).ns() == 365LL * 86400 * 1'000'000'000LL);
  CHECK(seconds(1.5e-9).ns() == 2);  // rounds to nearest
  CHECK(seconds(-1).ns() == -1'000'000'000);
}

TEST_CASE("Time arithmetic") {
  const Time a = seconds(90), b = minutes(1);
  CHECK((a - b) == seconds(30));
  CHECK((a + b) == seconds(150));
  CHECK(b * 3 == minutes(3));
  CHECK(a / seconds(30) == 3);
  CHECK(a % seconds(40) == seconds(10));
  CHECK(hours(1).seconds() == doctest::Approx(3600.0));
  CHECK(b < a);
}

TEST_CASE("Time overflow is reported, never wrapped") {
  CHECK_THROWS_AS(Time::max() + Time::from_ns(1), std::overflow_error);
  CHECK_THROWS_AS(Time::from_ns(std::numeric_limits<Time::rep>::min()) - Time::from_ns(1),
                  std::overflow_error);
  CHECK_THROWS_AS(days(365) * 1000, std::overflow_error);  // 365,000 days > 292 years
  CHECK_THROWS_AS(days(1e6), std::overflow_error);
  CHECK_THROWS_AS(seconds(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  CHECK_THROWS_AS(seconds(1) / Time::zero(), std::domain_error);
  // A century still fits.
  CHECK_NOTHROW(days(36500));
}

TEST_CASE("Time prints in human units") {
  CHECK(to_string(Time::from_ns(350)) == "350 ns");
  CHECK(to_string(seconds(0.25)) == "250 ms");
  CHECK(to_string(seconds(3723)) == "01:02:03");
  CHECK(to_string(days(2) + hours(3) + seconds(4.5)) == "2 d 03:00:04.5");
  CHECK(to_string(seconds(-90)) == "-00:01:30");
}
