#include "tools/cli/ArtifactBuilder.h"

#include <algorithm>
#include <functional>
#include <sstream>

#include "backends/llvm/LlvmBackend.h"
#include "backends/opencl/OpenClBackend.h"
#include "backends/vulkan/VulkanBackend.h"
#include "support/FileIO.h"
#include "tools/cli/TrainingSetup.h"

namespace ingot::cli {

namespace {

using EntryCompiler = std::function<Expected<rt::EntryCode>(const ir::Graph&, const ParsedArgs&)>;

struct ArtifactTarget {
  std::string backend;
  EntryCompiler compile;
};

const std::vector<ArtifactTarget>& artifactTargets() {
  static const std::vector<ArtifactTarget> targets = {
      {"llvm",
       [](const ir::Graph& g, const ParsedArgs& args) {
         backends::llvm_backend::CodeOptions options;
         options.cpu = args.get("--cpu").value_or("native");
         return backends::llvm_backend::compileArtifactCode(g, options);
       }},
      {"vulkan", [](const ir::Graph& g, const ParsedArgs&) { return backends::vulkan::compileArtifactCode(g); }},
      {"opencl", [](const ir::Graph& g, const ParsedArgs&) { return backends::opencl::compileArtifactCode(g); }},
  };
  return targets;
}

Expected<std::vector<const ArtifactTarget*>> requestedTargets(const ParsedArgs& args) {
  std::vector<const ArtifactTarget*> out;
  std::stringstream list(args.get("--target").value_or("llvm"));
  std::string name;
  while (std::getline(list, name, ',')) {
    const ArtifactTarget* found = nullptr;
    for (const ArtifactTarget& t : artifactTargets())
      if (t.backend == name) found = &t;
    if (!found)
      return invalidInput("--target {}: artifacts can carry code for {}", name.empty() ? "''" : name,
                          artifactTargetNames());
    for (const ArtifactTarget* t : out)
      if (t == found) return invalidInput("--target names {} twice", name);
    out.push_back(found);
  }
  if (out.empty()) return invalidInput("--target: no backend named");
  return out;
}

}  // namespace

std::string artifactTargetNames() {
  std::string out;
  for (const ArtifactTarget& t : artifactTargets()) out += (out.empty() ? "" : ", ") + t.backend;
  return out;
}

Expected<rt::ArtifactContents> buildArtifact(const ParsedArgs& args, const ir::Graph& model, const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::vector<const ArtifactTarget*> targets, requestedTargets(args));
  if (args.has("--cpu") &&
      std::none_of(targets.begin(), targets.end(), [](const ArtifactTarget* t) { return t->backend == "llvm"; }))
    return invalidInput("--cpu applies to llvm code; --target has no llvm");

  // The graphs of the entry points.
  std::vector<std::pair<std::string, const ir::Graph*>> graphs = {{std::string(rt::kInferEntry), &model}};
  INGOT_ASSIGN_OR_RETURN(std::optional<passes::TrainingOptions> training, trainingOptionsFromFlags(args, model));
  std::optional<passes::StepGraph> trainStep, evalStep;
  if (training) {
    INGOT_ASSIGN_OR_RETURN(trainStep, passes::buildTrainingStep(model, *training));
    INGOT_ASSIGN_OR_RETURN(evalStep, passes::buildEvalStep(model, training->loss));
    graphs.emplace_back(std::string(rt::kTrainStepEntry), trainStep->graph.get());
    graphs.emplace_back(std::string(rt::kEvalStepEntry), evalStep->graph.get());
  }

  rt::ArtifactContents a;
  a.producer = "ingot 0.1.0";
  a.model = path.substr(path.find_last_of('/') + 1);
  for (const auto& [name, graph] : graphs) {
    rt::EntryPoint e;
    e.name = name;
    for (const ArtifactTarget* t : targets) {
      Expected<rt::EntryCode> code = t->compile(*graph, args);
      if (!code.ok()) return code.status().withContext(fmt::format("entry point {} for {}", name, t->backend));
      e.targets.push_back(std::move(*code));
    }
    a.entries.push_back(std::move(e));
  }
  // The source ONNX model, so the runtime can write trained weights back.
  if (path.size() > 5 && path.substr(path.size() - 5) == ".onnx") {
    INGOT_ASSIGN_OR_RETURN(a.onnx, readFileBytes(path));
  }
  return a;
}

}  // namespace ingot::cli
