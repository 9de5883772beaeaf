// Two different models in one process (the target): loaded side by
// side, in one runtime or two, run interleaved or from two threads, each
// gives exactly what it gives alone. Their machine code is linked into
// private memory with no global symbols, so the two never clash.
#include "capi_test_util.h"

#include <random>
#include <thread>

using capi_test::result;

namespace {

// The first input and output of a model's infer entry, as owned tensors.
struct Io {
  ingot_tensor* x = nullptr;
  ingot_tensor* y = nullptr;
  std::string xName, yName;
  explicit Io(ingot_model* m, unsigned seed) {
    ingot_tensor_info in{}, out{};
    REQUIRE_OK(ingot_model_input_info(m, "infer", 0, &in));
    REQUIRE_OK(ingot_model_output_info(m, "infer", 0, &out));
    REQUIRE(in.dtype == INGOT_DTYPE_F32);
    REQUIRE_OK(ingot_tensor_create(in.dtype, in.dims, in.rank, &x));
    REQUIRE_OK(ingot_tensor_create(out.dtype, out.dims, out.rank, &y));
    xName = in.name;
    yName = out.name;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    float* p = static_cast<float*>(ingot_tensor_data(x));
    for (int64_t i = 0; i < ingot_tensor_element_count(x); ++i) p[i] = dist(rng);
  }
  ~Io() {
    ingot_tensor_destroy(x);
    ingot_tensor_destroy(y);
  }
  // Runs and returns the output bytes (no Catch macros: also used off the main thread).
  std::string run(ingot_model* m, std::string* error) {
    const ingot_binding in{xName.c_str(), x}, out{yName.c_str(), y};
    ingot_status* s = ingot_model_run(m, "infer", &in, 1, &out, 1);
    if (s) {
      *error = ingot_status_message(s);
      ingot_status_destroy(s);
      return {};
    }
    return std::string(static_cast<const char*>(ingot_tensor_data(y)), ingot_tensor_byte_size(y));
  }
};

std::string runAlone(const std::string& artifact, unsigned seed) {
  ingot_runtime* r = capi_test::cpuRuntime();
  ingot_model* m = nullptr;
  REQUIRE_OK(ingot_model_load_file(r, capi_test::artifact(artifact).c_str(), &m));
  std::string error, out;
  {
    Io io(m, seed);
    out = io.run(m, &error);
  }
  ingot_model_destroy(m);
  ingot_runtime_destroy(r);
  INFO(error);
  REQUIRE(error.empty());
  return out;
}

}  // namespace

TEST_CASE("two models in one runtime give what each gives alone") {
  const std::string mlpAlone = runAlone("mlp_b1.ingot", 1), geluAlone = runAlone("gelu_mlp_b1.ingot", 2);
  CHECK(mlpAlone != geluAlone);

  ingot_runtime* r = capi_test::cpuRuntime();
  ingot_model *mlp = nullptr, *gelu = nullptr;
  REQUIRE_OK(ingot_model_load_file(r, capi_test::artifact("mlp_b1.ingot").c_str(), &mlp));
  REQUIRE_OK(ingot_model_load_file(r, capi_test::artifact("gelu_mlp_b1.ingot").c_str(), &gelu));
  {
    Io mlpIo(mlp, 1), geluIo(gelu, 2);
    std::string error;
    for (int round = 0; round < 3; ++round) {  // interleaved
      CHECK(mlpIo.run(mlp, &error) == mlpAlone);
      CHECK(geluIo.run(gelu, &error) == geluAlone);
    }
    CHECK(error.empty());
  }
  // The same artifact twice: two independent copies of its code and weights.
  ingot_model* mlp2 = nullptr;
  REQUIRE_OK(ingot_model_load_file(r, capi_test::artifact("mlp_b1.ingot").c_str(), &mlp2));
  ingot_model_destroy(mlp);  // the other copy keeps working
  {
    Io io(mlp2, 1);
    std::string error;
    CHECK(io.run(mlp2, &error) == mlpAlone);
  }
  ingot_model_destroy(mlp2);
  ingot_model_destroy(gelu);
  ingot_runtime_destroy(r);
}

