// An artifact bound to one device: the object the C API's ingot_model and
// `ingot run model.ingot` use. Each entry point gets its session (buffers
// allocated, weights uploaded) on first use; persistent state (weights,
// optimizer moments) is one set of values across entry points: running an
// entry after another copies the state slots they share by name, so
// eval_step sees what train_step learned and infer what both did.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/Artifact.h"
#include "runtime/Device.h"
#include "runtime/Session.h"

namespace ingot::rt {

// Turns a backend's code bytes (EntryCode::code) into an executable its
// devices run. Each device library supplies one (runtime/CpuCode.h for
// "llvm"); a loader is called once per entry point and model.
using CodeLoader =
    std::function<Expected<std::shared_ptr<const Executable>>(std::string_view code, const Plan& plan)>;
using CodeLoaders = std::map<std::string, CodeLoader, std::less<>>;

class LoadedModel {
 public:
  // Fails when the artifact has no code for the device's backend or no
  // loader is known for it, naming what it has.
  static Expected<std::unique_ptr<LoadedModel>> create(std::shared_ptr<const ArtifactContents> artifact,
                                                       Device& device, const CodeLoaders& loaders);

  const ArtifactContents& artifact() const { return *artifact_; }
  Device& device() const { return device_; }
  // The entry point's index in artifact().entries, or an error naming the
  // entries there are.
  Expected<size_t> entryIndex(std::string_view entry) const;
  // The entry point's plan (signature) for this device's backend.
  Expected<const Plan*> plan(std::string_view entry) const;
  const Plan& planAt(size_t entry) const;
  // The entry's session, created on first use, with the shared state
  // brought up to date (see above). The pointer stays valid for the model's
  // lifetime. sessionAt is the same by index (no name lookup: the C API's
  // run path).
  Expected<Session*> session(std::string_view entry);
  Expected<Session*> sessionAt(size_t entry);
  // The current value of a state tensor (from the entry that ran last).
  Expected<Tensor> state(std::string_view name);
  // Overwrites a state tensor (loading saved weights): in the entry that ran
  // last when it has it, else in the first entry that does, which becomes
  // the current one. Same checks as Session::setState.
  Status setState(std::string_view name, const Tensor& value);
  // Every state tensor by name (the union over entry points).
  Expected<std::map<std::string, Tensor, std::less<>>> allState();

 private:
  LoadedModel(std::shared_ptr<const ArtifactContents> a, Device& d) : artifact_(std::move(a)), device_(d) {}
  static constexpr size_t kNone = static_cast<size_t>(-1);
  Status syncStateInto(size_t entry);

  std::shared_ptr<const ArtifactContents> artifact_;
  Device& device_;
  CodeLoaders loaders_;
  std::vector<std::unique_ptr<Session>> sessions_;  // parallel to artifact_->entries
  size_t lastRun_ = kNone;                          // the entry whose state is current
};

}  // namespace ingot::rt
