#include "tools/cli/Inputs.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "support/Npy.h"

namespace ingot::cli {

Expected<GivenInputs> collectInputs(const ParsedArgs& args) {
  GivenInputs g;
  for (const auto& s : args.getAll("--shape")) {
    INGOT_ASSIGN_OR_RETURN(auto kv, splitAssignment("--shape", s));
    INGOT_ASSIGN_OR_RETURN(Shape shape, parseDims(kv.second));
    if (g.load.inputShapes.count(kv.first))
      return invalidInput("--shape {} given more than once", kv.first);
    g.load.inputShapes[kv.first] = shape;
  }
  for (const auto& s : args.getAll("--input")) {
    INGOT_ASSIGN_OR_RETURN(auto kv, splitAssignment("--input", s));
    if (g.tensors.count(kv.first)) return invalidInput("--input {} given more than once", kv.first);
    auto t = readNpyFile(kv.second);
    if (!t.ok()) return t.status().withContext(fmt::format("--input {}", kv.first));
    auto it = g.load.inputShapes.find(kv.first);
    if (it != g.load.inputShapes.end() && it->second != t->shape())
      return invalidInput("--input {}: the file has shape {} but --shape says {}", kv.first,
                          shapeToString(t->shape()), shapeToString(it->second));
    g.load.inputShapes[kv.first] = t->shape();
    g.load.knownInputValues[kv.first] = *t;
    g.tensors[kv.first] = std::move(*t);
  }
  if (auto b = args.get("--batch")) {
    INGOT_ASSIGN_OR_RETURN(int64_t n, parseInt("--batch", *b, 1, int64_t(1) << 31));
    g.load.batch = n;
  }
  return g;
}

Tensor randomTensor(DType dtype, const Shape& shape, std::mt19937_64& rng) {
  Tensor t(dtype, shape);
  int64_t n = t.numElements();
  // Built from raw 64-bit draws so the values do not depend on the standard
  // library's distribution implementations.
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  visitDType(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>)
        p[i] = (rng() >> 63) != 0;
      else if constexpr (std::is_floating_point_v<T>)
        p[i] = static_cast<T>(unit() * 2.0 - 1.0);
      else
        p[i] = static_cast<T>(rng() % 10);
    }
  });
  return t;
}

Expected<std::optional<uint64_t>> randomInputsSeed(const ParsedArgs& args) {
  std::optional<std::string> s = args.get("--random-inputs");
  if (!s) return std::optional<uint64_t>();
  INGOT_ASSIGN_OR_RETURN(int64_t v, parseInt("--random-inputs", *s, 0, INT64_MAX));
  return std::optional<uint64_t>(static_cast<uint64_t>(v));
}

Expected<TensorMap> completeInputs(const std::vector<InputSpec>& inputs, const TensorMap& given,
                                   std::optional<uint64_t> seed, const std::vector<std::string>& foldedInputs) {
  TensorMap out;
  std::mt19937_64 rng(seed.value_or(0));
  std::vector<std::string> missing;
  for (const InputSpec& in : inputs) {
    auto it = given.find(in.name);
    if (it != given.end()) {
      if (it->second.dtype() != in.dtype)
        return invalidInput("--input {}: expected dtype {}, the file has {}", in.name, dtypeName(in.dtype),
                            dtypeName(it->second.dtype()));
      if (it->second.shape() != in.shape)
        return invalidInput("--input {}: expected shape {}, the file has {}", in.name, shapeToString(in.shape),
                            shapeToString(it->second.shape()));
      out[in.name] = it->second;
    } else if (seed) {
      out[in.name] = randomTensor(in.dtype, in.shape, rng);
    } else {
      missing.push_back(fmt::format("'{}' ({}{})", in.name, dtypeName(in.dtype), shapeToString(in.shape)));
    }
  }
  for (const auto& [name, t] : given) {
    if (std::find(foldedInputs.begin(), foldedInputs.end(), name) != foldedInputs.end()) continue;
    if (std::none_of(inputs.begin(), inputs.end(), [&](const InputSpec& in) { return in.name == name; })) {
      std::string names;
      for (const InputSpec& in : inputs) names += (names.empty() ? "" : ", ") + in.name;
      return invalidInput("--input {}: the model has no such input (inputs: {})", name, names);
    }
  }
  if (!missing.empty())
    return invalidInput("missing inputs: {}; give them with --input NAME=FILE.npy or use --random-inputs SEED",
                        fmt::join(missing, ", "));
  return out;
}

Expected<TensorMap> completeInputs(const ir::Graph& g, const TensorMap& given, std::optional<uint64_t> seed,
                                   const std::vector<std::string>& foldedInputs) {
  std::vector<InputSpec> inputs;
  for (const ir::Value* in : g.inputs()) inputs.push_back({in->name(), in->dtype(), in->shape()});
  return completeInputs(inputs, given, seed, foldedInputs);
}

std::string sanitizeFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "output" + out;
  return out;
}

std::string summarizeTensor(const Tensor& t) {
  int64_t n = t.numElements();
  std::string out = fmt::format("{}{}", dtypeName(t.dtype()), shapeToString(t.shape()));
  if (n == 0 || !isComputable(t.dtype())) return out;
  double mn = std::numeric_limits<double>::infinity(), mx = -mn, sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = t.elementAsDouble(i);
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    sum += v;
  }
  out += fmt::format("  min {:.6g}  max {:.6g}  mean {:.6g}  values:", mn, mx, sum / n);
  for (int64_t i = 0; i < std::min<int64_t>(n, 6); ++i) out += fmt::format(" {:.6g}", t.elementAsDouble(i));
  if (n > 6) out += " ...";
  return out;
}

}  // namespace ingot::cli
