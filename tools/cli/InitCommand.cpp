// `ingot init`: writes a freshly initialized model as ONNX, so a training run
// can start from a seed without Python. Today's architecture is the MLP: a
// Gemm per layer (weights [out, in] with transB = 1, PyTorch nn.Linear's
// layout and export form) followed by its activation. The batch dim is
// symbolic ("N"), as in PyTorch exports, so --batch binds it later.
#include <onnx/onnx_pb.h>

#include <cmath>
#include <ostream>

#include "frontend/OnnxExporter.h"
#include "ir/OpRegistry.h"
#include "support/FileIO.h"
#include "tools/cli/Cli.h"
#include "tools/data/Random.h"

namespace ingot::cli {

namespace {

struct Activation {
  const char* name;
  const char* op;      // IR op; null: none (linear)
  bool reluLike;       // He initialization applies (the derivation assumes ReLU)
};
constexpr Activation kActivations[] = {
    {"relu", "Relu", true},    {"gelu", "Gelu", true},       {"sigmoid", "Sigmoid", false},
    {"tanh", "Tanh", false},   {"softmax", "Softmax", false}, {"linear", nullptr, false},
};

enum class InitScheme { Glorot, He, Torch };
struct SchemeName {
  const char* name;
  InitScheme scheme;
};
constexpr SchemeName kSchemes[] = {{"glorot", InitScheme::Glorot}, {"he", InitScheme::He}, {"torch", InitScheme::Torch}};

struct Layer {
  int64_t width = 0;
  const Activation* act = nullptr;
};

// The exporter's 2 GiB protobuf limit, with room for the graph itself.
constexpr int64_t kMaxParams = 500'000'000;
constexpr int64_t kMaxWidth = int64_t{1} << 24;

std::string activationNames() {
  std::string s;
  for (const auto& a : kActivations) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

// "128:relu,10:softmax": WIDTH[:ACTIVATION] per layer; no activation means linear.
Expected<std::vector<Layer>> parseLayers(const std::string& text) {
  std::vector<Layer> layers;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t colon = item.find(':');
    std::string width = item.substr(0, colon), act = colon == std::string::npos ? "linear" : item.substr(colon + 1);
    const size_t index = layers.size() + 1;
    if (width.empty())
      return invalidInput("--layers: layer {} ('{}') has no width; expected WIDTH[:ACTIVATION], e.g. 128:relu",
                          index, item);
    auto w = parseInt("--layers", width, 0, kMaxWidth);
    if (!w.ok()) return w.status().withContext(fmt::format("layer {}", index));
    if (*w == 0) return invalidInput("--layers: layer {} has width 0; every layer needs at least 1 unit", index);
    Layer layer{*w, nullptr};
    for (const auto& a : kActivations)
      if (act == a.name) layer.act = &a;
    if (!layer.act)
      return invalidInput("--layers: layer {}: unknown activation '{}' (known: {})", index, act, activationNames());
    layers.push_back(layer);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return layers;
}

// The uniform bounds of one layer's weights and bias, as the frameworks set them.
struct Bounds {
  double weight, bias;
};
Bounds boundsFor(InitScheme scheme, int64_t fanIn, int64_t fanOut, const Activation& act) {
  const auto in = static_cast<double>(fanIn), out = static_cast<double>(fanOut);
  const double glorot = std::sqrt(6.0 / (in + out));  // Keras Dense: glorot_uniform, zero bias
  switch (scheme) {
    case InitScheme::Glorot: return {glorot, 0.0};
    // Keras he_uniform = PyTorch kaiming_uniform_(nonlinearity='relu'): only
    // meaningful before a ReLU-like activation; other layers stay Glorot.
    case InitScheme::He: return {act.reluLike ? std::sqrt(6.0 / in) : glorot, 0.0};
    // nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) gives
    // sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in) = 1 / sqrt(fan_in); the bias
    // is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too.
    case InitScheme::Torch: return {1.0 / std::sqrt(in), 1.0 / std::sqrt(in)};
  }
  return {glorot, 0.0};
}

Tensor uniformTensor(Shape shape, double bound, data::Rng& rng) {
  Tensor t(DType::F32, std::move(shape));
  float* p = t.data<float>();
  if (bound == 0.0) return t;  // zero-filled; draws nothing
  for (int64_t i = 0; i < t.numElements(); ++i) p[i] = static_cast<float>(rng.uniform(-bound, bound));
  return t;
}

Expected<std::unique_ptr<ir::Graph>> buildMlp(int64_t inputs, const std::vector<Layer>& layers, InitScheme scheme,
                                             uint64_t seed) {
  const ir::OpRegistry& reg = ir::OpRegistry::builtin();
  const ir::OpDef* gemm = reg.find("Gemm");
  if (!gemm) return internalError("the op registry has no Gemm");
  auto g = std::make_unique<ir::Graph>("mlp");
  // Batch 1 stands in for the symbolic batch until export (the IR's shapes
  // are static); withSymbolicBatch turns it back into "N".
  INGOT_ASSIGN_OR_RETURN(ir::Value * x, g->addInput("x", ir::TensorType{DType::F32, {1, inputs}}));
  int64_t fanIn = inputs;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const bool last = i + 1 == layers.size();
    const std::string prefix = fmt::format("fc{}", i + 1);
    Bounds b = boundsFor(scheme, fanIn, l.width, *l.act);
    // One stream per layer: a layer's weights do not change when another
    // layer's size does.
    data::Rng rng(data::mixSeed(seed, i));
    Tensor w = uniformTensor({l.width, fanIn}, b.weight, rng);  // [out, in], row-major draws
    Tensor bias = uniformTensor({l.width}, b.bias, rng);
    INGOT_ASSIGN_OR_RETURN(ir::Value * wv, g->addParam(prefix + ".weight", std::move(w)));
    INGOT_ASSIGN_OR_RETURN(ir::Value * bv, g->addParam(prefix + ".bias", std::move(bias)));
    const bool hasAct = l.act->op != nullptr;
    std::string gemmName = last && !hasAct ? "y" : prefix;
    INGOT_ASSIGN_OR_RETURN(ir::Node * n, g->addNode(*gemm, {x, wv, bv}, {{"transB", int64_t{1}}}, {gemmName},
                                                    prefix + "/Gemm"));
    x = n->result();
    if (hasAct) {
      const ir::OpDef* op = reg.find(l.act->op);
      if (!op) return internalError("the op registry has no {}", l.act->op);
      std::string actName = last ? "y" : fmt::format("{}_{}", prefix, l.act->name);
      INGOT_ASSIGN_OR_RETURN(ir::Node * a, g->addNode(*op, {x}, {}, {actName}, fmt::format("{}/{}", prefix, l.act->op)));
      x = a->result();
    }
    fanIn = l.width;
  }
  g->addOutput(x);
  return g;
}

// Every value in an MLP has the batch as its leading dim: mark it symbolic in
// the graph's inputs, outputs and value_info.
Expected<std::string> withSymbolicBatch(const std::string& bytes) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) return internalError("cannot re-read the exported model");
  auto symbolize = [](onnx::ValueInfoProto& vi) {
    auto* shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() > 0) shape->mutable_dim(0)->set_dim_param("N");
  };
  onnx::GraphProto* g = model.mutable_graph();
  for (auto& vi : *g->mutable_input()) symbolize(vi);
  for (auto& vi : *g->mutable_output()) symbolize(vi);
  for (auto& vi : *g->mutable_value_info()) symbolize(vi);
  std::string out;
  if (!model.SerializeToString(&out)) return internalError("protobuf could not serialize the model");
  return out;
}

