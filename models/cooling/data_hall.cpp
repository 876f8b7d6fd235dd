#include "models/cooling/data_hall.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

const sim::ModelDoc& hall_doc() {
  static const sim::ModelDoc doc = [] {
    sim::ModelDoc d{
        "cooling",
        "hall",
        "data-hall air path (`cooling.hall`): containment and rack recirculation by position",
        {
            {"containment", "string", "cold-aisle",
             "none (open aisles), cold-aisle or hot-aisle (estimate: new AI halls are contained)"},
            {"racks_per_row", "integer", "16",
             "racks in one row (recirculation by position; estimate)"},
            {"recirculation", "number", "0.03 contained, 0.08 open",
             "share of a mid-row rack's intake that is its own exhaust (estimate)"},
            {"end_recirculation", "number", "0.03 contained, 0.25 open",
             "the same at the row ends (estimate)"},
            {"rack_thermal_mass", "J/K", "330 kJ/K",
             "heat capacity of a rack and its servers (estimate, ~670 kg)"},
        }};
    sim::model_docs().push_back(&d);
    return d;
  }();
  return doc;
}

namespace {
const bool hall_documented = (hall_doc(), true);
}  // namespace

HallLayout hall_layout(const sim::ParamReader& r) {
  HallLayout l;
  const std::string c = r.choice("containment", {"cold-aisle", "hot-aisle", "none"});
  l.containment = c == "none"        ? Containment::none
                  : c == "hot-aisle" ? Containment::hot_aisle
                                     : Containment::cold_aisle;
  const bool open = l.containment == Containment::none;
  l.racks_per_row = static_cast<int>(r.integer("racks_per_row", sim::Range::between(1, 1000)));
  l.recirculation_mid = r.has("recirculation") ? r.number("recirculation", {0, 1, true, false})
                                               : (open ? 0.08 : 0.03);
  l.recirculation_end = r.has("end_recirculation")
                            ? r.number("end_recirculation", {0, 1, true, false})
                            : (open ? 0.25 : l.recirculation_mid);
  l.rack_thermal_mass_j_per_k =
      r.quantity<sim::JoulesPerKelvin>("rack_thermal_mass", sim::Range::positive()).value();
  return l;
}

std::vector<double> recirculation_profile(const HallLayout& layout, int racks) {
  std::vector<double> r(static_cast<std::size_t>(std::max(racks, 0)));
  const int n = std::max(1, layout.racks_per_row);
  for (int i = 0; i < racks; ++i) {
    const int k = i % n;
    const double u = n > 1 ? std::abs(2.0 * k / (n - 1) - 1.0) : 0.0;
    r[static_cast<std::size_t>(i)] =
        layout.recirculation_mid + (layout.recirculation_end - layout.recirculation_mid) * u * u;
  }
  return r;
}

DataHall::DataHall(const DataHallDesign& design)
    : design_(design), airflow_ratio_(design.airflow_ratio) {
  if (!(design.airflow_ratio > 0)) throw std::invalid_argument("airflow ratio must be > 0");
  if (design.racks < 1) throw std::invalid_argument("data hall needs at least one rack");
  if (!design.rack_recirculation.empty() &&
      static_cast<int>(design.rack_recirculation.size()) != design.racks)
    throw std::invalid_argument("rack_recirculation needs one value per rack");
  const double air_j_per_m3_k = rho_air_kg_per_m3 * cp_air_j_per_kg_k;
  supply_ = net_.add_boundary(design.supply_c);
  crah_return_ = net_.add_boundary(design.supply_c);
  room_ =
      net_.add_node(air_j_per_m3_k * design.room_air_m3_per_rack * design.racks, design.supply_c);
  racks_.resize(design.racks);
  for (int i = 0; i < design.racks; ++i) {
    Rack& r = racks_[i];
    r.rate_w_per_k = design.rack_design_power_w / design.rack_delta_t_k;
    r.recirculation =
        design.rack_recirculation.empty() ? design.recirculation : design.rack_recirculation[i];
    if (!(r.recirculation >= 0 && r.recirculation < 1))
      throw std::invalid_argument("recirculation must be in [0, 1)");
    r.inlet = net_.add_node(air_j_per_m3_k * design.inlet_air_m3, design.supply_c);
    r.outlet = net_.add_node(design.rack_thermal_mass_j_per_k, design.supply_c);
    rack_of_node_.resize(static_cast<std::size_t>(net_.node_count()), -1);
    rack_of_node_[static_cast<std::size_t>(r.inlet.index)] = i;
    rack_of_node_[static_cast<std::size_t>(r.outlet.index)] = i;
    r.from_supply = net_.stream(supply_, r.inlet, 0);
    r.from_room = net_.stream(room_, r.inlet, 0);
    r.recirc = net_.stream(r.outlet, r.inlet, 0);
    r.through = net_.stream(r.inlet, r.outlet, 0);
    r.to_room = net_.stream(r.outlet, room_, 0);
  }
  bypass_ = net_.stream(supply_, room_, 0);
  to_crah_ = net_.stream(room_, crah_return_, 0);
  for (const Rack& r : racks_) demand_w_per_k_ += (1 - r.recirculation) * r.rate_w_per_k;
  update_flows();
}

