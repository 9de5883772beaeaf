// libFuzzer target: the ONNX importer (frontend/OnnxImporter.h) on model
// bytes, with --batch 1 and no folder for external data; and, over the same
// bytes, the runtime's protobuf-free walker that writes trained weights back
// into an ONNX model (runtime/OnnxWeights.h).
//
// Byte mutations of protobuf rarely make a new valid model (a 1-byte varint
// cannot grow into a 9-byte one without fixing every enclosing length), so
// most mutations here go through a small structure-aware mutator: parse the
// model, change one thing (a declared dim, an attribute, an initializer's
// value, an op type, an edge, the opset) to an interesting value, serialize.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <string_view>

#include "frontend/OnnxImporter.h"
#include "fuzz_common.h"
#include "runtime/OnnxWeights.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);

namespace {

void checkImport(std::string_view bytes) {
  ingot::frontend::ImportOptions opts;
  opts.batch = 1;
  auto model = ingot::frontend::importOnnxBytes(bytes, "", "fuzz.onnx", opts);
  if (!model.ok()) return ingot::fuzz::checkError(model.status(), "importOnnxBytes");
  if (!model->graph) ingot::fuzz::fail("importOnnxBytes", "success without a graph");
}

void checkWeightWalker(std::string_view bytes) {
  auto inits = ingot::rt::listOnnxInitializers(bytes);
  if (!inits.ok()) return ingot::fuzz::checkError(inits.status(), "listOnnxInitializers");
  // A scalar float replacing the first initializer: accepted when it is one,
  // an error naming the mismatch otherwise.
  if (inits->empty()) return;
  std::map<std::string, ingot::Tensor, std::less<>> values;
  values.emplace(inits->front().name, ingot::Tensor(ingot::DType::F32, {}));
  auto out = ingot::rt::replaceOnnxInitializers(bytes, values);
  if (!out.ok()) ingot::fuzz::checkError(out.status(), "replaceOnnxInitializers");
}

// ---- the structure-aware mutator ------------------------------------------------

using Rng = std::minstd_rand;

int64_t interesting(Rng& rng) {
  static const int64_t values[] = {0, 1, 2, 3, -1, -2, 7, 255, 1 << 16, int64_t{1} << 31, int64_t{1} << 32,
                                   int64_t{1} << 40, int64_t{1} << 62, std::numeric_limits<int64_t>::max(),
                                   std::numeric_limits<int64_t>::min(), -(int64_t{1} << 31)};
  return values[rng() % std::size(values)];
}

// Op types the importer knows (its table and the IR ops it maps by name).
const char* const kOps[] = {
    "Abs", "Add", "And", "ArgMax", "AveragePool", "BatchNormalization", "BitShift", "Cast", "CastLike", "Ceil",
    "Clip", "Concat", "Constant", "ConstantOfShape", "Conv", "Cos", "CumSum", "Div", "Dropout", "Einsum", "Equal",
    "Erf", "Exp", "Expand", "EyeLike", "Flatten", "Gather", "GatherElements", "Gelu", "Gemm", "Greater",
    "GroupNormalization", "Hardmax", "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Less",
    "Log", "LogSoftmax", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mod", "Mul", "Neg", "Not", "OneHot", "Pad",
    "Pow", "PRelu", "Range", "Reciprocal", "ReduceL2", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
    "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Resize", "Shape", "Sigmoid", "Size", "Slice",
    "Softmax", "SoftmaxCrossEntropyLoss", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile", "TopK",
    "Transpose", "Trilu", "Unsqueeze", "Where", "Xor"};

// Changes one thing in `m`; false when the model has nothing of that kind.
bool mutateOnce(onnx::ModelProto& m, Rng& rng) {
  onnx::GraphProto& g = *m.mutable_graph();
  switch (rng() % 8) {
    case 0: {  // a declared dim of a graph input
      if (g.input_size() == 0) return false;
      auto* shape = g.mutable_input(rng() % g.input_size())->mutable_type()->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size() == 0 || rng() % 4 == 0) {
        shape->add_dim()->set_dim_value(interesting(rng));
      } else {
        auto* dim = shape->mutable_dim(rng() % shape->dim_size());
        if (rng() % 4 == 0) dim->set_dim_param("N");
        else dim->set_dim_value(interesting(rng));
      }
      return true;
    }
    case 1: {  // an int or ints attribute of a node
      if (g.node_size() == 0) return false;
      onnx::NodeProto& n = *g.mutable_node(rng() % g.node_size());
      if (n.attribute_size() == 0) return false;
      onnx::AttributeProto& a = *n.mutable_attribute(rng() % n.attribute_size());
      if (a.ints_size() > 0 && rng() % 2) a.set_ints(rng() % a.ints_size(), interesting(rng));
      else if (a.has_i()) a.set_i(interesting(rng));
      else if (a.ints_size() > 0) a.add_ints(interesting(rng));
      else if (a.has_f()) a.set_f(static_cast<float>(interesting(rng)));
      else return false;
      return true;
    }
    case 2: {  // an initializer's int64 value (shapes, axes, pads, indices) or dim
      if (g.initializer_size() == 0) return false;
      onnx::TensorProto& t = *g.mutable_initializer(rng() % g.initializer_size());
      if (t.int64_data_size() > 0 && rng() % 3) {
        t.set_int64_data(rng() % t.int64_data_size(), interesting(rng));
      } else if (t.raw_data().size() >= 8 && t.data_type() == onnx::TensorProto::INT64 && rng() % 3) {
        const int64_t v = interesting(rng);
        std::memcpy(t.mutable_raw_data()->data() + 8 * (rng() % (t.raw_data().size() / 8)), &v, 8);
      } else if (t.dims_size() > 0) {
        t.set_dims(rng() % t.dims_size(), interesting(rng));
      } else {
        return false;
      }
      return true;
    }
    case 3: {  // a node's op type
      if (g.node_size() == 0) return false;
      g.mutable_node(rng() % g.node_size())->set_op_type(kOps[rng() % std::size(kOps)]);
      return true;
    }
    case 4: {  // a node's input: another value of the graph, or absent
      if (g.node_size() < 2) return false;
      onnx::NodeProto& n = *g.mutable_node(rng() % g.node_size());
      const onnx::NodeProto& other = g.node(rng() % g.node_size());
      if (n.input_size() == 0 || other.output_size() == 0) return false;
      n.set_input(rng() % n.input_size(), rng() % 8 ? other.output(rng() % other.output_size()) : "");
      return true;
    }
    case 5: {  // a node input or output more or less
      if (g.node_size() == 0) return false;
      onnx::NodeProto& n = *g.mutable_node(rng() % g.node_size());
      if (rng() % 2 && n.input_size() > 0) n.add_input(n.input(rng() % n.input_size()));
      else if (n.input_size() > 0) n.mutable_input()->RemoveLast();
      else return false;
      return true;
    }
    case 6: {  // the default domain's opset
      if (m.opset_import_size() == 0) return false;
      m.mutable_opset_import(0)->set_version(rng() % 4 ? int64_t(1 + rng() % 22) : interesting(rng));
      return true;
    }
    default: {  // an element type (of an input or initializer)
      const int type = static_cast<int>(rng() % 17);
      if (g.input_size() > 0 && rng() % 2)
        g.mutable_input(rng() % g.input_size())->mutable_type()->mutable_tensor_type()->set_elem_type(type);
      else if (g.initializer_size() > 0)
        g.mutable_initializer(rng() % g.initializer_size())->set_data_type(type);
      else
        return false;
      return true;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  checkImport(bytes);
  checkWeightWalker(bytes);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned int seed) {
  Rng rng(seed);
  onnx::ModelProto model;
  if (rng() % 4 == 0 || size > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(data, static_cast<int>(size)) || !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  bool changed = false;
  for (unsigned k = 1 + rng() % 3, tries = 0; k > 0 && tries < 20; ++tries) {
    if (!mutateOnce(model, rng)) continue;
    changed = true;
    --k;
  }
  std::string out;
  if (!changed || !model.SerializeToString(&out) || out.size() > maxSize) return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
