// What a device backend keeps per executable and device (built programs,
// pipelines, recorded command buffers): made on first use, kept as long as
// the executable. Keyed by the device's context object, which the state keeps
// alive, so a key is never reused while its entry exists. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "support/Status.h"

namespace ingot::rt {

template <typename State>
class PerDeviceState {
 public:
  Expected<std::shared_ptr<State>> get(const void* context,
                                       const std::function<Expected<std::shared_ptr<State>>()>& make) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, state] : states_)
      if (key == context) return state;
    INGOT_ASSIGN_OR_RETURN(std::shared_ptr<State> state, make());
    states_.emplace_back(context, state);
    return state;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<const void*, std::shared_ptr<State>>> states_;
};

}  // namespace ingot::rt