int initModel(const ParsedArgs& args, CliIO& io) {
  const std::string& arch = args.positional[0];
  if (arch != "mlp") return reportError(invalidInput("unknown architecture '{}' (known: mlp)", arch), io);
  std::optional<std::string> out = args.get("--output");
  if (!out) return reportError(invalidInput("missing -o/--output FILE: where to write the model"), io);
  std::optional<std::string> inputText = args.get("--input");
  if (!inputText) return reportError(invalidInput("missing --input N: the number of input features"), io);
  auto inputs = parseInt("--input", *inputText, 1, kMaxWidth);
  if (!inputs.ok()) return reportError(inputs.status(), io);
  std::optional<std::string> layersText = args.get("--layers");
  if (!layersText) return reportError(invalidInput("missing --layers, e.g. --layers 128:relu,10:softmax"), io);
  auto layers = parseLayers(*layersText);
  if (!layers.ok()) return reportError(layers.status(), io);
  uint64_t seed = 0;
  if (auto s = args.get("--seed")) {
    auto v = parseInt("--seed", *s, 0, INT64_MAX);
    if (!v.ok()) return reportError(v.status(), io);
    seed = static_cast<uint64_t>(*v);
  }
  std::string schemeName = args.get("--init").value_or("glorot");
  const SchemeName* scheme = nullptr;
  for (const auto& s : kSchemes)
    if (schemeName == s.name) scheme = &s;
  if (!scheme) return reportError(invalidInput("--init: unknown scheme '{}' (known: glorot, he, torch)", schemeName), io);

  int64_t params = 0, fanIn = *inputs;
  for (const Layer& l : *layers) {
    params += (fanIn + 1) * l.width;  // both < 2^24, so no overflow per layer or summed over few
    fanIn = l.width;
    if (params > kMaxParams)
      return reportError(invalidInput("--layers: the model would have over {} parameters (the ONNX file limit is 2 GiB)",
                                      kMaxParams), io);
  }

  auto graph = buildMlp(*inputs, *layers, scheme->scheme, seed);
  if (!graph.ok()) return reportError(graph.status(), io);
  (*graph)->docString = fmt::format("ingot init mlp --input {} --layers {} --init {} --seed {}", *inputs,
                                    *layersText, scheme->name, seed);
  auto bytes = frontend::exportOnnxBytes(**graph);
  if (!bytes.ok()) return reportError(bytes.status(), io);
  auto symbolic = withSymbolicBatch(*bytes);
  if (!symbolic.ok()) return reportError(symbolic.status(), io);
  Status written = writeFileBytes(*out, *symbolic);
  if (!written.isOk()) return reportError(written, io);

  std::string shape = std::to_string(*inputs);
  for (const Layer& l : *layers) shape += fmt::format(" -> {} {}", l.width, l.act->name);
  io.out << fmt::format("wrote {}: mlp {} ({} parameters, {} init, seed {}); input x: f32[N,{}]\n", *out, shape,
                        params, scheme->name, seed, *inputs);
  return kExitOk;
}

}  // namespace

