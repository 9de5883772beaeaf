#include "backends/lowered/LoweredBackend.h"

#include "backends/common/ProgramBuilder.h"
#include "ir/kernel/KernelInterpreter.h"
#include "runtime/HostDevice.h"

namespace ingot::backends::lowered {

namespace {

constexpr std::string_view kBackend = "lowered";

class LoweredProvider final : public rt::DeviceProvider {
 public:
  std::string_view backend() const override { return kBackend; }
  Expected<std::vector<std::unique_ptr<rt::Device>>> enumerate() const override {
    std::vector<std::unique_ptr<rt::Device>> out;
    out.push_back(std::make_unique<rt::HostDevice>(std::string(kBackend), "host",
                                                   "dispatch-form interpreter on the host CPU"));
    return out;
  }
};

}  // namespace

Expected<rt::Program> compileGraph(const ir::Graph& g) {
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g));
  std::vector<std::string> names;
  std::vector<rt::HostKernel> kernels;
  for (auto& ld : lp.lowered.dispatches) {
    names.push_back(ld.dispatch.name);
    auto dispatch = std::make_shared<const kir::Dispatch>(std::move(ld.dispatch));
    kernels.push_back([dispatch](const rt::HostKernelArgs& args) {
      return kir::interpretDispatch(*dispatch, args.bindings, args.bindingBytes);
    });
  }
  rt::Program p;
  p.plan = std::move(lp.plan);
  p.executable = std::make_shared<rt::HostExecutable>(std::string(kBackend), std::move(names), std::move(kernels));
  return p;
}

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider() { return std::make_unique<LoweredProvider>(); }

}  // namespace ingot::backends::lowered
