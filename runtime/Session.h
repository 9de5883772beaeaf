// A Session binds a compiled plan to a device: it allocates the plan's
// buffers once, uploads constants and state (on a device that addresses host
// memory, constants are views of the plan's shared initial data: no copy),
// then runs the plan as often as asked with named inputs and outputs.
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
  // Runs with caller memory bound by signature position: the C API's fast
  // path, which resolved names once and checked dtypes and shapes against
  // the slots. `inputs` has one pointer per input slot, `outputs` at most one
  // per output slot (null: not wanted), each of the slot's byte size. Where
  // the device can address host memory (Device::viewHostMemory) and the
  // memory is aligned as the session's own buffers are, it is bound in place:
  // kernels read inputs from it and write outputs into it, with no copy.
  // Otherwise (a GPU, unaligned memory, or an output overlapping another
  // bound tensor) inputs are uploaded and outputs downloaded as setInputData
  // and readOutput do. Outputs written in place are not in the session's own
  // buffers: output() does not see them. Allocates only when a pointer
  // differs from the previous run's (a new view).
  Status runWithData(std::span<const void* const> inputs, std::span<void* const> outputs);
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

  // A buffer for `b`, holding its initial data if it has any: a view of the
  // plan's data for a constant where the device allows it, else a copy.
  Expected<std::unique_ptr<Buffer>> bufferFor(const PlanBuffer& b);

  Device& device_;
  std::shared_ptr<const Executable> exe_;
  Plan plan_;
  // May view plan_'s constants, so declared after it (destroyed before it).
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::vector<Buffer*> bufferPtrs_;
  std::vector<bool> inputSet_;

  // runWithData's state, sized once by create().
  struct CallerView {
    const void* data = nullptr;  // the memory `buffer` views
    std::unique_ptr<Buffer> buffer;
  };
  void prepareCallerViews();
  Buffer* viewOf(CallerView& view, const void* data, uint64_t bytes);
  std::vector<Buffer*> runBufferPtrs_;  // bufferPtrs_ with caller views swapped in
  std::vector<uint64_t> inputBytes_, outputBytes_;
  // Whether a slot's buffer may be replaced by caller memory: it belongs to
  // that slot alone, has the slot's size, and (inputs) nothing in the plan
  // copies into it.
  std::vector<bool> inputViewable_, outputViewable_;
  std::vector<CallerView> inputViews_, outputViews_;
  std::vector<bool> outputCopied_;
};

}  // namespace ingot::rt