Command initCommand() {
  return Command{
      CommandSpec{
          "init", "ARCH", 1, 1,
          "Write a freshly initialized model (ARCH: mlp) as ONNX.",
          {
              {"--input", "N", "input features per sample (the model's input x is f32[N_batch, N])"},
              {"--layers", "W:ACT,...", "layer widths and activations, e.g. 128:relu,10:softmax; "
                                        "activations: relu, sigmoid, tanh, gelu, softmax, linear (the default)"},
              {"--init", "SCHEME", "glorot (default), he or torch (see below)"},
              {"--seed", "S", "random seed (default 0); the same seed gives the same weights on every platform"},
              {"--output", "FILE", "the ONNX file to write", false, "-o"},
          },
          "Each layer is a Gemm (weights [out, in], transB=1, as PyTorch's nn.Linear\n"
          "exports) followed by its activation; the input is named x and the output y,\n"
          "and the batch dim is symbolic (N), so `--batch` binds it later.\n\n"
          "Initialization schemes (fan_in, fan_out: a layer's inputs and outputs):\n"
          "  glorot  Keras Dense: weights U(-l, l), l = sqrt(6 / (fan_in + fan_out)); zero bias\n"
          "  he      He uniform (Keras he_uniform): weights U(-l, l), l = sqrt(6 / fan_in) for\n"
          "          relu and gelu layers, Glorot uniform for the others; zero bias\n"
          "  torch   PyTorch nn.Linear: weights and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))\n\n"
          "Example: ingot init mlp --input 784 --layers 128:relu,10:softmax -o model.onnx"},
      &initModel};
}

}  // namespace ingot::cli
