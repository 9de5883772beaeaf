// runtime/OnnxWeights: the protobuf-free initializer replacement the C API
// saves trained models with. The ONNX importer (libonnx's parser) is the
// independent oracle: replaced weights must import as the new values, all
// else as before, and the result must match frontend::replaceInitializers.
#include <catch2/catch.hpp>

#include "OnnxTestUtil.h"
#include "frontend/OnnxImporter.h"
#include "frontend/OnnxUpdate.h"
#include "ir/Graph.h"
#include "runtime/OnnxWeights.h"
#include "support/FileIO.h"

using namespace ingot;
using namespace ingot::frontend::testing;
using Values = std::map<std::string, Tensor, std::less<>>;

namespace {

std::string mlpBytes() {
  auto bytes = readFileBytes(std::string(INGOT_TEST_DATA_DIR) + "/models/mlp.onnx");
  REQUIRE(bytes.ok());
  return *bytes;
}

// name -> initial data of every parameter of the imported model.
Values importParams(std::string_view bytes) {
  frontend::ImportOptions opts;
  opts.batch = 1;
  auto m = frontend::importOnnxBytes(bytes, "", "model.onnx", opts);
  INFO(m.status().message());
  REQUIRE(m.ok());
  Values out;
  for (const ir::Value* p : m->graph->params()) out.emplace(p->name(), *p->paramData());
  return out;
}

std::string replaced(std::string_view bytes, const Values& values) {
  auto out = rt::replaceOnnxInitializers(bytes, values);
  INFO(out.status().message());
  REQUIRE(out.ok());
  return *out;
}

std::string errorOf(std::string_view bytes, const Values& values) {
  auto out = rt::replaceOnnxInitializers(bytes, values);
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().kind() == ErrorKind::InvalidInput);
  return out.status().message();
}

}  // namespace

TEST_CASE("initializers of the MLP are listed with dtype and shape") {
  auto inits = rt::listOnnxInitializers(mlpBytes());
  REQUIRE(inits.ok());
  const Values params = importParams(mlpBytes());
  REQUIRE(inits->size() == params.size());
  for (const rt::OnnxInitializerInfo& i : *inits) {
    INFO(i.name);
    REQUIRE(params.count(i.name));
    CHECK(i.onnxDataType == 1);  // FLOAT
    CHECK(i.shape == params.at(i.name).shape());
  }
}

TEST_CASE("replaced weights import as the new values, the others unchanged") {
  const std::string original = mlpBytes();
  const Values before = importParams(original);
  Values updates;
  updates.emplace("fc1.bias", randomTensor(before.at("fc1.bias").shape(), 3));
  updates.emplace("fc2.weight", randomTensor(before.at("fc2.weight").shape(), 4));
  const std::string out = replaced(original, updates);
  const Values after = importParams(out);
  REQUIRE(after.size() == before.size());
  for (const auto& [name, value] : after) {
    INFO(name);
    const Tensor& want = updates.count(name) ? updates.at(name) : before.at(name);
    CHECK(value.identical(want));
  }
  // The same as the protobuf-based replacement, seen through the importer.
  auto viaProtobuf = frontend::replaceInitializers(original, updates, "mlp.onnx");
  REQUIRE(viaProtobuf.ok());
  const Values oracle = importParams(*viaProtobuf);
  for (const auto& [name, value] : after) CHECK(value.identical(oracle.at(name)));
}

TEST_CASE("replacing nothing, or a weight by itself, keeps the file's bytes") {
  const std::string original = mlpBytes();
  CHECK(replaced(original, {}) == original);
  // mlp.onnx stores raw_data with dims, data_type, name: re-encoding the same
  // values in that canonical form gives the same bytes.
  Values same;
  same.emplace("fc2.bias", importParams(original).at("fc2.bias"));
  CHECK(replaced(original, same) == original);
}

