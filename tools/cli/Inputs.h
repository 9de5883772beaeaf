// Input handling shared by the commands that run models: --input files,
// --shape/--batch bindings, deterministic random inputs, output file names.
#pragma once

#include <map>
#include <optional>
#include <random>
#include <string>

#include "ir/Graph.h"
#include "tools/cli/Args.h"
#include "tools/cli/Backends.h"
#include "tools/cli/ModelLoader.h"

namespace ingot::cli {

struct GivenInputs {
  LoadOptions load;  // shapes from --shape and from the --input files
  TensorMap tensors;
};

// --random-inputs SEED when given.
Expected<std::optional<uint64_t>> randomInputsSeed(const ParsedArgs& args);

// Reads --input NAME=FILE.npy, --shape NAME=DIMS and --batch N.
Expected<GivenInputs> collectInputs(const ParsedArgs& args);

// A model input's name and type (from a graph or a compiled plan).
struct InputSpec {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
};

// Every input: given ones are checked (dtype, shape), missing ones are
// filled from `seed` when set, else an error lists them; given inputs not
// in `inputs` (and not in `foldedInputs`) are an error.
Expected<TensorMap> completeInputs(const std::vector<InputSpec>& inputs, const TensorMap& given,
                                   std::optional<uint64_t> seed, const std::vector<std::string>& foldedInputs = {});

// Every graph input: given ones are checked (dtype, shape), missing ones are
// filled from `seed` when set, else an error lists them. Given inputs that
// the loader compiled in as constants (`foldedInputs`) are skipped.
Expected<TensorMap> completeInputs(const ir::Graph& g, const TensorMap& given, std::optional<uint64_t> seed,
                                   const std::vector<std::string>& foldedInputs = {});

// Deterministic values: floats uniform in [-1, 1), ints in [0, 10), bools fair.
Tensor randomTensor(DType dtype, const Shape& shape, std::mt19937_64& rng);

// A file name for a tensor name: keeps [A-Za-z0-9._-], replaces the rest.
std::string sanitizeFileName(const std::string& name);

// "f32[1,10] min -2.1 max 3.4 mean 0.12  first: 0.1, 0.2, ..."
std::string summarizeTensor(const Tensor& t);

}  // namespace ingot::cli
