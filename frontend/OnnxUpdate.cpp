#include "frontend/OnnxUpdate.h"

#include <set>

#include "frontend/OnnxProto.h"

namespace ingot::frontend {

Expected<std::string> replaceInitializers(std::string_view modelBytes,
                                          const std::map<std::string, Tensor, std::less<>>& values,
                                          const std::string& modelName) {
  onnx::ModelProto model;
  if (!parseMessage(model, modelBytes)) return invalidInput("{}: not a readable ONNX model", modelName);
  std::set<std::string, std::less<>> replaced;
  for (onnx::TensorProto& init : *model.mutable_graph()->mutable_initializer()) {
    auto it = values.find(init.name());
    if (it == values.end()) continue;
    const Tensor& t = it->second;
    std::optional<DType> dtype = dtypeFromOnnx(init.data_type());
    Shape shape(init.dims().begin(), init.dims().end());
    if (!dtype || *dtype != t.dtype() || shape != t.shape())
      return invalidInput("{}: initializer '{}' is {} {}, the new value is {} {}", modelName, init.name(),
                          onnxTypeName(init.data_type()), shapeToString(shape), dtypeName(t.dtype()),
                          shapeToString(t.shape()));
    const std::string name = init.name();
    init.Clear();  // drops external-data references and typed fields alike
    tensorToProto(t, name, &init);
    replaced.insert(name);
  }
  for (const auto& [name, t] : values)
    if (!replaced.count(name)) return invalidInput("{}: the model has no initializer '{}'", modelName, name);
  std::string out;
  if (!model.SerializeToString(&out))
    return invalidInput("{}: the updated model cannot be serialized (over protobuf's 2 GiB limit?)", modelName);
  return out;
}

}  // namespace ingot::frontend
