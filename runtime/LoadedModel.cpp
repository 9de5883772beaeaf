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
  m->sessions_.resize(m->artifact_->entries.size());
  return m;
}

Expected<size_t> LoadedModel::entryIndex(std::string_view entry) const {
  for (size_t i = 0; i < artifact_->entries.size(); ++i)
    if (artifact_->entries[i].name == entry) return i;
  std::string names;
  for (const EntryPoint& x : artifact_->entries) names += (names.empty() ? "" : ", ") + x.name;
  return invalidInput("the model has no entry point '{}' (it has: {})", entry, names);
}

const Plan& LoadedModel::planAt(size_t entry) const {
  // create() checked that every entry has code for this backend.
  return artifact_->entries[entry].target(device_.info().backend)->plan;
}

Expected<const Plan*> LoadedModel::plan(std::string_view entry) const {
  INGOT_ASSIGN_OR_RETURN(size_t i, entryIndex(entry));
  return &planAt(i);
}

Expected<Session*> LoadedModel::session(std::string_view entry) {
  INGOT_ASSIGN_OR_RETURN(size_t i, entryIndex(entry));
  return sessionAt(i);
}

Expected<Session*> LoadedModel::sessionAt(size_t entry) {
  if (entry >= artifact_->entries.size())
    return invalidInput("entry point index {} is out of range ({} entries)", entry, artifact_->entries.size());
  if (entry == lastRun_) return sessions_[entry].get();  // the hot path: the same entry again
  if (!sessions_[entry]) {
    const EntryPoint& e = artifact_->entries[entry];
    const EntryCode& code = *e.target(device_.info().backend);
    INGOT_ASSIGN_OR_RETURN(std::shared_ptr<const Executable> exe,
                           loaders_.at(device_.info().backend)(code.code, code.plan));
    Expected<std::unique_ptr<Session>> s = Session::create(device_, std::move(exe), code.plan);
    if (!s.ok()) return s.status().withContext(fmt::format("entry point '{}'", e.name));
    sessions_[entry] = std::move(*s);
  }
  INGOT_RETURN_IF_ERROR(syncStateInto(entry));
  return sessions_[entry].get();
}

Status LoadedModel::syncStateInto(size_t entry) {
  if (lastRun_ == entry) return Status::ok();
  if (lastRun_ != kNone) {
    Session& from = *sessions_[lastRun_];
    Session& to = *sessions_[entry];
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

namespace {

bool hasState(const Plan& p, std::string_view name) {
  for (const TensorSlot& slot : p.state)
    if (slot.name == name) return true;
  return false;
}

}  // namespace

Expected<Tensor> LoadedModel::state(std::string_view name) {
  if (lastRun_ != kNone && hasState(sessions_[lastRun_]->plan(), name)) return sessions_[lastRun_]->state(name);
  // Not in the current session: the initial value from any entry's plan.
  for (const EntryPoint& e : artifact_->entries) {
    const Plan& p = e.target(device_.info().backend)->plan;
    for (const TensorSlot& slot : p.state)
      if (slot.name == name && p.buffers[slot.buffer].initialData >= 0)
        return *p.initialData[p.buffers[slot.buffer].initialData];
  }
  return invalidInput("'{}' is not a state tensor of the model", name);
}

Status LoadedModel::setState(std::string_view name, const Tensor& value) {
  size_t entry = lastRun_;
  if (entry == kNone || !hasState(sessions_[entry]->plan(), name)) {
    entry = kNone;
    for (size_t i = 0; i < artifact_->entries.size() && entry == kNone; ++i)
      if (hasState(planAt(i), name)) entry = i;
    if (entry == kNone) return invalidInput("'{}' is not a state tensor of the model", name);
  }
  // sessionAt makes `entry` current, carrying over the state it shares
  // with the previous one, so the write is not lost at the next switch.
  INGOT_ASSIGN_OR_RETURN(Session * s, sessionAt(entry));
  return s->setState(name, value);
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
