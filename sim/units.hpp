// Typed physical quantities and the one parser for quantity strings ("700 W", "35 degC").
//
// A Quantity carries its dimension in the type: exponents of mass (kg), length (m), time (s),
// temperature (K), data (byte), operations (FLOP), emitted CO2-equivalent mass (kgCO2e) and
// money (USD). Values are stored in those base units, so `Watts{700}.value() == 700` and
// `Joules j = Watts{700} * Seconds{2}` is checked by the compiler. Public APIs and specs use
// these types; hot loops use plain doubles whose names carry the unit (power_w, energy_j).
//
// Absolute temperatures are `Celsius` (affine, no arithmetic beyond differences); temperature
// differences are `Kelvins`.
#pragma once

#include <string>
#include <string_view>

namespace joule::sim {

template <int Mass, int Length, int TimeE, int Temp, int Data, int Ops, int Co2, int Money>
struct Dim {
  static constexpr int mass = Mass, length = Length, time = TimeE, temp = Temp, data = Data,
                       ops = Ops, co2 = Co2, money = Money;
};

template <class A, class B>
using DimMul = Dim<A::mass + B::mass, A::length + B::length, A::time + B::time, A::temp + B::temp,
                   A::data + B::data, A::ops + B::ops, A::co2 + B::co2, A::money + B::money>;
template <class A, class B>
using DimDiv = Dim<A::mass - B::mass, A::length - B::length, A::time - B::time, A::temp - B::temp,
                   A::data - B::data, A::ops - B::ops, A::co2 - B::co2, A::money - B::money>;

template <class D>
class Quantity {
public:
  using dim = D;
  constexpr Quantity() = default;
  constexpr explicit Quantity(double base_value) : v_(base_value) {}
  // The value in base units (W, J, s, kg, m³, byte, FLOP, kgCO2e, USD and their combinations).
  constexpr double value() const { return v_; }

