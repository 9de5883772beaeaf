// TensorProto decoding (raw, typed fields, external data) and .pb files.
#include <catch2/catch.hpp>

#include <onnx/onnx-data_pb.h>

#include <filesystem>
#include <fstream>

#include "OnnxTestUtil.h"
#include "frontend/OnnxImporter.h"
#include "frontend/OnnxTensor.h"
#include "ir/Interpreter.h"

using namespace ingot;
using namespace ingot::frontend;
using namespace ingot::frontend::testing;

namespace {

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

// A model whose output is the initializer `w` through Identity.
ModelBuilder identityOf(const onnx::TensorProto& w) {
  ModelBuilder m;
  *m.g()->add_initializer() = w;
  m.node("Identity", {w.name()}, {"y"});
  m.output("y");
  return m;
}

// The initializer as imported (a param, or for integer dtypes a folded
// constant), read back by running the graph.
Expected<Tensor> importedParam(const onnx::TensorProto& w, const std::string& dir = {}) {
  auto r = identityOf(w).import({}, dir);
  if (!r.ok()) return r.status();
  auto out = ir::interpretGraph(*r->graph, {});
  if (!out.ok()) return out.status();
  return (*out)[0];
}

}  // namespace

TEST_CASE("typed data fields decode for every dtype", "[tensor]") {
  onnx::TensorProto f;
  f.set_name("f");
  f.set_data_type(onnx::TensorProto::FLOAT);
  f.add_dims(2);
  f.add_float_data(1.5f);
  f.add_float_data(-2.f);
  auto t = importedParam(f);
  INFO(t.status().message());
  REQUIRE(t.ok());
  CHECK(t->identical(Tensor::fromVector<float>({2}, {1.5f, -2.f})));

  onnx::TensorProto i8;
  i8.set_name("i8");
  i8.set_data_type(onnx::TensorProto::INT8);
  i8.add_dims(3);
  for (int v : {-1, 2, 127}) i8.add_int32_data(v);
  auto t8 = importedParam(i8);
  INFO(t8.status().message());
  REQUIRE(t8.ok());
  CHECK(t8->identical(Tensor::fromVector<int8_t>({3}, {-1, 2, 127})));
  CHECK_FALSE(t8->dtype() == DType::F32);

  onnx::TensorProto b;
  b.set_name("b");
  b.set_data_type(onnx::TensorProto::BOOL);
  b.add_dims(2);
  b.add_int32_data(1);
  b.add_int32_data(0);
  auto tb = importedParam(b);
  REQUIRE(tb.ok());
  CHECK(tb->identical(Tensor::fromVector<bool>({2}, {true, false})));

  onnx::TensorProto u64;
  u64.set_name("u");
  u64.set_data_type(onnx::TensorProto::UINT64);
  u64.add_uint64_data(uint64_t{1} << 40);  // a scalar: no dims
  auto tu = importedParam(u64);
  REQUIRE(tu.ok());
  CHECK(tu->identical(Tensor::scalar<uint64_t>(uint64_t{1} << 40)));

  onnx::TensorProto d;
  d.set_name("d");
  d.set_data_type(onnx::TensorProto::DOUBLE);
  d.add_dims(1);
  d.add_double_data(0.25);
  auto td = importedParam(d);
  REQUIRE(td.ok());
  CHECK(td->identical(Tensor::fromVector<double>({1}, {0.25})));
}

TEST_CASE("data that does not match the dims is rejected", "[tensor]") {
  onnx::TensorProto f;
  f.set_name("w");
  f.set_data_type(onnx::TensorProto::FLOAT);
  f.add_dims(3);
  f.add_float_data(1.f);
  auto t = importedParam(f);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().kind() == ErrorKind::InvalidInput);
  CHECK_THAT(t.status().message(), Catch::Contains("'w'") && Catch::Contains("1 values"));

  onnx::TensorProto raw;
  raw.set_name("r");
  raw.set_data_type(onnx::TensorProto::FLOAT);
  raw.add_dims(4);
  raw.set_raw_data(std::string(15, '\0'));
  auto tr = importedParam(raw);
  REQUIRE_FALSE(tr.ok());
  CHECK_THAT(tr.status().message(), Catch::Contains("15 bytes"));

  onnx::TensorProto huge;
  huge.set_name("h");
  huge.set_data_type(onnx::TensorProto::FLOAT);
  for (int i = 0; i < 8; ++i) huge.add_dims(int64_t{1} << 20);
  auto th = importedParam(huge);
  REQUIRE_FALSE(th.ok());

  onnx::TensorProto str;
  str.set_name("s");
  str.set_data_type(onnx::TensorProto::STRING);
  str.add_string_data("x");
  auto ts = importedParam(str);
  REQUIRE_FALSE(ts.ok());
  CHECK(ts.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(ts.status().message(), Catch::Contains("STRING"));
}

