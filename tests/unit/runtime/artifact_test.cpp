// The artifact container and plan encoding (runtime/Artifact.h): round
// trips, weight sharing, and that every kind of damage is an error with a
// message, never a crash. Links only the runtime.
#include <catch2/catch.hpp>

#include <cstring>

#include "runtime/Artifact.h"
#include "runtime/CpuCode.h"
#include "runtime/ElfLoader.h"
#include "support/ByteStream.h"

using namespace ingot;

namespace {

rt::Plan samplePlan(const Tensor& weight) {
  rt::Plan p;
  p.buffers = {{"x", 16, rt::BufferRole::Input, -1},
               {"w", weight.byteSize(), rt::BufferRole::State, 0},
               {"y", 16, rt::BufferRole::Output, -1},
               {"arena", 64, rt::BufferRole::Temporary, -1}};
  rt::DispatchStep d;
  d.kernel = 0;
  d.bindings = {{0, 0, 16}, {1, 0, weight.byteSize()}, {3, 16, 16}};
  d.grid = {4, 1, 1};
  d.constants = {7, 9};
  p.steps.push_back(d);
  p.steps.push_back(rt::CopyStep{3, 2, 16, 0, 16});
  p.inputs = {{"x", DType::F32, {4}, 0}};
  p.outputs = {{"y", DType::F32, {2, 2}, 2}};
  p.state = {{"w", DType::F32, {4}, 1}};
  p.initialData = {weight};
  return p;
}

rt::ArtifactContents sampleArtifact() {
  const Tensor w = Tensor::fromVector<float>({4}, {1, 2, 3, 4});
  rt::ArtifactContents a;
  a.producer = "ingot test";
  a.model = "sample.onnx";
  for (const char* entry : {"infer", "train_step"}) {
    rt::EntryPoint e;
    e.name = entry;
    e.targets.push_back({"llvm", samplePlan(w), std::string("llvm code of ") + entry});
    e.targets.push_back({"vulkan", samplePlan(w), std::string("vulkan code of ") + entry});
    a.entries.push_back(std::move(e));
  }
  a.onnx = "not really onnx";
  return a;
}

Expected<rt::ArtifactContents> parse(const std::string& bytes) {
  return rt::parseArtifact(std::as_bytes(std::span(bytes.data(), bytes.size())), "test.ingot");
}

}  // namespace

TEST_CASE("an artifact round-trips its entry points, plans, weights and code") {
  const rt::ArtifactContents a = sampleArtifact();
  auto bytes = rt::serializeArtifact(a);
  REQUIRE(bytes.ok());
  CHECK(bytes->size() % 64 == 0);
  auto back = parse(*bytes);
  REQUIRE(back.ok());
  CHECK(back->producer == a.producer);
  CHECK(back->model == a.model);
  CHECK(back->onnx == a.onnx);
  REQUIRE(back->entries.size() == 2);
  CHECK(back->backends() == std::vector<std::string>{"llvm", "vulkan"});
  const rt::EntryCode* c = back->entry("train_step")->target("vulkan");
  REQUIRE(c);
  CHECK(c->code == "vulkan code of train_step");
  const rt::Plan& p = c->plan;
  REQUIRE(p.buffers.size() == 4);
  CHECK(p.buffers[1].role == rt::BufferRole::State);
  REQUIRE(p.steps.size() == 2);
  const auto& d = std::get<rt::DispatchStep>(p.steps[0]);
  CHECK(d.bindings[2].offset == 16);
  CHECK(d.grid[0] == 4);
  CHECK(d.constants == std::vector<uint32_t>{7, 9});
  CHECK(std::get<rt::CopyStep>(p.steps[1]).srcOffset == 16);
  CHECK(p.outputs[0].shape == Shape{2, 2});
  REQUIRE(p.initialData.size() == 1);
  CHECK(p.initialData[0]->identical(Tensor::fromVector<float>({4}, {1, 2, 3, 4})));
  // Deterministic: the same contents give the same bytes.
  CHECK(*rt::serializeArtifact(*back) == *bytes);
}

