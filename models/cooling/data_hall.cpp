#include "models/cooling/data_hall.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <type_traits>

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
    r.from_supply = net_.stream(supply_, r.inlet, 0);
    r.from_room = net_.stream(room_, r.inlet, 0);
    r.recirc = net_.stream(r.outlet, r.inlet, 0);
    r.through = net_.stream(r.inlet, r.outlet, 0);
    r.to_room = net_.stream(r.outlet, room_, 0);
  }
  outlet_first_ = racks_.front().outlet.index;
  for (int i = 0; i < design.racks; ++i)
    if (racks_[static_cast<std::size_t>(i)].outlet.index != outlet_first_ + 2 * i)
      throw std::logic_error("data hall: rack nodes out of order");
  bypass_ = net_.stream(supply_, room_, 0);
  to_crah_ = net_.stream(room_, crah_return_, 0);
  for (const Rack& r : racks_) demand_w_per_k_ += (1 - r.recirculation) * r.rate_w_per_k;
  update_flows();
  watch_.cohort_of.assign(racks_.size(), -1);
  watch_.reported.resize(racks_.size());
  for (int i = 0; i < design.racks; ++i) watch_.reported[static_cast<std::size_t>(i)] = inlet_c(i);
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
  if (rack < 0 || rack >= racks()) throw std::out_of_range("data hall: no such rack");
  const ThermalNetwork::Node outlet{outlet_first_ + 2 * rack};
  if (net_.aggregated() && rack_groups().identity)
    net_.set_group_heat(outlet, rack, groups_.outlet_local, power_w);
  else
    net_.set_heat(outlet, power_w);
}

