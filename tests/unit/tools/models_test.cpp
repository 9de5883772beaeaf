// End to end on the committed PyTorch-exported models: import, run on every
// backend through the CLI's path, compare with PyTorch's outputs (made by
// scripts/make_onnx_fixtures.py; the suite itself needs no PyTorch), and
// check that the text IR round-trips every model in the test suite.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/OnnxImporter.h"
#include "ir/Interpreter.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "support/Npy.h"
#include "tools/cli/Backends.h"
#include "tools/cli/ModelLoader.h"
#include "tools/conformance/Compare.h"

using namespace ingot;
namespace fs = std::filesystem;

namespace {

const std::string kModels = std::string(INGOT_TEST_DATA_DIR) + "/models";

struct Fixture {
  std::string name;
};

cli::LoadedModel loadWithInput(const std::string& name, Tensor& input) {
  std::string path = kModels + "/" + name + ".onnx";
  auto in = readNpyFile(kModels + "/" + name + ".input.npy");
  REQUIRE(in.ok());
  input = *in;
  auto declared = frontend::describeOnnxInputs(path);
  REQUIRE(declared.ok());
  REQUIRE(declared->size() == 1);
  cli::LoadOptions opts;
  opts.inputShapes[(*declared)[0].name] = input.shape();
  auto m = cli::loadModel(path, opts);
  INFO(m.status().message());
  REQUIRE(m.ok());
  return std::move(*m);
}

}  // namespace

TEST_CASE("PyTorch-exported models match PyTorch's outputs within 1e-5 on every backend") {
  for (std::string name : {"mlp", "gelu_mlp", "attention"}) {
    DYNAMIC_SECTION(name) {
      Tensor input;
      cli::LoadedModel m = loadWithInput(name, input);
      auto expected = readNpyFile(kModels + "/" + name + ".expected.npy");
      REQUIRE(expected.ok());
      cli::TensorMap inputs{{m.graph->inputs()[0]->name(), input}};
      for (const auto& b : cli::backendTable()) {
        auto dev = cli::openDevice(b.name);
        if (!dev.ok()) {
          WARN("skipping " << b.name << ": " << dev.status().message());
          continue;
        }
        auto out = cli::compileAndRun(*dev, *m.graph, inputs);
        INFO(b.name << ": " << out.status().message());
        REQUIRE(out.ok());
        REQUIRE(out->size() == 1);
        std::string diff = conformance::compareTensors((*out)[0], *expected, {1e-5, 1e-5});
        INFO(b.name << ": " << diff);
        CHECK(diff.empty());
      }
    }
  }
}

TEST_CASE("the MLP fixture binds its symbolic batch from the input file") {
  Tensor input;
  cli::LoadedModel m = loadWithInput("mlp", input);
  REQUIRE(m.graph->inputs()[0]->shape() == Shape{input.shape()[0], 784});
  REQUIRE(m.boundDims.size() == 1);
  CHECK(m.boundDims.begin()->second == input.shape()[0]);
}

TEST_CASE("text IR round-trips every model in the test suite") {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(INGOT_TEST_DATA_DIR)) {
    std::string p = e.path().string();
    if (e.path().extension() == ".onnx" && p.find("/bad/") == std::string::npos) files.push_back(e.path());
    if (p.size() > 10 && p.substr(p.size() - 10) == ".ingot.txt" && p.find("/bad/") == std::string::npos)
      files.push_back(e.path());
  }
  REQUIRE(files.size() >= 3);
  for (const auto& f : files) {
    DYNAMIC_SECTION(f.filename().string()) {
      cli::LoadOptions opts;
      if (f.extension() == ".onnx") opts.batch = 2;  // binds the exported models' symbolic batch
      auto m = cli::loadModel(f.string(), opts);
      INFO(m.status().message());
      REQUIRE(m.ok());
      std::string once = ir::printGraph(*m->graph);
      auto parsed = ir::parseGraph(once, f.string());
      INFO(parsed.status().message());
      REQUIRE(parsed.ok());
      REQUIRE(ir::verifyGraph(**parsed).isOk());
      CHECK(ir::printGraph(**parsed) == once);
    }
  }
}
