// A catalog number together with where it comes from.
//
// Every number in the hardware catalog says whether it is a vendor specification, a measurement
// (published or from a calibration run) or an estimate (derived by us; the derivation sits in a
// comment beside the number and in `source`). `joule list-models` prints all three.
#pragma once

#include <string>
#include <string_view>

namespace joule::models::compute {

enum class SourceKind { spec, measurement, estimate };

constexpr std::string_view to_string(SourceKind k) {
  switch (k) {
    case SourceKind::spec:
      return "spec";
    case SourceKind::measurement:
      return "measurement";
    case SourceKind::estimate:
      return "estimate";
  }
  return "?";
}

template <class T>
struct Sourced {
  T value{};
  SourceKind kind = SourceKind::estimate;
  std::string source;
};

template <class T>
Sourced<T> spec(T v, std::string src) {
  return {v, SourceKind::spec, std::move(src)};
}
template <class T>
Sourced<T> measured(T v, std::string src) {
  return {v, SourceKind::measurement, std::move(src)};
}
template <class T>
Sourced<T> estimate(T v, std::string src) {
  return {v, SourceKind::estimate, std::move(src)};
}

// One catalog number as listings show it (`joule list-models`, the scenario reference): its
// name, the number with its kind and source, and its unit.
struct CatalogField {
  std::string name;
  const Sourced<double>* value;
  std::string unit;
};

}  // namespace joule::models::compute