void DataHall::set_rack_powers(std::span<const std::uint32_t> racks,
                               std::span<const double> power_w) {
  // The largest rack against both bounds: the same test as one per rack, in a loop without
  // branches (the compiler takes four racks at a time).
  std::uint32_t highest = 0;
  for (const std::uint32_t r : racks) highest = std::max(highest, r);
  if (!racks.empty() &&
      (highest >= static_cast<std::uint32_t>(this->racks()) || highest >= power_w.size()))
    throw std::out_of_range("data hall: no such rack");
  if (net_.aggregated() && rack_groups().identity) {
    net_.set_groups_heat(racks, power_w, outlet_first_, 2, groups_.outlet_local);
    return;
  }
  for (const std::uint32_t r : racks) set_rack_power(static_cast<int>(r), power_w[r]);
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

const DataHall::RackGroups& DataHall::rack_groups() const {
  RackGroups& gr = groups_;
  if (gr.known) return gr;
  gr.known = true;
  const std::size_t n = racks_.size();
  gr.rack_of_group.assign(static_cast<std::size_t>(net_.node_count()), -1);
  gr.group_of_rack.assign(n, -1);
  gr.inlet_local =
      net_.group_of(racks_.front().inlet) >= 0 ? net_.local_of(racks_.front().inlet) : -1;
  gr.outlet_local =
      net_.group_of(racks_.front().outlet) >= 0 ? net_.local_of(racks_.front().outlet) : -1;
  bool identity = true;
  for (std::size_t i = 0; i < n; ++i) {
    const int g = net_.group_of(racks_[i].inlet);
    // A rack on a hub, two racks in one group, or an inlet elsewhere in its group: the racks
    // are read rack by rack.
    if (g < 0 || gr.rack_of_group[static_cast<std::size_t>(g)] >= 0 ||
        net_.local_of(racks_[i].inlet) != gr.inlet_local)
      return gr;
    gr.rack_of_group[static_cast<std::size_t>(g)] = static_cast<int>(i);
    gr.group_of_rack[i] = g;
    identity = identity && g == static_cast<int>(i) && net_.group_of(racks_[i].outlet) == g &&
               net_.local_of(racks_[i].outlet) == gr.outlet_local;
  }
  gr.by_class = true;
  gr.identity = identity;
  gr.racks_only = net_.group_of(room_) < 0;
  return gr;
}

// Racks in one class of the network have the same temperatures: the class's inlet is read.
double DataHall::max_inlet_c() const {
  double m = -1e300;
  if (!net_.aggregated() || !rack_groups().by_class) {
    for (int i = 0; i < racks(); ++i) m = std::max(m, inlet_c(i));
    return m;
  }
  const int local = groups_.inlet_local;
  net_.for_each_class([&](int cls, int) { m = std::max(m, net_.class_temperature(cls, local)); });
  return m;
}

// The racks of a cohort share the class's inlet (temperature() reads it through the class) and
// their reported inlet, so one test decides for all of them: the same test, on the same
// numbers, as one per rack. The network records which groups changed class (a split between
// steps, a merge at a step); those racks move to the cohort of their new class at the same
// reported inlet before the test.
//
// Only the cohorts of some classes are tested. A class's inlet changes at a step that lists it
// (ThermalNetwork::classes_stepped()), or with a new class made by a split (its racks moved to
// it); a cohort's class and reported inlet change only when racks move between cohorts (into
// the cohorts of the classes the moved racks are in now) or when this call reports it. So a
// cohort of a class neither listed by the step nor holding a moved rack has the inlet and the
// reported inlet the last call left, and the test it passed then it passes now. The same
// cohorts are reported as by a test of every cohort, in another order (the racks are sorted).
double DataHall::take_moved_inlets(double tol_k, std::vector<int>& out) {
  InletWatch& w = watch_;
  const std::size_t first = out.size();
  const auto moved = [tol_k](double now_c, double reported_c) {
    return !(std::fabs(now_c - reported_c) <= tol_k);
  };
  ++w.calls;
  const long steps = w.steps;
  w.steps = 0;
  w.moves.clear();
  const RackGroups* groups = net_.aggregated() ? &rack_groups() : nullptr;
  // Every class with cohorts tested (cohorts built anew, more than one step since the last call,
  // or another tolerance), or those marked: the classes of the moved racks here, the step's listed
  // ones below.
  bool every = steps > 1 || std::bit_cast<std::uint64_t>(tol_k) != w.tol_bits;
  w.tol_bits = std::bit_cast<std::uint64_t>(tol_k);
  const auto class_slots = static_cast<std::size_t>(net_.class_slots());
  if (w.class_mark.size() < class_slots) w.class_mark.resize(class_slots, -1);
  if (w.to_test.size() < class_slots) w.to_test.resize(class_slots);
  long* const class_mark = w.class_mark.data();
  int* const to_test = w.to_test.data();
  const long calls = w.calls;
  std::size_t marked = 0;
  const auto mark = [&](int cls) {
    if (class_mark[cls] == calls) return;
    class_mark[cls] = calls;
    to_test[marked++] = cls;
  };
  if (!groups || !groups->by_class) {
    drop_cohorts();
  } else if (!w.valid || !net_.take_class_moves(w.moves)) {
    rebuild_cohorts(*groups);
    every = true;
  } else {
    // The moved groups are scattered over the racks: in chunks, each one's class id, record and
    // links are asked for first, so that the loads overlap instead of waiting one by one; `near`
    // moves ahead, a rack that will change cohort has the links of its cohort neighbours asked
    // for too, which leaving the cohort rewrites.
    constexpr std::size_t chunk = 64, near = 3;
    // The list and the rack count held in locals: leaving and joining cohorts
    // store through memory the compiler cannot tell apart from them, and neither changes them.
    const std::size_t moves = w.moves.size();
    const int* const moved_groups = w.moves.data();
    const int rack_count = racks();
    int* const cohort_of = w.cohort_of.data();
    // The loop in three copies, with the hall's kind and the asking ahead fixed in each: the
    // flags held as variables were read from the stack and tested at every moved rack (the
    // 100k-GPU hall asks nothing ahead, and its groups are its racks). The same racks leave and
    // join the same cohorts in the same order in every copy.
    const auto move_racks = [&](auto ask_ahead_c, auto identity_c) {
      constexpr bool ask_ahead = decltype(ask_ahead_c)::value;
      constexpr bool same_ids = decltype(identity_c)::value;
      for (std::size_t i = 0; i < moves; ++i) {
        if (ask_ahead && i % chunk == 0) {
          for (std::size_t k = i; k < std::min(moves, i + chunk); ++k) {
            const int next = moved_groups[k];
            if (next >= rack_count) continue;
            net_.prefetch_class_of_group(next);
            __builtin_prefetch(cohort_of + next);
            __builtin_prefetch(&w.racks.link[static_cast<std::size_t>(next)]);
          }
        }
        if (ask_ahead && i + near < moves && (i + near) % chunk >= near) {
          const int next = moved_groups[i + near];
          if (next < rack_count) {
            const auto r = static_cast<std::size_t>(next);
            if (w.cohorts[static_cast<std::size_t>(cohort_of[r])].cls !=
                net_.class_of_group(next)) {
              const MemberLists::Link& l = w.racks.link[r];
              if (l.next >= 0)
                __builtin_prefetch(&w.racks.link[static_cast<std::size_t>(l.next)], 1);
              if (l.prev >= 0)
                __builtin_prefetch(&w.racks.link[static_cast<std::size_t>(l.prev)], 1);
            }
          }
        }
        const int g = moved_groups[i];
        const int rack = !same_ids        ? groups->rack_of_group[static_cast<std::size_t>(g)]
                         : g < rack_count ? g
                                          : -1;
        if (rack < 0) continue;
        const int cls = net_.class_of_group(g);
        mark(cls);
        const auto r = static_cast<std::size_t>(rack);
        const int from = cohort_of[r];
        const Cohort& c = w.cohorts[static_cast<std::size_t>(from)];
        if (c.cls == cls) continue;
        if (move_whole_cohort<same_ids>(from, cls, *groups)) continue;
        const double reported_c = c.reported_c;  // the rack's (read before it leaves)
        leave_cohort(rack);
        join_cohort(rack, cohort_for(cls, reported_c));
      }
    };
    // A hall of fewer racks keeps their records and links in the caches: no asking ahead.
    using yes = std::true_type;
    using no = std::false_type;
    if (!groups->identity)
      move_racks(no{}, no{});
    else if (racks_.size() >= ask_ahead_groups)
      move_racks(yes{}, yes{});
    else
      move_racks(no{}, yes{});
  }
  // The hottest inlet, as max_inlet_c() takes it: rack by rack here (in its order, as it does
  // without classes), by class below.
  if (!w.valid) {
    double hottest = -1e300;
    w.hot_cls = -1;
    w.nan_classes.clear();
    for (int i = 0; i < racks(); ++i) {
      const double t = inlet_c(i);
      hottest = std::max(hottest, t);
      if (moved(t, w.reported[static_cast<std::size_t>(i)])) {
        w.reported[static_cast<std::size_t>(i)] = t;
        out.push_back(i);
      }
    }
    return hottest;
  }
  // Every class has a chain (a class's racks are all in cohorts of it: the moves are done), and
  // the tests below add no cohort: the addresses held in registers.
  if (w.class_cohorts.size() < class_slots) w.class_cohorts.resize(class_slots, -1);
  const int* const chains = w.class_cohorts.data();
  const Cohort* const cohorts = w.cohorts.data();
  const ThermalNetwork::ClassColumn inlet = net_.class_temperatures(groups->inlet_local);
  // Every live class has racks (no other group) and so a cohort: the classes with cohorts are
  // the classes max_inlet_c() reads. The maximum of the same numbers is the same in any order
  // but for the sign of a zero (std::max keeps the first of +0 and −0, and a NaN is passed over
  // either way): a hottest inlet of 0 °C is read by class. The classes not tested kept their
  // inlets, none above the last call's hottest: while a class is still at that (it has cohorts
  // and the same bits), the hottest is the larger of it and the tested classes' inlets.
  int hot_cls = w.hot_cls;
  const bool held =
      groups->racks_only && !every && hot_cls >= 0 &&
      static_cast<std::size_t>(hot_cls) < class_slots && chains[hot_cls] >= 0 &&
      std::bit_cast<std::uint64_t>(inlet[hot_cls]) == std::bit_cast<std::uint64_t>(w.hot_c);
  double hottest = held ? w.hot_c : -1e300;
  if (!held) hot_cls = -1;
  // A class's inlet into the hottest, and its cohorts tested: a class of one cohort (nearly
  // every one) whose inlet is within tol of its reported one here, the others in test_cohorts().
  const auto test_class = [&](int cls) {
    const int k = chains[cls];
    if (k < 0) return;  // no racks (a class marked, emptied by a merge)
    const double t = inlet[cls];
    if (hottest < t) {  // std::max(hottest, t)
      hottest = t;
      hot_cls = cls;
    }
    const Cohort& c = cohorts[k];
    if (c.next_of_class < 0 && !moved(t, c.reported_c)) return;
    test_cohorts(cls, t, tol_k, out);
  };
  // A class tested twice is reported once: its cohorts left after the first test are within
  // tol of its inlet, or were reported at it in this call (reported_at; a NaN). So the step's list
  // and the last call's NaNs are taken as they are, with no mark against the moved racks'.
  const auto test_listed = [&](int cls) {
    if (static_cast<std::size_t>(cls) < class_slots) test_class(cls);
  };
  // The cohorts reported at a NaN by the last call, whose classes are tested again below.
  std::swap(w.nan_classes, w.nan_last);
  w.nan_classes.clear();
  if (every) {
    for (std::size_t cls = 0; cls < class_slots; ++cls) test_class(static_cast<int>(cls));
  } else {
    for (std::size_t i = 0; i < marked; ++i) test_class(to_test[i]);
    // The step's listed classes (with no step since the last call, none: the classes it listed
    // were tested then). An id of a class freed since may be past the slots.
    if (steps == 1)
      for (const int cls : net_.classes_stepped()) test_listed(cls);
    for (const int cls : w.nan_last) test_listed(cls);
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  // With other groups than the racks' (the room in a group), some classes have no cohort: the
  // hottest inlet is read by class.
  if (!groups->racks_only) {
    w.hot_cls = -1;
    return max_inlet_c();
  }
  if (!held && !every) {  // every class read
    for (std::size_t cls = 0; cls < class_slots; ++cls) {
      if (chains[cls] < 0) continue;
      const double t = inlet[static_cast<int>(cls)];
      if (hottest < t) {
        hottest = t;
        hot_cls = static_cast<int>(cls);
      }
    }
  }
  w.hot_c = hottest;
  w.hot_cls = hot_cls;
  if (hottest == 0) return max_inlet_c();
  return hottest;
}

// The cohorts of class `cls`, at inlet t: each one reported when t moved from its reported
// inlet, then joined to the class's cohort at t, if there is one. A cohort already reported in
// this call (merged into here) is reported at t: it moved only when t is not a number, so its
// reported_at is read after the test. The next cohort of the chain is read before each test (a
// cohort tested may be chained again at the chain's head, or joined to another and freed).
[[gnu::noinline]] void DataHall::test_cohorts(int cls, double t, double tol_k,
                                              std::vector<int>& out) {
  InletWatch& w = watch_;
  const auto moved = [tol_k](double now_c, double reported_c) {
    return !(std::fabs(now_c - reported_c) <= tol_k);
  };
  // Reports a cohort's racks at `t` (their reported inlet is the cohort's); a class whose
  // cohort is reported at a NaN or an infinity (not within tol of itself) is tested again at the
  // next call.
  const auto report = [&](int id) {
    for (int r = w.cohorts[static_cast<std::size_t>(id)].head; r >= 0; r = w.racks.next(r))
      out.push_back(r);
    w.reported_at[static_cast<std::size_t>(id)] = w.calls;
    if (moved(t, t)) w.nan_classes.push_back(cls);
  };
  for (int k = w.class_cohorts[static_cast<std::size_t>(cls)]; k >= 0;) {
    Cohort& c = w.cohorts[static_cast<std::size_t>(k)];
    const int next = c.next_of_class;
    if (moved(t, c.reported_c) && w.reported_at[static_cast<std::size_t>(k)] != w.calls) {
      report(k);
      unchain_cohort(k);
      c.reported_c = t;
      const int into_id = find_cohort(cls, t);
      if (into_id < 0) {
        chain_cohort(k);
      } else {
        Cohort& into = w.cohorts[static_cast<std::size_t>(into_id)];
        if (w.reported_at[static_cast<std::size_t>(into_id)] != w.calls &&
            moved(t, into.reported_c))
          report(into_id);  // t not a number
        int last = -1;
        for (int r = c.head; r >= 0; r = w.racks.next(r)) {
          w.cohort_of[static_cast<std::size_t>(r)] = into_id;
          last = r;
        }
        w.racks.splice_front(into, c, last);
        c.cls = -1;
        w.free_cohorts.push_back(k);
      }
    }
    k = next;
  }
}

// A job's racks change class together, and a cohort is most often the racks of one class:
// when every rack of cohort `id` is now in class `cls`, the cohort moves as a whole. Each of
// its racks would leave it for the cohort of `cls` at the same reported inlet (found, or made
// by the first of them), so the racks end in the same cohort either way: the cohort itself,
// relabelled to `cls`, or the one found, with the cohort's racks spliced in. Only the cohort's
// id and its racks' order in it differ, and neither is read for a report (a call's racks are
// sorted) nor for the hottest inlet (a maximum of the same inlets). A cohort found with a rack
// in another class is walked no more in this call (`walked`), so a call walks each cohort once.
template <bool same_ids>
bool DataHall::move_whole_cohort(int id, int cls, const RackGroups& groups) {
  InletWatch& w = watch_;
  const auto k = static_cast<std::size_t>(id);
  Cohort& c = w.cohorts[k];
  if (c.walked == w.calls) return false;
  int last = -1;
  for (int r = c.head; r >= 0; r = w.racks.next(r)) {
    const int g = same_ids ? r : groups.group_of_rack[static_cast<std::size_t>(r)];
    if (net_.class_of_group(g) != cls) {
      c.walked = w.calls;
      return false;
    }
    last = r;
  }
  unchain_cohort(id);
  const int into_id = find_cohort(cls, c.reported_c);
  if (into_id < 0) {
    c.cls = cls;
    chain_cohort(id);
    return true;
  }
  Cohort& into = w.cohorts[static_cast<std::size_t>(into_id)];
  for (int r = c.head; r >= 0; r = w.racks.next(r))
    w.cohort_of[static_cast<std::size_t>(r)] = into_id;
  w.racks.splice_front(into, c, last);
  c.cls = -1;
  w.free_cohorts.push_back(id);
  return true;
}

void DataHall::drop_cohorts() {
  InletWatch& w = watch_;
  if (w.valid) {
    for (std::size_t i = 0; i < w.cohort_of.size(); ++i)
      w.reported[i] = w.cohorts[static_cast<std::size_t>(w.cohort_of[i])].reported_c;
  }
  w.valid = false;
}

void DataHall::rebuild_cohorts(const RackGroups& groups) {
  InletWatch& w = watch_;
  drop_cohorts();  // the cohorts built before (if valid) hold the reported inlets
  w.moves.clear();
  net_.take_class_moves(w.moves);  // records the moves from now on
  w.moves.clear();
  w.valid = true;
  w.cohorts.clear();
  w.reported_at.clear();
  w.free_cohorts.clear();
  w.class_cohorts.clear();
  const std::size_t n = racks_.size();
  std::fill(w.cohort_of.begin(), w.cohort_of.end(), -1);
  w.racks.assign(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int cls = net_.class_of_group(groups.group_of_rack[i]);
    join_cohort(static_cast<int>(i), cohort_for(cls, w.reported[i]));
  }
}

int DataHall::find_cohort(int cls, double reported_c) const {
  const InletWatch& w = watch_;
  if (static_cast<std::size_t>(cls) >= w.class_cohorts.size()) return -1;
  const auto bits = std::bit_cast<std::uint64_t>(reported_c);
  for (int k = w.class_cohorts[static_cast<std::size_t>(cls)]; k >= 0;
       k = w.cohorts[static_cast<std::size_t>(k)].next_of_class)
    if (std::bit_cast<std::uint64_t>(w.cohorts[static_cast<std::size_t>(k)].reported_c) == bits)
      return k;
  return -1;
}

int DataHall::cohort_for(int cls, double reported_c) {
  InletWatch& w = watch_;
  const int found = find_cohort(cls, reported_c);
  if (found >= 0) return found;
  Cohort c;
  c.cls = cls;
  c.reported_c = reported_c;
  int id;
  if (!w.free_cohorts.empty()) {
    id = w.free_cohorts.back();
    w.free_cohorts.pop_back();
    w.cohorts[static_cast<std::size_t>(id)] = c;
    w.reported_at[static_cast<std::size_t>(id)] = -1;
  } else {
    id = static_cast<int>(w.cohorts.size());
    w.cohorts.push_back(c);
    w.reported_at.push_back(-1);
  }
  chain_cohort(id);
  return id;
}

void DataHall::chain_cohort(int cohort) {
  InletWatch& w = watch_;
  Cohort& c = w.cohorts[static_cast<std::size_t>(cohort)];
  const auto cls = static_cast<std::size_t>(c.cls);
  if (cls >= w.class_cohorts.size()) w.class_cohorts.resize(cls + 1, -1);
  c.next_of_class = w.class_cohorts[cls];
  w.class_cohorts[cls] = cohort;
}

void DataHall::unchain_cohort(int cohort) {
  InletWatch& w = watch_;
  const Cohort& c = w.cohorts[static_cast<std::size_t>(cohort)];
  int* at = &w.class_cohorts[static_cast<std::size_t>(c.cls)];
  while (*at != cohort) at = &w.cohorts[static_cast<std::size_t>(*at)].next_of_class;
  *at = c.next_of_class;
}

void DataHall::join_cohort(int rack, int cohort) {
  InletWatch& w = watch_;
  w.racks.push_front(w.cohorts[static_cast<std::size_t>(cohort)], rack);
  w.cohort_of[static_cast<std::size_t>(rack)] = cohort;
}

// Inlined into take_moved_inlets' loop over the moved racks, its one caller: as a call, saving
// and restoring its registers took 16 of its ~40 instructions.
[[gnu::always_inline]] inline void DataHall::leave_cohort(int rack) {
  InletWatch& w = watch_;
  const auto r = static_cast<std::size_t>(rack);
  const int id = w.cohort_of[r];
  Cohort& c = w.cohorts[static_cast<std::size_t>(id)];
  w.racks.unlink(c, rack);
  w.cohort_of[r] = -1;
  if (c.count == 0) {
    unchain_cohort(id);
    c.cls = -1;
    w.free_cohorts.push_back(id);
  }
}

int DataHall::inlet_cohorts() const {
  int n = 0;
  for (const Cohort& c : watch_.cohorts) n += c.cls >= 0;
  return n;
}

double DataHall::inlet_rise_k_per_w(int rack) const {
  const Rack& r = racks_.at(rack);
  return r.recirculation / ((1 - r.recirculation) * r.rate_w_per_k);
}

double DataHall::heat_removed_w() const {
  return net_.link_value(to_crah_) * (net_.temperature(room_) - net_.boundary(supply_));
}

}  // namespace joule::models::cooling
