// ONNX TensorProto files (.pb), as used by the ONNX node tests'
// test_data_set_N/input_K.pb and output_K.pb.
#pragma once

#include <string>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::frontend {

// Reads one TensorProto. A file holding a SequenceProto or OptionalProto
// (some node tests have those) gives an Unsupported status; a truncated or
// corrupt file gives InvalidInput naming it.
Expected<Tensor> readTensorProtoFile(const std::string& path);
// Writes `t` as a TensorProto named `name` (raw_data).
Status writeTensorProtoFile(const std::string& path, const Tensor& t, const std::string& name = {});

}  // namespace ingot::frontend
