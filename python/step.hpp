// The step environment's core: a World advanced one step at a time, with the controller's
// action applied through the scheduler (python/joule/env.py builds the Gymnasium-style API on it).
#pragma once

#include <pybind11/pybind11.h>

namespace joule::python {

void bind_step(pybind11::module_& m);

}  // namespace joule::python
