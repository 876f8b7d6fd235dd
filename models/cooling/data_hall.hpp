// Data-hall air network built on ThermalNetwork: rack inlet and outlet air, the room/return
// air, and the CRAH supply as a boundary at the supply setpoint.
//
// Per rack i (IT power P_i, server airflow capacity rate W_i = m_dot·cp = P_design / ΔT_rack):
//   inlet_i   ← supply      (1 − r_i)·W_i·a       cold air reaching the rack
//             ← room        (1 − r_i)·W_i·(1 − a) room air drawn in when the CRAHs fall short
//             ← outlet_i    r_i·W_i               recirculated hot exhaust
//   outlet_i  ← inlet_i     W_i,  + P_i (heat), capacitance of the rack's thermal mass
//   room      ← outlet_i    (1 − r_i)·W_i
//             ← supply      bypass, S − min(S, Σ(1 − r_i)W_i): the CRAH surplus
//   CRAH      ← room        (return air leaves to the boundary)
// with a = min(1, S / Σ(1 − r_i)W_i), S the CRAH supply: ψ·Σ(1 − r_i)W_i times the available
// capacity fraction, ψ the CRAH/server airflow ratio (air_handler.hpp; the plant reports the
// ratio it delivers each step: above 1 the surplus bypasses, below 1 the racks make up the
// shortfall with room air). Every node's inflow equals its outflow. In steady state with a = 1,
//   T_inlet = T_supply + r/(1 − r) · P/W,   T_outlet = T_inlet + P/W.
// A failed CRAH (capacity fraction < 1) makes a < 1 and racks draw warm room air; a raised
// supply temperature raises every inlet.
//
// Recirculation by position (`containment`): with cold- or hot-aisle containment every rack
// sees r_mid; with open aisles hot exhaust wraps around the row ends and over the racks, so
// r grows from the middle of each row to its ends:
//   r_i = r_mid + (r_end − r_mid) · u_i²,   u_i = |2·k_i/(n_row − 1) − 1| ∈ [0, 1]
// (k_i: position of rack i in its row of n_row racks). Placement then matters: the same job
// warms its racks' inlets by r_i/(1 − r_i) · P/W, more at a row end than in the middle.
// r_i is also the rack's supply heat index, SHI = (T_inlet − T_supply)/(T_outlet − T_supply)
// (Sharma, Bash & Patel, "Dimensionless parameters for evaluation of thermal design and
// performance of large-scale data centers", AIAA 2002-3091): from the steady state above,
// (r/(1 − r) · P/W) / (P/((1 − r)·W)) = r. `inlet_rise_k_per_w` gives the steady inlet rise per
// watt of rack power, r_i/((1 − r_i)·W_i): what a placement policy ranks racks by (the static
// order of Moore et al.'s MinHR, "Making scheduling 'cool'", USENIX ATC 2005).
//
// | parameter            | default    | source                                              |
// |----------------------|------------|-----------------------------------------------------|
// | containment          | cold-aisle | estimate: new AI halls are contained                |
// | r_mid, r_end (contained) | 0.03, 0.03 | estimate: contained aisles 1–5 %                  |
// | r_mid, r_end (open)  | 0.08, 0.25 | estimate: open aisles 10–20 % on average (mean of   |
// |                      |            | the profile 0.137), worst at row ends                |
// | racks per row        | 16         | estimate                                            |
// | CRAH/server flow ψ   | 1.05       | estimate: contained aisles over-supply a few % (the  |
// |                      |            | plant's airflow_ratio; its delivered ratio each step) |
// | ΔT_rack              | 12 K       | estimate (server exhaust rise at design)             |
// | inlet air volume     | 2 m³/rack  | estimate (cold-aisle share)                          |
// | rack thermal mass    | 330 kJ/K   | estimate: 4 DGX-class servers (130 kg each, vendor  |
// |                      |            | spec) + a 150 kg rack ≈ 670 kg, c ≈ 0.5 kJ/(kg·K)   |
// | room air volume      | 25 m³/rack | estimate (hall with raised floor, per rack)          |
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "models/cooling/hall_layout.hpp"
#include "models/cooling/member_lists.hpp"
#include "models/cooling/thermal_network.hpp"
#include "sim/params.hpp"