void DataHall::update_flows() {
  const double demand = demand_w_per_k_;
  const double supply = capacity_fraction_ * airflow_ratio_ * demand;
  const double to_racks = std::min(supply, demand);
  const double a = demand > 0 ? to_racks / demand : 1.0;
  const double bypass = supply - to_racks;
  // With the same share a of the CRAH supply reaching the racks, no rack's links move: only the
  // bypass and the return (the CRAHs over-supplying by more or less) change.
  if (a != supplied_share_) {
    supplied_share_ = a;
    set_rack_flows(a);
  }
  net_.set_link(bypass_, bypass);
  net_.set_link(to_crah_, to_racks + bypass);
}

void DataHall::set_rack_flows(double a) {
  for (Rack& r : racks_) {
    const double once_through = (1 - r.recirculation) * r.rate_w_per_k;
    net_.set_link(r.from_supply, once_through * a);
    net_.set_link(r.from_room, once_through * (1 - a));
    net_.set_link(r.recirc, r.recirculation * r.rate_w_per_k);
    net_.set_link(r.through, r.rate_w_per_k);
    net_.set_link(r.to_room, once_through);
  }
}

void DataHall::set_rack_power(int rack, double power_w) {
  net_.set_heat(racks_.at(rack).outlet, power_w);
}

void DataHall::set_supply(double supply_c, double capacity_fraction) {
  net_.set_boundary(supply_, supply_c);
  if (!(capacity_fraction >= 0)) throw std::invalid_argument("capacity fraction must be >= 0");
  if (capacity_fraction != capacity_fraction_) {
    capacity_fraction_ = capacity_fraction;
    update_flows();
  }
}

void DataHall::set_airflow_ratio(double ratio) {
  if (!(ratio > 0)) throw std::invalid_argument("airflow ratio must be > 0");
  if (std::abs(ratio - airflow_ratio_) > 1e-3 * airflow_ratio_) {
    airflow_ratio_ = ratio;
    update_flows();
  }
}

double DataHall::room_intake_w_per_k() const {
  double w = 0;
  for (const Rack& r : racks_) w += net_.link_value(r.from_room);
  return w;
}

// Racks in one class of the network have the same temperatures: one rack of each is read.
double DataHall::max_inlet_c() const {
  double m = -1e300;
  if (!net_.aggregated()) {
    for (int i = 0; i < racks(); ++i) m = std::max(m, inlet_c(i));
    return m;
  }
  net_.for_each_class_node([&](ThermalNetwork::Node n) {
    const int rack = rack_of_node_[static_cast<std::size_t>(n.index)];
    if (rack >= 0) m = std::max(m, inlet_c(rack));
  });
  return m;
}

double DataHall::inlet_rise_k_per_w(int rack) const {
  const Rack& r = racks_.at(rack);
  return r.recirculation / ((1 - r.recirculation) * r.rate_w_per_k);
}

double DataHall::heat_removed_w() const {
  return net_.link_value(to_crah_) * (net_.temperature(room_) - net_.boundary(supply_));
}

}  // namespace joule::models::cooling
