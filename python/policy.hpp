// Scheduling policies written in Python: a Python class with schedule(ctx), registered by name
// into the same PolicyRegistry as the C++ policies (models/scheduling/policy.hpp), so that a
// scenario's `scheduler.policy` selects it like any other.
#pragma once

#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "sim/time.hpp"

namespace joule::python {

// A Python policy raised: names the policy and the simulated time, with the Python error.
class PolicyError : public std::runtime_error {
public:
  PolicyError(const std::string& policy, sim::Time when, const std::string& error);
  std::string policy;
  double time_s;
};

void bind_policies(pybind11::module_& m);

}  // namespace joule::python
