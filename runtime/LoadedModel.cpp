#include "runtime/LoadedModel.h"

namespace ingot::rt {

Expected<std::unique_ptr<LoadedModel>> LoadedModel::create(std::shared_ptr<const ArtifactContents> artifact,
                                                           Device& device, const CodeLoaders& loaders) {
  if (!artifact) return invalidInput("no artifact");
  const std::string& backend = device.info().backend;
  if (artifact->entries.empty()) return invalidInput("the artifact has no entry points");
  std::string has;
  for (const std::string& b : artifact->backends()) has += (has.empty() ? "" : ", ") + b;
  for (const EntryPoint& e : artifact->entries)
    if (!e.target(backend))
      return invalidInput("the artifact has no {} code for entry point '{}' (it has code for: {})", backend, e.name,
                          has.empty() ? "nothing" : has);
  if (!loaders.count(backend)) return unsupported("this runtime cannot load {} code", backend);
  std::unique_ptr<LoadedModel> m(new LoadedModel(std::move(artifact), device));
  m->loaders_ = loaders;
  return m;
}

Expected<const Plan*> LoadedModel::plan(std::string_view entry) const {
  const EntryPoint* e = artifact_->entry(entry);
  if (!e) {
    std::string names;
    for (const EntryPoint& x : artifact_->entries) names += (names.empty() ? "" : ", ") + x.name;
    return invalidInput("the model has no entry point '{}' (it has: {})", entry, names);
  }
  return &e->target(device_.info().backend)->plan;
}

Expected<Session*> LoadedModel::session(std::string_view entry) {
  auto it = sessions_.find(entry);
  if (it == sessions_.end()) {
    INGOT_ASSIGN_OR_RETURN(const Plan* p, plan(entry));
    const EntryCode& code = *artifact_->entry(entry)->target(device_.info().backend);
    INGOT_ASSIGN_OR_RETURN(std::shared_ptr<const Executable> exe,
                           loaders_.at(device_.info().backend)(code.code, *p));
    Expected<std::unique_ptr<Session>> s = Session::create(device_, std::move(exe), *p);
    if (!s.ok()) return s.status().withContext(fmt::format("entry point '{}'", entry));
    it = sessions_.emplace(std::string(entry), std::move(*s)).first;
  }
  INGOT_RETURN_IF_ERROR(syncStateInto(it->first));
  return it->second.get();
}

Status LoadedModel::syncStateInto(const std::string& entry) {
  if (lastRun_ == entry) return Status::ok();
  if (!lastRun_.empty()) {
    Session& from = *sessions_.at(lastRun_);
    Session& to = *sessions_.at(entry);
    for (const TensorSlot& slot : to.plan().state) {
      bool shared = false;
      for (const TensorSlot& f : from.plan().state) shared = shared || f.name == slot.name;
      if (!shared) continue;
      INGOT_ASSIGN_OR_RETURN(Tensor value, from.state(slot.name));
      INGOT_RETURN_IF_ERROR(to.setState(slot.name, value));
    }
  }
  lastRun_ = entry;
  return Status::ok();
}

Expected<Tensor> LoadedModel::state(std::string_view name) {
  if (!lastRun_.empty()) {
    Session& s = *sessions_.at(lastRun_);
    for (const TensorSlot& slot : s.plan().state)
      if (slot.name == name) return s.state(name);
  }
  // Not in the current session: the initial value from any entry's plan.
  for (const EntryPoint& e : artifact_->entries) {
    const Plan& p = e.target(device_.info().backend)->plan;
    for (const TensorSlot& slot : p.state)
      if (slot.name == name && p.buffers[slot.buffer].initialData >= 0)
        return p.initialData[p.buffers[slot.buffer].initialData];
  }
  return invalidInput("'{}' is not a state tensor of the model", name);
}

Expected<std::map<std::string, Tensor, std::less<>>> LoadedModel::allState() {
  std::map<std::string, Tensor, std::less<>> out;
  for (const EntryPoint& e : artifact_->entries)
    for (const TensorSlot& slot : e.target(device_.info().backend)->plan.state) {
      if (out.count(slot.name)) continue;
      INGOT_ASSIGN_OR_RETURN(Tensor t, state(slot.name));
      out.emplace(slot.name, std::move(t));
    }
  return out;
}

}  // namespace ingot::rt