namespace joule::models::cooling {

struct DataHallDesign {
  int racks = 1;
  double rack_design_power_w = 40e3;  // sets the server airflow W_i
  double rack_delta_t_k = 12.0;
  double recirculation = 0.03;             // default for every rack
  std::vector<double> rack_recirculation;  // per rack, overrides when not empty
  double airflow_ratio = 1.05;             // ψ: CRAH supply / server airflow
  double supply_c = 22.0;
  double inlet_air_m3 = 2.0;
  double rack_thermal_mass_j_per_k = 330e3;
  double room_air_m3_per_rack = 25.0;
};

class DataHall {
public:
  explicit DataHall(const DataHallDesign& design);

  void set_rack_power(int rack, double power_w);
  // set_rack_power(r, power_w[r]) for each r of `racks`, in order (the racks whose power changed
  // since the last step): the same effect, with the racks a few places ahead asked for early.
  void set_rack_powers(std::span<const std::uint32_t> racks, std::span<const double> power_w);
  // CRAH supply temperature (no re-factorization) and available airflow as a fraction of design
  // (re-factors when it changes).
  void set_supply(double supply_c, double capacity_fraction = 1.0);
  // CRAH supply / server airflow ψ the plant delivers (re-factors when it changes by > 0.1 %).
  void set_airflow_ratio(double ratio);
  double airflow_ratio() const { return airflow_ratio_; }
  // Bypass (CRAH supply around the racks) and room air the racks draw for want of supply, in
  // capacity-rate units (W/K), at the present flows.
  double bypass_w_per_k() const { return net_.link_value(bypass_); }
  double room_intake_w_per_k() const;
  void step(double dt_s) {
    net_.step(dt_s);
    ++watch_.steps;
  }
  void solve_steady() {
    net_.solve_steady();
    drop_cohorts();
  }