TEST_CASE("external data is read relative to the model folder, bounds-checked", "[tensor][external]") {
  std::string dir = tempDir("external");
  std::filesystem::create_directories(dir + "/sub");
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  std::string blob(8, 'x');  // 8 bytes of padding before the data
  blob.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  writeFile(dir + "/sub/weights.bin", blob);
  writeFile(dir + "/../ingot_outside.bin", blob);

  auto proto = [](const std::string& location, int64_t offset, int64_t length) {
    onnx::TensorProto w;
    w.set_name("w");
    w.set_data_type(onnx::TensorProto::FLOAT);
    w.add_dims(2);
    w.add_dims(3);
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* k, const std::string& v) {
      auto* e = w.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    if (offset >= 0) add("offset", std::to_string(offset));
    if (length >= 0) add("length", std::to_string(length));
    return w;
  };

  SECTION("a file in a subfolder, with offset and length, through importOnnxFile") {
    ModelBuilder m = identityOf(proto("sub/weights.bin", 8, 24));
    writeFile(dir + "/model.onnx", m.bytes());
    auto r = importOnnxFile(dir + "/model.onnx", {});
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(r->graph->params()[0]->paramData()->identical(Tensor::fromVector<float>({2, 3}, values)));
  }
  SECTION("past the end of the file") {
    auto t = importedParam(proto("sub/weights.bin", 16, -1), dir);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.status().message(), Catch::Contains("past the end"));
  }
  SECTION("a length that disagrees with the dims") {
    auto t = importedParam(proto("sub/weights.bin", 8, 20), dir);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.status().message(), Catch::Contains("length 20"));
  }
  SECTION("a location outside the model folder") {
    auto t = importedParam(proto("../ingot_outside.bin", 8, 24), dir + "/sub");
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().kind() == ErrorKind::InvalidInput);
    CHECK_THAT(t.status().message(), Catch::Contains("outside the model folder"));
    auto abs = importedParam(proto(dir + "/sub/weights.bin", 8, 24), dir);
    REQUIRE_FALSE(abs.ok());
    CHECK_THAT(abs.status().message(), Catch::Contains("relative"));
  }
  SECTION("a missing file, and a model given as bytes without a folder") {
    auto t = importedParam(proto("nope.bin", 0, -1), dir);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.status().message(), Catch::Contains("not found"));
    auto nodir = importedParam(proto("sub/weights.bin", 8, 24));
    REQUIRE_FALSE(nodir.ok());
    CHECK_THAT(nodir.status().message(), Catch::Contains("no folder"));
  }
  std::filesystem::remove(dir + "/../ingot_outside.bin");
  std::filesystem::remove_all(dir);
}

TEST_CASE("TensorProto files: read, write, and Sequence/Optional files", "[tensor][pb]") {
  std::string dir = tempDir("pb");
  Tensor t = Tensor::fromVector<int32_t>({2, 2}, {1, -2, 3, -4});
  REQUIRE(writeTensorProtoFile(dir + "/t.pb", t, "t").isOk());
  auto back = readTensorProtoFile(dir + "/t.pb");
  INFO(back.status().message());
  REQUIRE(back.ok());
  CHECK(back->identical(t));

  onnx::SequenceProto seq;
  seq.set_name("seq");
  seq.set_elem_type(onnx::SequenceProto::TENSOR);
  setTensor(seq.add_tensor_values(), "a", Tensor::fromVector<float>({2}, {1, 2}));
  writeFile(dir + "/seq.pb", seq.SerializeAsString());
  auto s = readTensorProtoFile(dir + "/seq.pb");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(s.status().message(), Catch::Contains("SequenceProto"));

  onnx::SequenceProto empty;
  empty.set_name("empty_seq");
  empty.set_elem_type(onnx::SequenceProto::TENSOR);
  writeFile(dir + "/empty.pb", empty.SerializeAsString());
  auto e = readTensorProtoFile(dir + "/empty.pb");
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().kind() == ErrorKind::Unsupported);

  onnx::OptionalProto opt;
  opt.set_name("opt");
  opt.set_elem_type(onnx::OptionalProto::TENSOR);
  setTensor(opt.mutable_tensor_value(), "v", Tensor::scalar<float>(1.f));
  writeFile(dir + "/opt.pb", opt.SerializeAsString());
  auto o = readTensorProtoFile(dir + "/opt.pb");
  REQUIRE_FALSE(o.ok());
  CHECK(o.status().kind() == ErrorKind::Unsupported);

  std::string good;
  {
    std::ifstream f(dir + "/t.pb", std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(f), {});
  }
  writeFile(dir + "/cut.pb", good.substr(0, good.size() - 3));
  auto cut = readTensorProtoFile(dir + "/cut.pb");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().kind() == ErrorKind::InvalidInput);
  CHECK_THAT(cut.status().message(), Catch::Contains("cut.pb"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the ONNX node tests' .pb files read", "[tensor][pb][nodetests]") {
  std::string base = std::string(INGOT_SHARED_DIR) + "/onnx-node-tests";
  if (!std::filesystem::exists(base + "/test_abs")) {
    WARN("ONNX node tests not found under " << base << "; skipped");
    return;
  }
  auto in = readTensorProtoFile(base + "/test_abs/test_data_set_0/input_0.pb");
  INFO(in.status().message());
  REQUIRE(in.ok());
  CHECK(in->shape() == Shape{3, 4, 5});
  CHECK(in->dtype() == DType::F32);
  auto out = readTensorProtoFile(base + "/test_abs/test_data_set_0/output_0.pb");
  REQUIRE(out.ok());
  for (int64_t i = 0; i < in->numElements(); ++i)
    CHECK(out->data<float>()[i] == std::abs(in->data<float>()[i]));

  // Sequence inputs exist in a few cases (e.g. SequenceInsert).
  std::string seqCase = base + "/test_sequence_insert_at_back/test_data_set_0/input_0.pb";
  if (std::filesystem::exists(seqCase)) {
    auto seq = readTensorProtoFile(seqCase);
    REQUIRE_FALSE(seq.ok());
    CHECK(seq.status().kind() == ErrorKind::Unsupported);
  }
}
