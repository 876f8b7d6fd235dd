// Signals: observer lists that models emit and the recorder (or another model) subscribes to.
// Subscribers are connected while the world is wired; emitting calls them in connection order.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace joule::sim {

template <class... Args>
class Signal {
public:
  using Slot = std::function<void(Args...)>;

  void connect(Slot slot) { slots_.push_back(std::move(slot)); }
  bool connected() const { return !slots_.empty(); }

  void emit(const Args&... args) const {
    for (const auto& slot : slots_) slot(args...);
  }

private:
  std::vector<Slot> slots_;
};

}  // namespace joule::sim
