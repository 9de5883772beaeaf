// Internal to frontend/: the bridge between ONNX protobuf messages and ingot
// values (dtype codes, TensorProto <-> Tensor, safe parsing). Only frontend
// .cpp files include this, so the protobuf headers stay out of the public API.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/DType.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::frontend {

// TensorProto.DataType <-> DType. nullopt for types ingot does not hold
// (string, complex, the float8/4-bit types of newer ONNX versions).
std::optional<DType> dtypeFromOnnx(int32_t elemType);
int32_t dtypeToOnnx(DType t);
// "FLOAT", "STRING", ... for messages; "type 42" for unknown codes.
std::string onnxTypeName(int32_t elemType);

// Where external tensor data may be read from: the model's folder. An empty
// folder means "no external data allowed" (a model given as bytes only).
struct ExternalDataContext {
  std::string baseDir;
};

// Decodes a TensorProto (raw_data, the typed repeated fields, or external
// data), checking sizes against dims. `what` names the tensor in messages.
Expected<Tensor> tensorFromProto(const onnx::TensorProto& proto, const ExternalDataContext& ext,
                                 const std::string& what);
// Encodes as raw_data (little-endian, as ONNX requires).
void tensorToProto(const Tensor& t, const std::string& name, onnx::TensorProto* proto);

// A 1-D tensor of `values` (also when empty: Tensor::fromVector would
// memcpy from a null pointer then).
template <typename T>
Tensor vectorTensor(const std::vector<T>& values) {
  Tensor t(DTypeOf<T>::value, {static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = values[i];
  return t;
}

// Reads a whole file; InvalidInput naming the path when it cannot.

// Parses protobuf bytes into `msg`; false on truncated or malformed input.
// protobuf's parser reports errors by return value, but it is wrapped so
// that no exception from a library can cross ingot's API.
bool parseMessage(google::protobuf::MessageLite& msg, std::string_view bytes);

}  // namespace ingot::frontend