TEST_CASE("two models run concurrently from two threads, each with its runtime") {
  const std::string mlpAlone = runAlone("mlp_b1.ingot", 1), geluAlone = runAlone("gelu_mlp_b1.ingot", 2);
  ingot_runtime *r1 = capi_test::cpuRuntime(), *r2 = capi_test::cpuRuntime();
  ingot_model *mlp = nullptr, *gelu = nullptr;
  REQUIRE_OK(ingot_model_load_file(r1, capi_test::artifact("mlp_b1.ingot").c_str(), &mlp));
  REQUIRE_OK(ingot_model_load_file(r2, capi_test::artifact("gelu_mlp_b1.ingot").c_str(), &gelu));
  int mlpMismatches = 0, geluMismatches = 0;
  std::string mlpError, geluError;
  {
    Io mlpIo(mlp, 1), geluIo(gelu, 2);
    std::thread t1([&] {
      for (int i = 0; i < 200; ++i) mlpMismatches += mlpIo.run(mlp, &mlpError) != mlpAlone;
    });
    std::thread t2([&] {
      for (int i = 0; i < 200; ++i) geluMismatches += geluIo.run(gelu, &geluError) != geluAlone;
    });
    t1.join();
    t2.join();
  }
  CHECK(mlpError.empty());
  CHECK(geluError.empty());
  CHECK(mlpMismatches == 0);
  CHECK(geluMismatches == 0);
  ingot_model_destroy(mlp);
  ingot_model_destroy(gelu);
  ingot_runtime_destroy(r1);
  ingot_runtime_destroy(r2);
}

TEST_CASE("models sharing one runtime's device take turns when run from two threads") {
  const std::string mlpAlone = runAlone("mlp_b1.ingot", 1), geluAlone = runAlone("gelu_mlp_b1.ingot", 2);
  ingot_runtime* r = capi_test::cpuRuntime();
  ingot_model *mlp = nullptr, *gelu = nullptr;
  REQUIRE_OK(ingot_model_load_file(r, capi_test::artifact("mlp_b1.ingot").c_str(), &mlp));
  REQUIRE_OK(ingot_model_load_file(r, capi_test::artifact("gelu_mlp_b1.ingot").c_str(), &gelu));
  int mlpMismatches = 0, geluMismatches = 0;
  std::string e1, e2;
  {
    Io mlpIo(mlp, 1), geluIo(gelu, 2);
    std::thread t1([&] {
      for (int i = 0; i < 100; ++i) mlpMismatches += mlpIo.run(mlp, &e1) != mlpAlone;
    });
    for (int i = 0; i < 100; ++i) geluMismatches += geluIo.run(gelu, &e2) != geluAlone;
    t1.join();
  }
  CHECK(e1.empty());
  CHECK(e2.empty());
  CHECK(mlpMismatches == 0);
  CHECK(geluMismatches == 0);
  ingot_model_destroy(mlp);
  ingot_model_destroy(gelu);
  ingot_runtime_destroy(r);
}

TEST_CASE("one artifact with code for two backends runs on each, with the same results") {
  // "auto" takes the artifact's first backend (vulkan here) when it has a
  // device; "llvm" asks for the CPU explicitly.
  ingot_runtime_options* o = nullptr;
  REQUIRE_OK(ingot_runtime_options_create(&o));
  REQUIRE_OK(ingot_runtime_options_set_device(o, "vulkan"));
  ingot_runtime* vk = nullptr;
  capi_test::Result noVulkan = result(ingot_runtime_create(o, &vk));
  ingot_runtime_options_destroy(o);
  if (!noVulkan.ok()) {
    WARN("no Vulkan device, only the CPU is checked: " << noVulkan.message);
    return;
  }
  ingot_runtime* cpu = capi_test::cpuRuntime();
  const std::string path = capi_test::artifact("mlp_vulkan_llvm_b1.ingot");
  ingot_model *onGpu = nullptr, *onCpu = nullptr;
  REQUIRE_OK(ingot_model_load_file(vk, path.c_str(), &onGpu));
  REQUIRE_OK(ingot_model_load_file(cpu, path.c_str(), &onCpu));
  ingot_device_info d{};
  REQUIRE_OK(ingot_model_device(onGpu, &d));
  CHECK(std::string(d.backend) == "vulkan");
  REQUIRE_OK(ingot_model_device(onCpu, &d));
  CHECK(std::string(d.backend) == "llvm");
  {
    Io gpuIo(onGpu, 3), cpuIo(onCpu, 3);
    std::string error;
    const std::string a = gpuIo.run(onGpu, &error), b = cpuIo.run(onCpu, &error);
    INFO(error);
    REQUIRE(error.empty());
    REQUIRE(a.size() == b.size());
    const auto* fa = reinterpret_cast<const float*>(a.data());
    const auto* fb = reinterpret_cast<const float*>(b.data());
    for (size_t i = 0; i < a.size() / sizeof(float); ++i) CHECK(fa[i] == Approx(fb[i]).margin(1e-5));
  }
  ingot_model_destroy(onGpu);
  ingot_model_destroy(onCpu);
  ingot_runtime_destroy(vk);
  ingot_runtime_destroy(cpu);
}
