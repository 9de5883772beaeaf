// `ingot compile`: the whole compiler pipeline on a model (standard passes,
// fusion, lowering to dispatches, memory planning), with what a user needs
// to see what it did: IR dumps after passes, pass statistics, the fusion
// report, a Graphviz drawing, the dispatches and the memory plan.
#include <ostream>
#include <sstream>

#include "backends/common/ProgramBuilder.h"
#include "backends/llvm/LlvmBackend.h"
#include "backends/opencl/OpenClBackend.h"
#include "backends/vulkan/VulkanBackend.h"
#include "ir/DotPrinter.h"
#include "ir/TextPrinter.h"
#include "support/FileIO.h"
#include "runtime/Artifact.h"
#include "tools/cli/ArtifactBuilder.h"
#include "tools/cli/Cli.h"
#include "tools/cli/Inputs.h"
#include "tools/cli/PassFlags.h"
#include "tools/cli/TrainingSetup.h"

namespace ingot::cli {

namespace {

// What --emit can print.
struct EmitKind {
  std::string name;
  std::string description;
  std::function<std::string(const backends::LoweredProgram&)> render;
};

std::string summary(const backends::LoweredProgram& p) {
  std::string out = fmt::format("{} dispatches ({} opaque), {} compile-time constants\n", p.lowered.dispatches.size(),
                                p.lowered.opaqueCount(), p.lowered.constants.size());
  for (const auto& ld : p.lowered.dispatches) {
    const kir::Dispatch& d = ld.dispatch;
    std::string what = d.opaque ? "opaque" : fmt::format("grid {}", shapeToString(d.grid));
    if (d.contraction)
      what += fmt::format(", contraction m {} n {} k {}", d.contraction->m, d.contraction->n, d.contraction->k);
    out += fmt::format("  {:<22} {}  [{}]\n", d.name, d.label, what);
  }
  for (const std::string& note : p.lowered.notes) out += "  note: " + note + "\n";
  return out;
}

std::string planText(const backends::LoweredProgram& p) {
  std::string out;
  for (size_t i = 0; i < p.plan.buffers.size(); ++i) {
    const rt::PlanBuffer& b = p.plan.buffers[i];
    out += fmt::format("buffer {:<3} {:<10} {:>12} bytes  {}\n", i, rt::bufferRoleName(b.role), b.bytes, b.name);
  }
  for (const rt::PlanStep& step : p.plan.steps) {
    if (const auto* c = std::get_if<rt::CopyStep>(&step)) {
      out += fmt::format("copy {} bytes: buffer {} -> buffer {}\n", c->bytes, c->src, c->dst);
      continue;
    }
    const auto& d = std::get<rt::DispatchStep>(step);
    std::string binds;
    for (const rt::BufferRange& r : d.bindings)
      binds += fmt::format("{}{}@{}+{}", binds.empty() ? "" : ", ", r.buffer, r.offset, r.bytes);
    out += fmt::format("dispatch {} ({}): {}\n", d.kernel, p.lowered.dispatches[d.kernel].dispatch.name, binds);
  }
  return out;
}

const std::vector<EmitKind>& emitKinds() {
  static const std::vector<EmitKind> kinds = {
      {"summary", "the dispatches, one line each, and notes on ops left opaque (default)", summary},
      {"ir", "the optimized, fused graph as text IR",
       [](const backends::LoweredProgram& p) { return ir::printGraph(*p.graph); }},
      {"dispatches", "every dispatch in the dispatch form (loops, loads, stores, contractions)",
       [](const backends::LoweredProgram& p) { return passes::printLoweredGraph(p.lowered); }},
      {"plan", "the runtime plan: buffers, and each step's buffer ranges (buffer@offset+bytes)", planText},
  };
  return kinds;
}

// Code from a backend (--emit llvm-ir|asm|obj for llvm, glsl|spirv-asm for
// vulkan): each kind names its target and renders the graph.
struct CodeEmitKind {
  std::string name;
  std::string target;
  std::string description;
  std::function<Expected<std::string>(const ir::Graph&, const ParsedArgs&)> render;
  bool binary = false;
};

Expected<std::string> llvmCode(const ir::Graph& g, const ParsedArgs& args, backends::llvm_backend::CodeKind kind) {
  backends::llvm_backend::CodeOptions options;
  options.kind = kind;
  options.cpu = args.get("--cpu").value_or("native");
  return backends::llvm_backend::emitCode(g, options);
}

const std::vector<CodeEmitKind>& codeEmitKinds() {
  using backends::llvm_backend::CodeKind;
  using backends::vulkan::ShaderKind;
  static const std::vector<CodeEmitKind> kinds = {
      {"llvm-ir", "llvm", "the llvm backend's optimized LLVM IR (one function per dispatch)",
       [](const ir::Graph& g, const ParsedArgs& a) { return llvmCode(g, a, CodeKind::LlvmIr); }},
      {"asm", "llvm", "the llvm backend's assembly for --cpu",
       [](const ir::Graph& g, const ParsedArgs& a) { return llvmCode(g, a, CodeKind::Assembly); }},
      {"obj", "llvm", "an ELF object file with the kernels for --cpu (needs -o)",
       [](const ir::Graph& g, const ParsedArgs& a) { return llvmCode(g, a, CodeKind::Object); }, true},
      {"glsl", "vulkan", "the vulkan backend's GLSL compute shaders",
       [](const ir::Graph& g, const ParsedArgs&) { return backends::vulkan::emitShaders(g, ShaderKind::Glsl); }},
      {"spirv-asm", "vulkan", "the vulkan backend's SPIR-V, disassembled",
       [](const ir::Graph& g, const ParsedArgs&) {
         return backends::vulkan::emitShaders(g, ShaderKind::SpirvAssembly);
       }},
      {"cl", "opencl", "the opencl backend's OpenCL C kernels",
       [](const ir::Graph& g, const ParsedArgs&) { return backends::opencl::emitSources(g); }},
  };
  return kinds;
}

std::string emitNames() {
  std::string out;
  for (const auto& k : emitKinds()) out += (out.empty() ? "" : ", ") + k.name;
  for (const auto& k : codeEmitKinds()) out += ", " + k.name;
  return out + ", artifact";
}

// --emit llvm-ir|asm|obj|glsl|spirv-asm: code for the graph (or training step).
int emitCode(const ParsedArgs& args, CliIO& io, const CodeEmitKind& kind, const ir::Graph& graph,
             const std::string& path) {
  std::optional<std::string> out = args.get("--output");
  if (kind.binary && !out) return reportError(invalidInput("--emit {} writes a binary file: give -o FILE", kind.name), io);
  auto code = kind.render(graph, args);
  if (!code.ok()) return reportError(code.status().withContext(path), io);
  if (!out) {
    io.out << *code;
    return kExitOk;
  }
  Status s = writeFileBytes(*out, *code);
  return s.isOk() ? kExitOk : reportError(s, io);
}

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// --emit artifact (the default for -o FILE.ingot): the artifact file.
int compileArtifact(const ParsedArgs& args, CliIO& io) {
  const std::optional<std::string> out = args.get("--output");
  if (!out) return reportError(invalidInput("--emit artifact writes a file: give -o FILE.ingot"), io);
  const std::string& path = args.positional[0];
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto model = loadModel(path, given->load);
  if (!model.ok()) return reportError(model.status(), io);
  auto artifact = buildArtifact(args, *model->graph, path);
  if (!artifact.ok()) return reportError(artifact.status().withContext(path), io);
  auto bytes = rt::serializeArtifact(*artifact);
  if (!bytes.ok()) return reportError(bytes.status(), io);
  Status s = writeFileBytes(*out, *bytes);
  if (!s.isOk()) return reportError(s, io);
  std::string entries;
  for (const rt::EntryPoint& e : artifact->entries) entries += (entries.empty() ? "" : ", ") + e.name;
  std::string targets;
  for (const std::string& b : artifact->backends()) targets += (targets.empty() ? "" : ", ") + b;
  io.out << fmt::format("wrote {} ({} bytes): entry points {}; code for {}\n", *out, bytes->size(), entries, targets);
  return kExitOk;
}

int compile(const ParsedArgs& args, CliIO& io) {
  if (args.positional.empty())
    return reportError(invalidInput("ingot compile: a model file is needed (see ingot compile --help)"), io);
  const bool artifact = args.get("--emit") == "artifact" ||
                        (!args.has("--emit") && endsWith(args.get("--output").value_or(""), ".ingot"));
  if (artifact) return compileArtifact(args, io);
  const std::string emit = args.get("--emit").value_or("summary");
  const EmitKind* kind = nullptr;
  for (const auto& k : emitKinds())
    if (k.name == emit) kind = &k;
  const CodeEmitKind* codeKind = nullptr;
  for (const auto& k : codeEmitKinds())
    if (k.name == emit) codeKind = &k;
  if (!kind && !codeKind) return reportError(invalidInput("--emit {}: expected one of {}", emit, emitNames()), io);
  if (args.has("--cpu") && (!codeKind || codeKind->target != "llvm"))
    return reportError(invalidInput("--cpu applies to --emit llvm-ir, asm and obj"), io);
  if (auto t = args.get("--target")) {
    if (*t != "llvm" && *t != "vulkan" && *t != "opencl")
      return reportError(invalidInput("--target {}: code can be emitted for llvm, vulkan and opencl", *t), io);
    if (codeKind && codeKind->target != *t)
      return reportError(invalidInput("--emit {} is {} code, not {}", codeKind->name, codeKind->target, *t), io);
  }

  backends::PipelineOptions options;
  options.fuse = !args.has("--no-fuse");
  options.optimize = !args.has("--no-optimize");
  options.passOptions.printAfterAll = args.has("--print-after-all");
  auto printAfter = printAfterPasses(args);
  if (!printAfter.ok()) return reportError(printAfter.status(), io);
  options.passOptions.printAfter = std::move(*printAfter);
  options.passOptions.collectStats = args.has("--stats");
  options.passOptions.dumpStream = &io.err;
  options.memory.reuse = !args.has("--no-reuse");
  passes::FusionReport report;
  options.fusionReport = &report;

  const std::string& path = args.positional[0];
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto model = loadModel(path, given->load);
  if (!model.ok()) return reportError(model.status(), io);

  // --train OPTIMIZER: the training step instead of the inference model.
  auto step = trainingStepFromFlags(args, *model->graph);
  if (!step.ok()) return reportError(step.status().withContext(path), io);
  const ir::Graph* graph = *step ? (*step)->graph.get() : model->graph.get();

  if (codeKind) return emitCode(args, io, *codeKind, *graph, path);

  auto program = backends::compileToDispatches(*graph, options);
  if (!program.ok()) return reportError(program.status().withContext(path), io);

  if (args.has("--explain-fusion")) {
    if (report.ran) io.out << passes::formatFusionReport(report);
    else io.out << "fusion: not run (--no-fuse)\n";
  }
  if (auto dot = args.get("--dot")) {
    Status s = writeFileBytes(*dot, ir::printDot(*program->graph));
    if (!s.isOk()) return reportError(s, io);
  }
  if (args.has("--stats")) {
    io.err << passes::formatPassStats(program->passStats);
    io.err << program->memory.summary();
  }
  const std::string text = kind->render(*program);
  if (auto out = args.get("--output")) {
    Status s = writeFileBytes(*out, text);
    if (!s.isOk()) return reportError(s, io);
  } else if (!args.has("--explain-fusion") || args.has("--emit")) {
    io.out << text;
  }
  return kExitOk;
}

std::string emitHelp() {
  std::string out = "--emit kinds:\n";
  for (const auto& k : emitKinds()) out += fmt::format("  {:<11} {}\n", k.name, k.description);
  for (const auto& k : codeEmitKinds()) out += fmt::format("  {:<11} {}\n", k.name, k.description);
  out += fmt::format("  {:<11} {}\n", "artifact",
                     "the compiled artifact (-o FILE.ingot, the default for that name): plan, weights and code for "
                     "each --target (" + artifactTargetNames() + "); with --train also train_step and eval_step");
  return out;
}

}  // namespace

Command compileCommand() {
  return Command{
      CommandSpec{
          "compile", "MODEL", 1, 1,
          "Compile MODEL (.onnx or text IR): optimize, fuse, lower to dispatches and plan memory.",
          {
              {"--emit", "KIND", "what to print: summary, ir, dispatches, plan, llvm-ir, asm, obj, glsl, spirv-asm, cl, "
                                 "artifact (default summary; artifact for -o FILE.ingot)"},
              {"--target", "NAME[,NAME]", "artifacts: the backends to carry code for (default llvm); with --emit CODE: "
                                          "checks that the code is that backend's (llvm, vulkan or opencl)"},
              {"--cpu", "NAME", "llvm code (llvm-ir/asm/obj, artifacts): native (default), x86-64, x86-64-v2, "
                                "x86-64-v3, x86-64-v4, or another LLVM CPU name"},
              {"--output", "FILE", "write what --emit produces to FILE instead of stdout", false, "-o"},
              {"--explain-fusion", "", "print which ops were fused into which group, and why each other op was not"},
              {"--dot", "FILE", "write the fused graph to FILE in Graphviz form (fused groups as clusters)"},
              {"--print-after-all", "", "print the IR after every pass (on stderr)"},
              {"--print-after", "PASS[,PASS]", "print the IR after the named passes (on stderr)", true},
              {"--stats", "", "print time and node counts per pass and the memory plan (peak activation memory, weights) on stderr"},
              {"--no-optimize", "", "skip the standard pipeline (canonicalize, fold, cse, dce)"},
              {"--no-fuse", "", "skip fusion: one dispatch per op"},
              {"--no-reuse", "", "give every temporary its own memory (to compare with the planned peak)"},
              {"--shape", "NAME=DIMS", "bind an ONNX input's shape, e.g. x=1x784", true},
              {"--batch", "N", "bind the leading symbolic dim of every ONNX input to N"},
              {"--train", "[LOSS,]OPTIMIZER", "compile the training step (forward, loss, gradients, "
                                              "sgd|momentum|adam|adamw update) that `ingot train` runs, instead of "
                                              "the model; artifacts get infer, train_step and eval_step"},
              {"--loss", "NAME", "with --train: the loss (default as for `ingot train`)"},
          },
          emitHelp() +
              "Example: ingot compile model.onnx --batch 1 --emit asm --cpu x86-64-v3 -o model.s\n"
              "       ingot compile model.onnx --batch 1 --target llvm --cpu x86-64-v3 -o model.ingot\n"
              "       ingot compile model.onnx --batch 32 --train adam --loss cross-entropy -o step.ingot"},
      &compile};
}

}  // namespace ingot::cli