TEST_CASE("identical weights are stored once") {
  rt::ArtifactContents one = sampleArtifact();
  one.entries.resize(1);
  one.entries[0].targets.resize(1);
  const size_t single = rt::serializeArtifact(one)->size();
  // Four plans holding the same 16-byte weight: the file grows by plans and
  // code only. A 64 KiB weight makes the difference unmistakable.
  const Tensor big(DType::F32, {16384});
  rt::ArtifactContents a = sampleArtifact();
  for (auto& e : a.entries)
    for (auto& t : e.targets) {
      t.plan.initialData[0] = big;
      t.plan.buffers[1].bytes = big.byteSize();
      t.plan.state[0].shape = {16384};
      std::get<rt::DispatchStep>(t.plan.steps[0]).bindings[1].bytes = big.byteSize();
    }
  const size_t four = rt::serializeArtifact(a)->size();
  CHECK(four < single + 65536 + 4096);
}

TEST_CASE("damaged artifacts are errors that say what is wrong") {
  const std::string good = *rt::serializeArtifact(sampleArtifact());
  auto message = [&](const std::string& bytes) {
    auto r = parse(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("test.ingot") != std::string::npos);
    return r.status().message();
  };
  CHECK_THAT(message(""), Catch::Contains("not an ingot artifact"));
  CHECK_THAT(message("INGOTART"), Catch::Contains("header"));
  CHECK_THAT(message(good.substr(0, good.size() - 64)), Catch::Contains("truncated"));
  CHECK_THAT(message(good + std::string(64, '\0')), Catch::Contains("truncated or extended"));
  std::string version = good;
  version[8] = 2;  // the version field, then the header checksum is stale too
  CHECK_THAT(message(version), Catch::Contains("checksum"));
  // A flipped bit anywhere after the header: a checksum catches it.
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  CHECK_THAT(message(flipped), Catch::Contains("checksum"));
}

TEST_CASE("every truncation and many bit flips give an error, never a crash") {
  const std::string good = *rt::serializeArtifact(sampleArtifact());
  for (size_t n = 0; n < good.size(); n += 7) CHECK_FALSE(parse(good.substr(0, n)).ok());
  for (size_t i = 0; i < good.size(); i += 3) {
    std::string b = good;
    b[i] ^= static_cast<char>(1u << (i % 8));
    auto r = parse(b);
    // A flip in padding is harmless; anything else must be caught.
    if (r.ok()) CHECK(*rt::serializeArtifact(*r) == good);
  }
}

TEST_CASE("a version from the future is refused by name even with valid checksums") {
  std::string bytes = *rt::serializeArtifact(sampleArtifact());
  const uint32_t v = rt::kArtifactVersion + 1;
  std::memcpy(&bytes[8], &v, 4);
  const uint32_t crc = crc32(std::string_view(bytes).substr(0, 36));
  std::memcpy(&bytes[36], &crc, 4);
  auto r = parse(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("format version 2") && Catch::Contains("recompile"));
}

TEST_CASE("CPU code: encoding round trip and corrupt lengths") {
  rt::CpuCode c;
  c.cpu = "x86-64-v3";
  c.features = {"avx", "avx2", "fma"};
  c.object = "\x7f" "ELF...";
  c.kernels.push_back({"d0_dense", "ingot_k0_d0_dense", {3136, 401408, 512}, 16, 120.5, 4096});
  const std::string bytes = rt::encodeCpuCode(c);
  auto back = rt::decodeCpuCode(bytes);
  REQUIRE(back.ok());
  CHECK(back->features == c.features);
  CHECK(back->kernels[0].bindingBytes == c.kernels[0].bindingBytes);
  CHECK(back->kernels[0].nsPerUnit == 120.5);
  for (size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(rt::decodeCpuCode(bytes.substr(0, n)).ok());
  // A huge count must be refused before anything is allocated.
  std::string huge = bytes;
  const uint64_t count = uint64_t{1} << 60;
  std::memcpy(&huge[4 + 8 + c.cpu.size()], &count, 8);  // the feature count
  auto r = rt::decodeCpuCode(huge);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("cannot fit"));
}

TEST_CASE("the CPU feature check names what this CPU lacks") {
  CHECK(rt::missingCpuFeatures({}).empty());
  CHECK(rt::missingCpuFeatures({"no-such-feature"}) == std::vector<std::string>{"no-such-feature"});
#if defined(__x86_64__)
  CHECK(rt::missingCpuFeatures({"sse3"}).empty());  // every x86-64 CPU this runs on has it
#endif
}

TEST_CASE("the ELF loader refuses what is not a relocatable x86-64 object") {
  auto none = [](const std::string&) -> void* { return nullptr; };
  for (const std::string& bytes : {std::string(), std::string("\x7f" "ELF"), std::string(64, '\0'),
                                   std::string(4096, '\xff')}) {
    auto r = rt::loadElfObject(bytes, none, "obj");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::StartsWith("obj: "));
  }
}
