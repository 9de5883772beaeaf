// Helpers for the C API tests: statuses as (code, message) values, and the
// artifacts the `capi/artifacts` CTest fixture compiles with `ingot compile`
// (these tests link only libingot_runtime.so, never the compiler).
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ingot/ingot.h"

namespace capi_test {

struct Result {
  ingot_status_code code = INGOT_STATUS_OK;
  std::string message;
  bool ok() const { return code == INGOT_STATUS_OK; }
};

// Takes ownership of the status.
inline Result result(ingot_status* s) {
  Result r{ingot_status_get_code(s), ingot_status_message(s)};
  ingot_status_destroy(s);
  if (!r.ok()) CHECK_FALSE(r.message.empty());  // every error explains itself
  return r;
}

#define REQUIRE_OK(call)                          \
  do {                                            \
    capi_test::Result r_ = capi_test::result(call); \
    INFO(r_.message);                             \
    REQUIRE(r_.ok());                             \
  } while (0)

// An artifact of the fixture; the test fails with a hint when it is missing
// (run through ctest, which runs the fixture first).
inline std::string artifact(const std::string& name) {
  const std::string path = std::string(INGOT_CAPI_ARTIFACT_DIR) + "/" + name;
  if (!std::ifstream(path).good())
    FAIL(path << " is missing: run the tests through ctest (fixture capi/artifacts compiles it)");
  return path;
}

inline std::vector<char> fileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A runtime on the CPU with one thread (deterministic and light on a busy machine).
inline ingot_runtime* cpuRuntime(uint32_t threads = 1) {
  ingot_runtime_options* o = nullptr;
  REQUIRE_OK(ingot_runtime_options_create(&o));
  REQUIRE_OK(ingot_runtime_options_set_threads(o, threads));
  REQUIRE_OK(ingot_runtime_options_set_device(o, "llvm"));
  ingot_runtime* r = nullptr;
  capi_test::Result res = capi_test::result(ingot_runtime_create(o, &r));
  ingot_runtime_options_destroy(o);
  INFO(res.message);
  REQUIRE(res.ok());
  return r;
}

// A CPU runtime and a model loaded from a fixture artifact.
struct Loaded {
  ingot_runtime* runtime = nullptr;
  ingot_model* model = nullptr;
  explicit Loaded(const std::string& artifact) {
    runtime = capi_test::cpuRuntime();
    REQUIRE_OK(ingot_model_load_file(runtime, capi_test::artifact(artifact).c_str(), &model));
  }
  ~Loaded() {
    ingot_model_destroy(model);
    ingot_runtime_destroy(runtime);
  }
};

struct OwnedTensor {
  ingot_tensor* t = nullptr;
  OwnedTensor(ingot_dtype dtype, std::vector<int64_t> dims) {
    REQUIRE_OK(ingot_tensor_create(dtype, dims.data(), dims.size(), &t));
  }
  ~OwnedTensor() { ingot_tensor_destroy(t); }
  template <typename T>
  T* data() { return static_cast<T*>(ingot_tensor_data(t)); }
};

}  // namespace capi_test
