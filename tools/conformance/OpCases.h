// The op conformance table: one row per case (op, attributes, inputs and how
// they are generated, tolerance). Every row runs on every available backend
// and is compared with the reference interpreter. Adding an op means adding
// rows here, nothing else.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/Attribute.h"
#include "tools/conformance/Compare.h"

namespace ingot::conformance {

enum class Gen {
  Uniform,   // floats in [-2, 2), ints in [-5, 5)
  Positive,  // floats in [0.1, 3) (log, sqrt, pow bases)
  NonZero,   // floats with |x| in [0.5, 2), ints in [1, 5] (divisors)
  Small,     // floats in [-0.5, 0.5) (exp, pow exponents)
  Bool,
  ClassIndex,  // ints in [0, InputSpec::bound) (class indices for losses); floats as Uniform
};

struct InputSpec {
  DType dtype = DType::F32;
  Shape shape;
  Gen gen = Gen::Uniform;
  int64_t bound = 0;  // Gen::ClassIndex: the number of classes
};

struct OpCase {
  std::string name;  // unique, e.g. "Add/broadcast_row"
  std::string op;
  ir::AttrMap attrs;
  std::vector<std::optional<InputSpec>> inputs;  // nullopt: an absent optional operand
  std::optional<Tolerance> tolerance;            // default: per output dtype
};

const std::vector<OpCase>& opCases();

// Deterministic inputs for a case (seeded by its name).
std::vector<std::optional<Tensor>> generateInputs(const OpCase& c);

}  // namespace ingot::conformance
