// A Session binds a compiled plan to a device: it allocates the plan's
// buffers once, uploads constants and state, then runs the plan as often as
// asked with named inputs and outputs.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/Device.h"
#include "runtime/Plan.h"
#include "support/Tensor.h"

namespace ingot::rt {

class Session {
 public:
  static Expected<std::unique_ptr<Session>> create(Device& device, std::shared_ptr<const Executable> exe,
                                                   Plan plan);

  const Plan& plan() const { return plan_; }
  Device& device() const { return device_; }

  // Checks name, dtype and shape; errors name the input, expected vs got.
  Status setInput(std::string_view name, const Tensor& value);
  // setInput and output over caller memory of `dtype` and `shape` (the C
  // API's tensors, which may wrap application buffers): the same checks,
  // and the device upload/download is the only copy.
  Status setInputData(std::string_view name, DType dtype, std::span<const int64_t> shape, const void* data);
  Status readOutput(std::string_view name, DType dtype, std::span<const int64_t> shape, void* data) const;
  Status run();
  Expected<Tensor> output(std::string_view name) const;
  // All outputs in signature order.
  Expected<std::vector<Tensor>> outputs() const;
  // Persistent state (Plan::state: weights, optimizer moments) as it is now,
  // after the runs so far; setState overwrites it (loading saved weights,
  // resetting moments) with the same checks as setInput.
  Expected<Tensor> state(std::string_view name) const;
  Status setState(std::string_view name, const Tensor& value);

 private:
  Session(Device& d, std::shared_ptr<const Executable> e, Plan p)
      : device_(d), exe_(std::move(e)), plan_(std::move(p)) {}

  Device& device_;
  std::shared_ptr<const Executable> exe_;
  Plan plan_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::vector<Buffer*> bufferPtrs_;
  std::vector<bool> inputSet_;
};

}  // namespace ingot::rt
