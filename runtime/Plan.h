// The compiled plan: a flat list of dispatches and copies over planned
// buffers. It is what every backend's compiler produces and every device
// executes; there is no per-op interpretation at run time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "support/DType.h"
#include "support/Tensor.h"

namespace ingot::rt {

enum class BufferRole {
  Input,      // written by the caller before a run
  Output,     // read by the caller after a run
  Constant,   // initialized once from the plan's data, never written
  State,      // persistent across runs (weights, optimizer moments); updated in place
  Temporary,  // produced and consumed inside one run
};
std::string_view bufferRoleName(BufferRole r);

struct PlanBuffer {
  std::string name;  // the tensor it holds (for messages and debugging)
  uint64_t bytes = 0;
  BufferRole role = BufferRole::Temporary;
  // Constant and State buffers: index into Plan::initialData, or -1.
  int64_t initialData = -1;
};

// The initial contents of a Constant or State buffer: an immutable tensor
// shared by every plan that refers to it (an artifact's entry points and
// targets share one decoded copy of each weight) and by the sessions that
// run them (a host device's Constant buffers view it, Session::create), so
// copying a plan copies no weights. Made from a Tensor, which it takes over
// (the compilers' plan builders hand theirs in as they are); copies share.
class SharedTensor {
 public:
  SharedTensor(Tensor t) : tensor_(std::make_shared<const Tensor>(std::move(t))) {}
  const Tensor& operator*() const { return *tensor_; }
  const Tensor* operator->() const { return tensor_.get(); }
  // Whether both are the same tensor (the same bytes, not equal ones).
  bool sameAs(const SharedTensor& other) const { return tensor_ == other.tensor_; }

 private:
  std::shared_ptr<const Tensor> tensor_;  // never null
};

// A byte range of a plan buffer: what one kernel binding sees. Temporaries
// share one arena buffer at planned offsets (memory planning); two bindings
// of one dispatch may overlap only where the planner put a result in place
// over an operand it reads element by element.
struct BufferRange {
  uint32_t buffer = 0;
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// Runs kernel `kernel` of the plan's executable over a grid of workgroups.
// `bindings` are buffer ranges in the kernel's binding order;
// `constants` are small scalars the kernel reads (push constants).
struct DispatchStep {
  uint32_t kernel = 0;
  std::vector<BufferRange> bindings;
  std::array<uint32_t, 3> grid{1, 1, 1};
  std::vector<uint32_t> constants;
};

struct CopyStep {
  uint32_t src = 0, dst = 0;
  uint64_t srcOffset = 0, dstOffset = 0, bytes = 0;
};

using PlanStep = std::variant<DispatchStep, CopyStep>;

// A named tensor of the plan's signature and the buffer that holds it.
struct TensorSlot {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint32_t buffer = 0;
};

struct Plan {
  std::vector<PlanBuffer> buffers;
  std::vector<PlanStep> steps;
  std::vector<TensorSlot> inputs;
  std::vector<TensorSlot> outputs;
  // Persistent state by name (weights, optimizer moments: State buffers),
  // for reading trained values back and loading saved ones.
  std::vector<TensorSlot> state;
  std::vector<SharedTensor> initialData;  // contents of Constant/State buffers

  // Checks indices and sizes so a corrupt plan is an error, not a crash,
  // and that no copy writes a Constant buffer (sessions may share those).
  Status validate(size_t numKernels) const;
};

class Executable;
// What a backend's compiler hands the runtime: kernels plus the plan that
// runs them.
struct Program {
  std::shared_ptr<const Executable> executable;
  Plan plan;
};

}  // namespace ingot::rt
