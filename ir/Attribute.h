// Node attributes: the ONNX attribute kinds ingot uses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "support/Tensor.h"

namespace ingot::ir {

enum class AttrKind { Int, Float, String, Ints, Floats, Strings, Tensor };
std::string_view attrKindName(AttrKind k);  // "int", "float", "string", "ints", ...

class Attribute {
 public:
  using Storage = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, ingot::Tensor>;
  Attribute() : v_(int64_t{0}) {}
  Attribute(int64_t v) : v_(v) {}
  Attribute(int v) : v_(int64_t{v}) {}
  Attribute(float v) : v_(v) {}
  Attribute(std::string v) : v_(std::move(v)) {}
  Attribute(const char* v) : v_(std::string(v)) {}
  Attribute(std::vector<int64_t> v) : v_(std::move(v)) {}
  Attribute(std::vector<float> v) : v_(std::move(v)) {}
  Attribute(std::vector<std::string> v) : v_(std::move(v)) {}
  Attribute(ingot::Tensor v) : v_(std::move(v)) {}

  AttrKind kind() const { return static_cast<AttrKind>(v_.index()); }
  // Accessors: check kind() first; the verifier guarantees kinds match the
  // op's AttrSpec, so passes and kernels may call these directly.
  int64_t asInt() const { return std::get<int64_t>(v_); }
  float asFloat() const { return std::get<float>(v_); }
  const std::string& asString() const { return std::get<std::string>(v_); }
  const std::vector<int64_t>& asInts() const { return std::get<std::vector<int64_t>>(v_); }
  const std::vector<float>& asFloats() const { return std::get<std::vector<float>>(v_); }
  const std::vector<std::string>& asStrings() const { return std::get<std::vector<std::string>>(v_); }
  const ingot::Tensor& asTensor() const { return std::get<ingot::Tensor>(v_); }

  bool operator==(const Attribute& o) const;

 private:
  Storage v_;
};

// Sorted by name so printing is deterministic.
using AttrMap = std::map<std::string, Attribute, std::less<>>;

}  // namespace ingot::ir