TEST_CASE("typed float_data and i64 initializers are read, and the replacement is raw data") {
  ModelBuilder m;
  m.input("x", {2});
  auto* w = m.g()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->add_float_data(1.f);
  w->add_float_data(2.f);
  m.initializer("unused_i64", i64s({5, 6, 7}));
  m.node("Add", {"x", "w"}, {"y"}, "add");
  m.output("y");
  const std::string bytes = m.bytes();
  auto inits = rt::listOnnxInitializers(bytes);
  REQUIRE(inits.ok());
  REQUIRE(inits->size() == 2);
  CHECK((*inits)[1].onnxDataType == 7);  // INT64
  CHECK((*inits)[1].shape == Shape{3});

  const Tensor newW = Tensor::fromVector<float>({2}, {-3.5f, 4.25f});
  const std::string out = replaced(bytes, {{"w", newW}});
  onnx::ModelProto parsed;
  REQUIRE(parsed.ParseFromString(out));
  const onnx::TensorProto& t = parsed.graph().initializer(0);
  CHECK(t.name() == "w");
  CHECK(t.float_data_size() == 0);
  REQUIRE(t.raw_data().size() == 8);
  CHECK(parsed.graph().node(0).op_type() == "Add");  // the rest is intact
  auto imported = m.import();  // the original still imports ...
  REQUIRE(imported.ok());
  auto again = frontend::importOnnxBytes(out, "", "test.onnx", {});
  REQUIRE(again.ok());  // ... and so does the result, with the new w
  CHECK(again->graph->params()[0]->paramData()->identical(newW));
}

TEST_CASE("packed dims (as proto3 writers emit them) are read too") {
  // ModelProto{graph{initializer{dims: packed [2], data_type: FLOAT, name: "w", raw_data: 8 bytes}}},
  // written by hand: libonnx would re-serialize dims unpacked.
  auto field = [](int number, const std::string& payload) {
    return std::string(1, static_cast<char>(number << 3 | 2)) + std::string(1, static_cast<char>(payload.size())) +
           payload;
  };
  const std::string tensor = field(1, std::string("\x02", 1)) + std::string("\x10\x01", 2) + field(8, "w") +
                             field(9, std::string(8, '\0'));
  const std::string model = field(7, field(5, tensor));
  auto inits = rt::listOnnxInitializers(model);
  REQUIRE(inits.ok());
  REQUIRE(inits->size() == 1);
  CHECK((*inits)[0].shape == Shape{2});
  const Tensor w = Tensor::fromVector<float>({2}, {1.5f, -2.f});
  const std::string out = replaced(model, {{"w", w}});
  onnx::ModelProto parsed;
  REQUIRE(parsed.ParseFromString(out));
  REQUIRE(parsed.graph().initializer_size() == 1);
  const onnx::TensorProto& t = parsed.graph().initializer(0);
  CHECK(t.dims_size() == 1);
  CHECK(t.raw_data() == std::string(reinterpret_cast<const char*>(w.rawData()), 8));
}

TEST_CASE("a value of another shape or dtype, or an unknown name, is an error naming it") {
  const std::string original = mlpBytes();
  CHECK_THAT(errorOf(original, {{"fc1.bias", Tensor(DType::F32, {127})}}),
             Catch::Matches(".*'fc1.bias' is FLOAT \\[128\\], the new value is f32 \\[127\\].*"));
  CHECK_THAT(errorOf(original, {{"fc1.bias", Tensor(DType::F64, {128})}}),
             Catch::Contains("the new value is f64 [128]"));
  CHECK_THAT(errorOf(original, {{"fc9.weight", Tensor(DType::F32, {1})}, {"zzz", Tensor(DType::F32, {1})}}),
             Catch::Contains("no initializer 'fc9.weight', 'zzz'"));
}

TEST_CASE("malformed bytes are errors, never reads past the end") {
  const std::string original = mlpBytes();
  const Values one{{"fc2.bias", Tensor(DType::F32, {10})}};
  // Every truncation of the first bytes and a sample of later ones.
  // (Cuts inside the graph, which ends a few bytes before the file does.)
  for (size_t n = 1; n + 32 < original.size(); n += (n < 64 ? 1 : 997)) {
    auto out = rt::replaceOnnxInitializers(std::string_view(original).substr(0, n), one);
    auto listed = rt::listOnnxInitializers(std::string_view(original).substr(0, n));
    if (out.ok()) FAIL("truncated to " << n << " bytes was accepted");
    CHECK_FALSE(out.status().message().empty());
    (void)listed;  // may parse (a cut between fields) or not; it must not crash
  }
  CHECK_THAT(rt::listOnnxInitializers("\x3a\xff\xff\xff\x0f").status().message(),
             Catch::Contains("bytes long but only 0 are left"));
  CHECK_THAT(rt::listOnnxInitializers(std::string("\x0b\x00", 2)).status().message(),
             Catch::Contains("wire type 3"));
  CHECK_THAT(rt::listOnnxInitializers("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01").status().message(),
             Catch::Contains("longer than 10 bytes"));
  CHECK_THAT(rt::listOnnxInitializers(std::string("\x00\x01", 2)).status().message(),
             Catch::Contains("bad field number 0"));
  CHECK_THAT(rt::listOnnxInitializers("\x39\x01\x02").status().message(), Catch::Contains("fixed-size field"));
}