  double inlet_c(int rack) const {
    // Rack i is group i (rack_groups()): its inlet read from its class, no lookup of its node.
    if (groups_.identity && net_.aggregated())
      return net_.class_temperature(net_.class_of_group(rack), groups_.inlet_local);
    return net_.temperature(racks_[rack].inlet);
  }
  double outlet_c(int rack) const { return net_.temperature(racks_[rack].outlet); }
  double return_c() const { return net_.temperature(room_); }
  double max_inlet_c() const;
  // Calls f(rack, inlet_c(rack)) for every rack, in rack order; while the network has classes,
  // each inlet is read from its rack's class (a pass over the racks' class ids, not a lookup of
  // the rack's nodes). Defined after the class (a pragma in a class body throws clang-format).
  template <typename F>
  void for_each_inlet(F&& f) const;
  // Appends the racks whose inlet moved by more than `tol_k` (|T_now − T_reported| > tol_k, or
  // not a number) since this call last reported it, ascending, and reports them at their inlet
  // now; a rack is first "reported" at its inlet when the hall is made. The racks of one class
  // of the network (same state, same inlet) reported at the same value are kept together, and
  // only the cohorts of the classes the last step listed or a rack moved to are tested (the
  // others' inlets and reported values are as the last call left them), so a call costs
  // O(classes moved + racks that changed class or are reported), not O(racks) nor O(classes).
  // Returns max_inlet_c(), the same bits: every rack's class has a cohort, and the hottest of
  // them is kept from call to call (the classes not tested kept their inlets).
  double take_moved_inlets(double tol_k, std::vector<int>& racks);
  // Steady-state rise of a rack's inlet over the supply per watt of its own power with the
  // CRAHs keeping up (a = 1): r/((1 − r)·W), K/W.
  double inlet_rise_k_per_w(int rack) const;
  // Heat the CRAHs take out of the hall: return flow × (T_return − T_supply).
  double heat_removed_w() const;
  int racks() const { return static_cast<int>(racks_.size()); }
  // The inlet watch's live cohorts (tests: one for each class and reported inlet of its racks
  // while the watch follows the classes).
  int inlet_cohorts() const;
  const ThermalNetwork& network() const { return net_; }

private:
  // The racks of one network class reported at the same inlet form a cohort. A class's
  // cohorts (one, nearly always) are chained from InletWatch::class_cohorts, so a cohort is
  // found by indexing, not hashing, and a moved class's cohorts are walked without a search;
  // its racks are linked through InletWatch::racks.
  struct Cohort {
    int cls = -1;              // the network's class; -1: a free slot
    int head = -1, count = 0;  // its racks
    int next_of_class = -1;    // the next cohort of the same class
    double reported_c = 0;
    // The call that found a rack of it in another class than the one a moved rack of it went to
    // (move_whole_cohort()): in the record the moved rack's test has just read, not in a line of
    // its own (a third of the moved racks of the 100k hall find their cohort walked already).
    long walked = -1;
  };
  struct Rack {
    ThermalNetwork::Node inlet, outlet;
    ThermalNetwork::Link from_supply, from_room, recirc, through, to_room;
    double rate_w_per_k = 0;
    double recirculation = 0;
  };
  void update_flows();
  void set_rack_flows(double supplied_share);  // every rack's five links at share a
  // How the network groups the racks, found at the first read while it has classes: the
  // hall's sparsity pattern is fixed when the hall is made (every link exists from the start),
  // and with it the network's groups. `by_class`: every rack is a group of its own with its
  // inlet in the same place `inlet_local` of each (inlet and outlet, in the order they were
  // added), so a class's inlet is net_.class_temperature(class, inlet_local). `identity`: also
  // rack i is group i, with its outlet in place `outlet_local`, so a rack's power is set and
  // its inlet read without looking its nodes up (ThermalNetwork::set_group_heat).
  struct RackGroups {
    bool known = false;
    bool by_class = false;
    bool identity = false;
    bool racks_only = false;  // no group but the racks' (the room a hub): every class has racks
    int inlet_local = -1, outlet_local = -1;
    std::vector<int> rack_of_group;  // network group → rack (−1: none)
    std::vector<int> group_of_rack;
  };
  const RackGroups& rack_groups() const;  // while net_.aggregated()
  struct InletWatch {
    bool valid = false;  // cohorts rebuilt since the network's classes last changed wholesale
    long calls = 0;
    // Per rack, its cohort (−1: none), alone: a rack that changed class reads it, and sixteen
    // racks share a line (a job's moved racks are neighbours). While the cohorts are built
    // (`valid`), a rack's reported inlet is its cohort's, to the bit (a rack joins only a cohort
    // at its reported inlet, and a cohort's racks are reported together), and the rack's own in
    // `reported` is not kept; it is written from the cohorts when they are dropped, and read
    // while there are none.
    std::vector<int> cohort_of;
    std::vector<double> reported;
    std::vector<Cohort> cohorts;
    // Per cohort slot: the call that last reported it (test_cohorts(): rarely read).
    std::vector<long> reported_at;
    std::vector<int> free_cohorts;
    std::vector<int> class_cohorts;  // network class → its first cohort (−1: none)
    MemberLists racks;               // each cohort's racks
    std::vector<int> moves;          // work
    // The network's steps since the last call (DataHall::step()): after one, the classes whose
    // inlets moved are among those it listed (ThermalNetwork::classes_stepped()); after more,
    // every class is tested.
    long steps = 0;
    std::uint64_t tol_bits = 0;  // the last call's tolerance
    // The classes whose cohorts a call tests, each once: per class slot, the call that listed it.
    std::vector<long> class_mark;
    std::vector<int> to_test;  // work
    // The classes of the cohorts the last call reported at a NaN or an infinity (an id may appear
    // twice): such a cohort is tested again at every call (it is never within tol of itself).
    std::vector<int> nan_classes, nan_last;  // nan_last: the last call's, work
    // The hottest inlet of the last call, over every class with cohorts, and a class at it (−1:
    // not known; the next call reads every class). Only for a hall of racks alone.
    double hot_c = 0;
    int hot_cls = -1;
  };
  // take_moved_inlets()' test of the cohorts of class `cls`, at inlet t, each reported (into
  // `out`) when t moved from its reported inlet, and joined to the class's cohort at t.
  void test_cohorts(int cls, double t, double tol_k, std::vector<int>& out);
  void rebuild_cohorts(const RackGroups& groups);
  // The racks' reported inlets written from their cohorts, and the cohorts no longer valid.
  void drop_cohorts();
  int find_cohort(int cls, double reported_c) const;  // −1: none
  int cohort_for(int cls, double reported_c);         // found or made
  void chain_cohort(int cohort);                      // into its class's chain
  void unchain_cohort(int cohort);
  void join_cohort(int rack, int cohort);
  // Every rack of cohort `id` now in class `cls`: the cohort moved to it whole, true; false
  // (nothing changed) when a rack is elsewhere.
  template <bool same_ids>
  bool move_whole_cohort(int id, int cls, const RackGroups& groups);
  void leave_cohort(int rack);  // frees the cohort when it empties