  constexpr Quantity operator+(Quantity o) const { return Quantity(v_ + o.v_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(v_ - o.v_); }
  constexpr Quantity operator-() const { return Quantity(-v_); }
  constexpr Quantity& operator+=(Quantity o) {
    v_ += o.v_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity o) {
    v_ -= o.v_;
    return *this;
  }
  constexpr Quantity operator*(double k) const { return Quantity(v_ * k); }
  constexpr Quantity operator/(double k) const { return Quantity(v_ / k); }
  constexpr double operator/(Quantity o) const { return v_ / o.v_; }
  constexpr auto operator<=>(const Quantity&) const = default;

  template <class E>
  constexpr Quantity<DimMul<D, E>> operator*(Quantity<E> o) const {
    return Quantity<DimMul<D, E>>(v_ * o.value());
  }
  template <class E>
  constexpr Quantity<DimDiv<D, E>> operator/(Quantity<E> o) const {
    return Quantity<DimDiv<D, E>>(v_ / o.value());
  }

private:
  double v_ = 0.0;
};

template <class D>
constexpr Quantity<D> operator*(double k, Quantity<D> q) {
  return q * k;
}

using Dimensionless = Dim<0, 0, 0, 0, 0, 0, 0, 0>;
using Ratio = Quantity<Dimensionless>;
using Seconds = Quantity<Dim<0, 0, 1, 0, 0, 0, 0, 0>>;
using Watts = Quantity<Dim<1, 2, -3, 0, 0, 0, 0, 0>>;
using Joules = Quantity<Dim<1, 2, -2, 0, 0, 0, 0, 0>>;
using Kelvins = Quantity<Dim<0, 0, 0, 1, 0, 0, 0, 0>>;  // temperature difference
using Kilograms = Quantity<Dim<1, 0, 0, 0, 0, 0, 0, 0>>;
using CubicMeters = Quantity<Dim<0, 3, 0, 0, 0, 0, 0, 0>>;
using CubicMetersPerSecond = Quantity<Dim<0, 3, -1, 0, 0, 0, 0, 0>>;
using KilogramsPerSecond = Quantity<Dim<1, 0, -1, 0, 0, 0, 0, 0>>;
using Pascals = Quantity<Dim<1, -1, -2, 0, 0, 0, 0, 0>>;
using Hertz = Quantity<Dim<0, 0, -1, 0, 0, 0, 0, 0>>;
using Bytes = Quantity<Dim<0, 0, 0, 0, 1, 0, 0, 0>>;
using BytesPerSecond = Quantity<Dim<0, 0, -1, 0, 1, 0, 0, 0>>;
using Flops = Quantity<Dim<0, 0, 0, 0, 0, 1, 0, 0>>;  // an operation count
using FlopsPerSecond = Quantity<Dim<0, 0, -1, 0, 0, 1, 0, 0>>;
using JoulesPerFlop = Quantity<Dim<1, 2, -2, 0, 0, -1, 0, 0>>;
using JoulesPerByte = Quantity<Dim<1, 2, -2, 0, -1, 0, 0, 0>>;
using WattsPerKelvin = Quantity<Dim<1, 2, -3, -1, 0, 0, 0, 0>>;   // thermal conductance
using KelvinsPerWatt = Quantity<Dim<-1, -2, 3, 1, 0, 0, 0, 0>>;   // thermal resistance
using JoulesPerKelvin = Quantity<Dim<1, 2, -2, -1, 0, 0, 0, 0>>;  // heat capacity
using PerKelvin = Quantity<Dim<0, 0, 0, -1, 0, 0, 0, 0>>;
using KgCo2e = Quantity<Dim<0, 0, 0, 0, 0, 0, 1, 0>>;
using CarbonIntensity = Quantity<Dim<-1, -2, 2, 0, 0, 0, 1, 0>>;  // kgCO2e per J
using Usd = Quantity<Dim<0, 0, 0, 0, 0, 0, 0, 1>>;
using UsdPerJoule = Quantity<Dim<-1, -2, 2, 0, 0, 0, 0, 1>>;
using Liters = CubicMeters;  // stored in m³; 1 L = 1e-3 m³

// Absolute temperature in degrees Celsius.
struct Celsius {
  double value = 0.0;
  constexpr auto operator<=>(const Celsius&) const = default;
  constexpr Kelvins operator-(Celsius o) const { return Kelvins(value - o.value); }
  constexpr Celsius operator+(Kelvins d) const { return Celsius{value + d.value()}; }
  constexpr Celsius operator-(Kelvins d) const { return Celsius{value - d.value()}; }
};

inline constexpr double kelvin_offset = 273.15;
inline constexpr double joules_per_kwh = 3.6e6;
inline constexpr double seconds_per_hour = 3600.0;

// Runtime dimension, as produced by the parser.
struct DimVector {
  int mass = 0, length = 0, time = 0, temp = 0, data = 0, ops = 0, co2 = 0, money = 0;
  bool operator==(const DimVector&) const = default;
  template <class D>
  static constexpr DimVector of() {
    return {D::mass, D::length, D::time, D::temp, D::data, D::ops, D::co2, D::money};
  }
};

// "kg m^2 s^-3" style description; "1" when dimensionless.
std::string describe(const DimVector& dim);

struct ParsedQuantity {
  double value = 0.0;  // in base units; absolute temperatures in K
  DimVector dim;
  double affine_offset = 0;  // K added by an affine unit (degC: 273.15); 0 otherwise
  bool has_unit = false;     // false for a bare number
};

// Parses "<number> [<unit>]". Units: SI prefixes (p n u µ m k M G T P E) on W, J, Wh, s, g,
// B, bit, FLOP, Hz, L, Pa, m; also min, h, d, yr, degC, degF, K, %, gCO2e, USD, "kWh", and
// products/quotients ("TB/s", "pJ/bit", "kgCO2e/kWh", "USD/MWh", "W/K"). A compound quantity
// adds parts of one dimension, each a non-negative number and a single unit, largest unit first
// and each once: "33 d 12 h", "1 h 30 min". Throws UnitError with a message and the character
// offset of the problem within `text`.
ParsedQuantity parse_quantity(std::string_view text);

struct UnitError {
  std::string message;
  std::size_t offset = 0;  // where in the parsed text the problem starts
};

// Converts a parsed quantity to the requested type, checking the dimension.
// A bare number is accepted only for dimensionless quantities unless `allow_bare` is set.
template <class Q>
Q as(const ParsedQuantity& p, bool allow_bare = false);

void check_dimension(const ParsedQuantity& p, const DimVector& want, bool allow_bare);

template <class Q>
Q as(const ParsedQuantity& p, bool allow_bare) {
  check_dimension(p, DimVector::of<typename Q::dim>(), allow_bare);
  return Q(p.value);
}

// Absolute temperature: accepts degC, degF or K (bare number: degC when allow_bare).
Celsius as_celsius(const ParsedQuantity& p, bool allow_bare = false);
// Temperature difference: accepts K or degC/degF as a difference.
Kelvins as_kelvins(const ParsedQuantity& p, bool allow_bare = false);

}  // namespace joule::sim
