#include "models/cooling/data_hall.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  watch_.rack.resize(racks_.size());
  for (int i = 0; i < design.racks; ++i)
    watch_.rack[static_cast<std::size_t>(i)].reported_c = inlet_c(i);
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
double DataHall::take_moved_inlets(double tol_k, std::vector<int>& out) {
  InletWatch& w = watch_;
  const std::size_t first = out.size();
  const auto moved = [tol_k](double now_c, double reported_c) {
    return !(std::fabs(now_c - reported_c) <= tol_k);
  };
  ++w.calls;
  w.moves.clear();
  const RackGroups* groups = net_.aggregated() ? &rack_groups() : nullptr;
  if (!groups || !groups->by_class) {
    w.valid = false;
  } else if (!w.valid || !net_.take_class_moves(w.moves)) {
    rebuild_cohorts(*groups);
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
    InletWatch::RackState* const rack_state = w.rack.data();
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
            __builtin_prefetch(rack_state + next);
            __builtin_prefetch(&w.racks.link[static_cast<std::size_t>(next)]);
          }
        }
        if (ask_ahead && i + near < moves && (i + near) % chunk >= near) {
          const int next = moved_groups[i + near];
          if (next < rack_count) {
            const auto r = static_cast<std::size_t>(next);
            if (w.cohorts[static_cast<std::size_t>(rack_state[r].cohort)].cls !=
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
        const auto r = static_cast<std::size_t>(rack);
        const int from = rack_state[r].cohort;
        if (w.cohorts[static_cast<std::size_t>(from)].cls == cls) continue;
        if (move_whole_cohort<same_ids>(from, cls, *groups)) continue;
        leave_cohort(rack);
        join_cohort(rack, cohort_for(cls, rack_state[r].reported_c));
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
  // without classes), by cohort below.
  double hottest = -1e300;
  if (!w.valid) {
    for (int i = 0; i < racks(); ++i) {
      const double t = inlet_c(i);
      hottest = std::max(hottest, t);
      if (moved(t, w.rack[static_cast<std::size_t>(i)].reported_c)) {
        w.rack[static_cast<std::size_t>(i)].reported_c = t;
        out.push_back(i);
      }
    }
    return hottest;
  }
  // Reports a cohort's racks at `t`.
  const auto report = [&](Cohort& c, double t) {
    for (int r = c.head; r >= 0; r = w.racks.next(r)) {
      w.rack[static_cast<std::size_t>(r)].reported_c = t;
      out.push_back(r);
    }
    c.stamp = w.calls;
  };
  // The scan's addresses and bounds held in registers (the reports below store through memory
  // the compiler cannot tell apart from them; a report adds no cohort).
  const ThermalNetwork::ClassColumn inlet = net_.class_temperatures(groups->inlet_local);
  Cohort* const cohorts = w.cohorts.data();
  const std::size_t cohort_slots = w.cohorts.size();
  const long calls = w.calls;
  const auto scan = [&](std::size_t k) {
    Cohort& c = cohorts[k];
    if (c.cls < 0) return;
    const double t = inlet[c.cls];
    hottest = std::max(hottest, t);
    // A cohort already reported in this call (merged into below) is reported at t: it moved
    // only when t is not a number, so its stamp is read after the test.
    if (!moved(t, c.reported_c) || c.stamp == calls) return;
    report(c, t);
    // Now reported at t: into the class's cohort at t, if there is one.
    unchain_cohort(static_cast<int>(k));
    c.reported_c = t;
    const int into_id = find_cohort(c.cls, t);
    if (into_id < 0) {
      chain_cohort(static_cast<int>(k));
      return;
    }
    Cohort& into = w.cohorts[static_cast<std::size_t>(into_id)];
    if (into.stamp != w.calls && moved(t, into.reported_c)) report(into, t);  // t not a number
    int last = -1;
    for (int r = c.head; r >= 0; r = w.racks.next(r)) {
      w.rack[static_cast<std::size_t>(r)].cohort = into_id;
      last = r;
    }
    w.racks.splice_front(into, c, last);
    c.cls = -1;
    w.free_cohorts.push_back(static_cast<int>(k));
  };
  // Nearly no cohort moves at a call: the scan runs in a function of its own (with no call in
  // its loop, its values stay in registers) up to the next cohort that did, reported here.
  for (std::size_t k = 0;
       (k = scan_quiet(cohorts, k, cohort_slots, inlet, tol_k, hottest)) < cohort_slots; ++k)
    scan(k);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  // Every live class has racks (no other group) and so a cohort: the cohorts' classes are the
  // classes max_inlet_c() reads, in another order. The maximum of the same numbers is the same
  // but for the sign of a zero (std::max keeps the first of +0 and −0): a hottest inlet of 0 °C,
  // or other groups, are read by class.
  if (!groups->racks_only || hottest == 0) return max_inlet_c();
  return hottest;
}

std::size_t DataHall::scan_quiet(const Cohort* cohorts, std::size_t k, std::size_t slots,
                                 ThermalNetwork::ClassColumn inlet, double tol_k, double& hottest) {
  double h = hottest;
  // A cohort's inlet into h; false when it moved (the test of take_moved_inlets()).
  const auto quiet = [&](const Cohort* c) {
    if (c->cls < 0) return true;
    const double t = inlet[c->cls];
    h = std::max(h, t);
    return std::fabs(t - c->reported_c) <= tol_k;
  };
#if defined(__SSE2__)
  // Two slots at a time: both inlets, their maxima and both tests in the two lanes of SSE2
  // registers. Each lane keeps the maximum of its cohorts as std::max does (the first of two
  // equal values; no NaN); the maximum of the lanes and h is the maximum of them all in any
  // order (but for the sign of a zero, which take_moved_inlets() reads again). A free slot
  // takes no branch (a test for one, at about a pair in four, was mispredicted at most of
  // them: ~1 M of the 100k-GPU hall's 30 days): its class is read as class 0's (which exists,
  // a hall with cohorts having classes) and its lane's inlet made a NaN, all ones, which
  // _mm_max_pd passes over (it returns its second operand when either is a NaN) and its test
  // takes as within tol.
  __m128d hot = _mm_set1_pd(h);
  const __m128d tol = _mm_set1_pd(tol_k);
  const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff));
  bool stopped = false;
  const Cohort* c = cohorts + k;
  const Cohort* const last = cohorts + (slots > 0 ? slots - 1 : 0);  // c, c + 1 both slots
  for (; c < last; c += 2) {
    const int c0 = c[0].cls, c1 = c[1].cls;
    // The classes sign-extended to 64 bits: a free slot's lane has its upper half all ones,
    // and with it copied to the lower half the whole lane.
    const __m128d free =
        _mm_castsi128_pd(_mm_shuffle_epi32(_mm_set_epi64x(c1, c0), _MM_SHUFFLE(3, 3, 1, 1)));
    const __m128d t = _mm_or_pd(_mm_setr_pd(inlet[std::max(c0, 0)], inlet[std::max(c1, 0)]), free);
    // |reported − t| = |t − reported|, the subtraction's operands taken so that t is kept.
    const __m128d off =
        _mm_and_pd(_mm_sub_pd(_mm_setr_pd(c[0].reported_c, c[1].reported_c), t), magnitude);
    hot = _mm_max_pd(t, hot);  // t > hot ? t : hot, lane by lane
    // bit i: lane i free or within tol
    const int held = _mm_movemask_pd(_mm_or_pd(_mm_cmple_pd(off, tol), free));
    if (held != 3) {
      c += held & 1;  // the first that moved
      stopped = true;
      break;
    }
  }
  k = static_cast<std::size_t>(c - cohorts);
  h = std::max(h, std::max(_mm_cvtsd_f64(hot), _mm_cvtsd_f64(_mm_unpackhi_pd(hot, hot))));
  if (stopped) {
    hottest = h;
    return k;
  }
#endif
  while (k < slots && quiet(cohorts + k)) ++k;
  hottest = h;
  return k;
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
  if (w.walked[k] == w.calls) return false;
  Cohort& c = w.cohorts[k];
  int last = -1;
  for (int r = c.head; r >= 0; r = w.racks.next(r)) {
    const int g = same_ids ? r : groups.group_of_rack[static_cast<std::size_t>(r)];
    if (net_.class_of_group(g) != cls) {
      w.walked[k] = w.calls;
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
    w.rack[static_cast<std::size_t>(r)].cohort = into_id;
  w.racks.splice_front(into, c, last);
  c.cls = -1;
  w.free_cohorts.push_back(id);
  return true;
}

void DataHall::rebuild_cohorts(const RackGroups& groups) {
  InletWatch& w = watch_;
  w.moves.clear();
  net_.take_class_moves(w.moves);  // records the moves from now on
  w.moves.clear();
  w.valid = true;
  w.cohorts.clear();
  w.walked.clear();
  w.free_cohorts.clear();
  w.class_cohorts.clear();
  const std::size_t n = racks_.size();
  for (InletWatch::RackState& r : w.rack) r.cohort = -1;
  w.racks.assign(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int cls = net_.class_of_group(groups.group_of_rack[i]);
    join_cohort(static_cast<int>(i), cohort_for(cls, w.rack[i].reported_c));
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
    w.walked[static_cast<std::size_t>(id)] = -1;
  } else {
    id = static_cast<int>(w.cohorts.size());
    w.cohorts.push_back(c);
    w.walked.push_back(-1);
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
  w.rack[static_cast<std::size_t>(rack)].cohort = cohort;
}

// Inlined into take_moved_inlets' loop over the moved racks, its one caller: as a call, saving
// and restoring its registers took 16 of its ~40 instructions.
[[gnu::always_inline]] inline void DataHall::leave_cohort(int rack) {
  InletWatch& w = watch_;
  const auto r = static_cast<std::size_t>(rack);
  const int id = w.rack[r].cohort;
  Cohort& c = w.cohorts[static_cast<std::size_t>(id)];
  w.racks.unlink(c, rack);
  w.rack[r].cohort = -1;
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