  mutable RackGroups groups_;
  // for_each_inlet()'s table of each class's inlet, kept between calls (no allocation a call).
  // It makes that const function write, so a hall is read by one thread at a time: each run
  // builds its own World and halls (app/run.cpp; a sweep's or an uncertainty run's threads each
  // run whole variants), and the facility that reads the inlets writes its own table the same
  // way (Facility::inlets_c()). Passing a table in would only move that scratch to the caller.
  mutable std::vector<double> inlet_of_class_;
  InletWatch watch_;

  DataHallDesign design_;
  ThermalNetwork net_;
  ThermalNetwork::Boundary supply_, crah_return_;
  ThermalNetwork::Node room_;
  ThermalNetwork::Link bypass_, to_crah_;
  std::vector<Rack> racks_;
  // Each rack's outlet node, racks_[i].outlet = outlet_first_ + 2·i (the constructor adds each
  // rack's inlet and outlet in turn): a control step sets the heat of the racks whose power
  // changed without reading their records.
  int outlet_first_ = 0;
  double capacity_fraction_ = 1.0;
  double airflow_ratio_ = 1.05;
  double demand_w_per_k_ = 0;  // Σ (1 − r_i) W_i, fixed by the design
  double supplied_share_ = std::numeric_limits<double>::quiet_NaN();  // a the racks' links hold
};

template <typename F>
void DataHall::for_each_inlet(F&& f) const {
  if (net_.aggregated() && rack_groups().identity) {  // rack i is group i
    // Each class's inlet copied once into a table (a few dozen classes at scale), then each
    // rack's read from it by its class id: a load of the id and one of the table a rack, four
    // racks a pass (about half the instructions of a read through the class a rack). A free
    // slot's copy is never read.
    const auto slots = static_cast<std::size_t>(net_.class_slots());
    inlet_of_class_.resize(slots);
    const ThermalNetwork::ClassColumn column = net_.class_temperatures(groups_.inlet_local);
    for (std::size_t c = 0; c < slots; ++c) inlet_of_class_[c] = column[static_cast<int>(c)];
    const double* const inlet_of_class = inlet_of_class_.data();
    const int* const class_of = net_.classes_of_groups();
    const int n = racks();
#pragma GCC unroll 4
    for (int i = 0; i < n; ++i) f(i, inlet_of_class[class_of[i]]);
    return;
  }
  if (net_.aggregated() && rack_groups().by_class) {
    const int local = groups_.inlet_local;
    for (int i = 0; i < racks(); ++i)
      f(i, net_.class_temperature(
               net_.class_of_group(groups_.group_of_rack[static_cast<std::size_t>(i)]), local));
    return;
  }
  for (int i = 0; i < racks(); ++i) f(i, inlet_c(i));
}

}  // namespace joule::models::cooling
