#include <doctest/doctest.h>

#include "io/yaml_params.hpp"
#include "sim/params.hpp"
#include "sim/registry.hpp"

using namespace joule;
using sim::InputError;

namespace {

const sim::ModelDoc& chiller_doc() {
  static const sim::ModelDoc doc{"cooling",
                                 "test-chiller",
                                 "a chiller for tests",
                                 {{"cop", "number", "6.0", "rated COP"},
                                  {"capacity", "W", "", "rated capacity"},
                                  {"supply", "degC", "7 degC", "leaving chilled water"},
                                  {"approach", "K", "4 K", "tower approach"},
                                  {"dwell", "s", "20 min", "minimum dwell"},
                                  {"count", "integer", "2", "units"},
                                  {"enabled", "bool", "true", "economizer on"},
                                  {"mode", "string", "eco", "mode"}}};
  return doc;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a reader returns values, defaults and locations") {
  const auto root = io::parse_yaml_text("cooling:\n  cop: 5.5\n  capacity: 2 MW\n", "x.yaml");
  const sim::ParamReader r(root.find("cooling"), chiller_doc());
  CHECK(r.number("cop", sim::Range::positive()) == 5.5);
  CHECK(r.quantity<sim::Watts>("capacity").value() == doctest::Approx(2e6));
  CHECK(r.celsius("supply").value == doctest::Approx(7));  // default
  CHECK(r.kelvins("approach").value() == doctest::Approx(4));
  CHECK(r.duration("dwell") == sim::minutes(20));
  CHECK(r.integer("count") == 2);
  CHECK(r.boolean("enabled"));
  CHECK(r.string("mode") == "eco");
  CHECK(r.has("cop"));
  CHECK_FALSE(r.has("supply"));
  CHECK(r.location("capacity").to_string() == "x.yaml:3:13");
}

TEST_CASE("errors point into the file with the line and a caret") {
  const auto root = io::parse_yaml_text("cooling:\n  cop: -3\n  capacity: 2 MW\n", "x.yaml");
  const sim::ParamReader r(root.find("cooling"), chiller_doc());
  const std::string msg = message_of([&] { r.number("cop", sim::Range::positive()); });
  CHECK(msg.find("x.yaml:2:8: cooling.cop must be > 0, got -3") == 0);
  CHECK(msg.find(" 2 |   cop: -3\n") != std::string::npos);
  CHECK(msg.find("|        ^") != std::string::npos);
}

TEST_CASE("unknown keys, wrong units and missing keys are input errors") {
  auto reader_for = [](const std::string& text) {
    static sim::ParamNode keep;
    keep = io::parse_yaml_text(text, "y.yaml");
    return [&]() { return sim::ParamReader(keep.find("c"), chiller_doc()); };
  };
  CHECK(message_of([&] {
          reader_for("c: {cpo: 5, capacity: 1 MW}\n")();
        }).find("y.yaml:1:5: unknown key 'cpo' for cooling 'test-chiller' (did you mean 'cop'?)") ==
        0);
  {
    auto make = reader_for("c: {capacity: 5 J}\n");
    CHECK(message_of([&] {
            make().quantity<sim::Watts>("capacity");
          }).find("c.capacity: wrong dimension: expected a power (W), got a energy") !=
          std::string::npos);
  }
  {
    auto make = reader_for("c: {capacity: 5}\n");
    CHECK(message_of([&] { make().quantity<sim::Watts>("capacity"); }).find("missing unit") !=
          std::string::npos);
  }
  {
    auto make = reader_for("c: {cop: 4}\n");
    CHECK(message_of([&] {
            make().quantity<sim::Watts>("capacity");
          }).find("missing required key 'c.capacity'") != std::string::npos);
  }
  {
    // A default the caller's range refuses: the key is required here, and the error points at
    // the map it is missing from (line 1, column 4), not at the default.
    auto make = reader_for("c: {capacity: 1 W}\n");
    CHECK(message_of([&] {
            make().number("cop", sim::Range::between(7, 9));
          }).find("y.yaml:1:4: missing key 'c.cop' (rated COP): give a value in [7, 9]") == 0);
    CHECK(message_of([&] {
            make().integer("count", sim::Range::between(3, 9));
          }).find("y.yaml:1:4: missing key 'c.count' (units): give a value in [3, 9]") == 0);
  }
  {
    auto make = reader_for("c: {count: 2.5, capacity: 1 W}\n");
    CHECK(message_of([&] { make().integer("count"); }).find("must be an integer") !=
          std::string::npos);
  }
  {
    auto make = reader_for("c: {mode: ecco, capacity: 1 W}\n");
    CHECK(message_of([&] {
            make().choice("mode", {"eco", "double-conversion"});
          }).find("unknown value 'ecco' (did you mean 'eco'?). Valid: eco, double-conversion") !=
          std::string::npos);
  }
}

TEST_CASE("malformed YAML and duplicate keys point into the file") {
  CHECK(message_of([] { io::parse_yaml_text("a: [1, 2\nb: 3\n", "bad.yaml"); }).find("bad.yaml:") ==
        0);
  CHECK(message_of([] {
          io::parse_yaml_text("a: 1\nb: 2\na: 3\n", "dup.yaml");
        }).find("dup.yaml:3:1: duplicate key 'a'") == 0);
}

namespace {
struct Widget {
  virtual ~Widget() = default;
  virtual double value() const = 0;
};
struct Fixed : Widget {
  double v;
  explicit Fixed(double x) : v(x) {}
  double value() const override { return v; }
};
const bool registered = sim::Registry<Widget>::add(
    {"widget", "fixed", "returns its value", {{"value", "number", "1", "the value"}}},
    [](const sim::ParamReader& r) { return std::make_unique<Fixed>(r.number("value")); });
}  // namespace

TEST_CASE("registry creates by name and lists valid names for unknown ones") {
  CHECK(registered);
  const auto root = io::parse_yaml_text("w: {type: fixed, value: 4}\n", "r.yaml");
  auto w = sim::Registry<Widget>::create("fixed", root.find("w")->where, root.find("w"));
  CHECK(w->value() == 4);
  const std::string msg = message_of(
      [&] { sim::Registry<Widget>::create("fixd", root.find("w")->where, root.find("w")); });
  CHECK(msg.find("unknown widget 'fixd' (did you mean 'fixed'?). Valid: fixed") !=
        std::string::npos);
}

TEST_CASE("a compound duration reads as one duration; a malformed one points at its part") {
  const auto root = io::parse_yaml_text("cooling:\n  dwell: 33 d 12 h\n", "x.yaml");
  const sim::ParamReader r(root.find("cooling"), chiller_doc());
  CHECK(r.duration("dwell") == sim::hours(33 * 24 + 12));
  const auto bad = io::parse_yaml_text("cooling:\n  dwell: 1 h 30\n", "x.yaml");
  const sim::ParamReader rb(bad.find("cooling"), chiller_doc());
  const std::string msg = message_of([&] { rb.duration("dwell"); });
  CHECK(msg.find("x.yaml:2:14: cooling.dwell: '30' needs a unit") == 0);
}
