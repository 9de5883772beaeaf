// The C API's error paths that need no artifact: NULL handles, bad files
// and bytes, bad tensors and options. Every failure is a status with a code
// and a message; nothing crashes or throws.
#include "capi_test_util.h"

#include <cstring>

using capi_test::result;

TEST_CASE("the version and dtypes are described") {
  CHECK(std::string(ingot_version()) == "0.1.0");
  CHECK(std::string(ingot_dtype_name(INGOT_DTYPE_F32)) == "f32");
  CHECK(std::string(ingot_dtype_name(INGOT_DTYPE_U64)) == "u64");
  CHECK(std::string(ingot_dtype_name(static_cast<ingot_dtype>(99))) == "?");
  CHECK(ingot_dtype_size(INGOT_DTYPE_I64) == 8);
  CHECK(ingot_dtype_size(INGOT_DTYPE_BOOL) == 1);
  CHECK(ingot_dtype_size(static_cast<ingot_dtype>(-1)) == 0);
}

TEST_CASE("success is NULL, and reading or freeing NULL is harmless") {
  CHECK(ingot_status_get_code(nullptr) == INGOT_STATUS_OK);
  CHECK(std::string(ingot_status_message(nullptr)).empty());
  ingot_status_destroy(nullptr);
  ingot_runtime_destroy(nullptr);
  ingot_runtime_options_destroy(nullptr);
  ingot_model_destroy(nullptr);
  ingot_tensor_destroy(nullptr);
  CHECK(ingot_tensor_data(nullptr) == nullptr);
  CHECK(ingot_tensor_byte_size(nullptr) == 0);
  CHECK(ingot_tensor_rank(nullptr) == 0);
  CHECK(ingot_tensor_dims(nullptr) == nullptr);
  CHECK(ingot_model_entry_count(nullptr) == 0);
  CHECK(ingot_model_entry_name(nullptr, 0) == nullptr);
}

TEST_CASE("NULL handles and out-parameters are invalid arguments naming the function and argument") {
  auto isNullError = [](ingot_status* s, const char* needle) {
    capi_test::Result r = result(s);
    INFO(r.message);
    CHECK(r.code == INGOT_STATUS_INVALID_ARGUMENT);
    CHECK_THAT(r.message, Catch::Contains(needle));
  };
  isNullError(ingot_runtime_options_create(nullptr), "ingot_runtime_options_create: `out` is NULL");
  isNullError(ingot_runtime_options_set_threads(nullptr, 1), "`options` is NULL");
  isNullError(ingot_runtime_options_set_device(nullptr, "auto"), "`options` is NULL");
  isNullError(ingot_runtime_create(nullptr, nullptr), "ingot_runtime_create: `out` is NULL");
  isNullError(ingot_runtime_device_count(nullptr, nullptr), "`runtime` is NULL");
  isNullError(ingot_runtime_device_info(nullptr, 0, nullptr), "`runtime` is NULL");
  ingot_model* model = nullptr;
  isNullError(ingot_model_load_file(nullptr, "x.ingot", &model), "ingot_model_load_file: `runtime` is NULL");
  isNullError(ingot_model_load_memory(nullptr, "", 0, &model), "`runtime` is NULL");
  CHECK(model == nullptr);  // out-parameters are written only on success
  isNullError(ingot_model_device(nullptr, nullptr), "`model` is NULL");
  size_t n = 0;
  ingot_tensor_info info{};
  isNullError(ingot_model_input_count(nullptr, nullptr, &n), "`model` is NULL");
  isNullError(ingot_model_input_info(nullptr, nullptr, 0, &info), "`model` is NULL");
  isNullError(ingot_model_output_count(nullptr, nullptr, &n), "`model` is NULL");
  isNullError(ingot_model_output_info(nullptr, nullptr, 0, &info), "`model` is NULL");
  isNullError(ingot_model_run(nullptr, "infer", nullptr, 0, nullptr, 0), "ingot_model_run: `model` is NULL");
  ingot_tensor* t = nullptr;
  isNullError(ingot_model_read_state(nullptr, "w", &t), "`model` is NULL");
  isNullError(ingot_model_save_onnx(nullptr, "/tmp/x.onnx"), "`model` is NULL");
  isNullError(ingot_tensor_create(INGOT_DTYPE_F32, nullptr, 0, nullptr), "`out` is NULL");

  ingot_runtime* runtime = capi_test::cpuRuntime();
  isNullError(ingot_model_load_file(runtime, nullptr, &model), "`path` is NULL");
  isNullError(ingot_model_load_file(runtime, "x", nullptr), "`out` is NULL");
  isNullError(ingot_model_load_memory(runtime, nullptr, 10, &model), "`data` is NULL");
  isNullError(ingot_runtime_device_count(runtime, nullptr), "`count` is NULL");
  ingot_runtime_destroy(runtime);
}

TEST_CASE("a missing file, garbage and empty bytes are errors naming what is wrong") {
  ingot_runtime* runtime = capi_test::cpuRuntime();
  ingot_model* model = nullptr;
  capi_test::Result missing = result(ingot_model_load_file(runtime, "/nonexistent/dir/model.ingot", &model));
  CHECK(missing.code == INGOT_STATUS_INVALID_ARGUMENT);
  CHECK_THAT(missing.message, Catch::Contains("/nonexistent/dir/model.ingot"));

  const std::string garbage = "this is not an ingot artifact, just some text that is long enough";
  capi_test::Result bad = result(ingot_model_load_memory(runtime, garbage.data(), garbage.size(), &model));
  CHECK(bad.code == INGOT_STATUS_INVALID_ARGUMENT);
  CHECK_THAT(bad.message, Catch::Contains("<memory>"));

  capi_test::Result empty = result(ingot_model_load_memory(runtime, nullptr, 0, &model));
  CHECK_FALSE(empty.ok());
  CHECK(model == nullptr);

  // An ONNX model is not an artifact either.
  const std::vector<char> onnx = capi_test::fileBytes(std::string(INGOT_TEST_DATA_DIR) + "/models/mlp.onnx");
  REQUIRE_FALSE(onnx.empty());
  CHECK_FALSE(result(ingot_model_load_memory(runtime, onnx.data(), onnx.size(), &model)).ok());
  ingot_runtime_destroy(runtime);
}

TEST_CASE("tensors - owned memory is zeroed and aligned, wrapped memory is the caller's") {
  const int64_t dims[] = {2, 3};
  ingot_tensor* t = nullptr;
  REQUIRE_OK(ingot_tensor_create(INGOT_DTYPE_F32, dims, 2, &t));
  CHECK(ingot_tensor_byte_size(t) == 24);
  CHECK(ingot_tensor_element_count(t) == 6);
  CHECK(ingot_tensor_dtype(t) == INGOT_DTYPE_F32);
  CHECK(ingot_tensor_rank(t) == 2);
  CHECK(ingot_tensor_dims(t)[1] == 3);
  CHECK(reinterpret_cast<uintptr_t>(ingot_tensor_data(t)) % 64 == 0);
  const float zeros[6] = {};
  CHECK(std::memcmp(ingot_tensor_data(t), zeros, sizeof zeros) == 0);
  ingot_tensor_destroy(t);

  float mine[6] = {1, 2, 3, 4, 5, 6};
  REQUIRE_OK(ingot_tensor_wrap(INGOT_DTYPE_F32, dims, 2, mine, sizeof mine, &t));
  CHECK(ingot_tensor_data(t) == mine);
  ingot_tensor_destroy(t);
  CHECK(mine[5] == 6);  // not freed, not touched

  // A scalar: rank 0, one element, dims may be NULL.
  REQUIRE_OK(ingot_tensor_create(INGOT_DTYPE_I64, nullptr, 0, &t));
  CHECK(ingot_tensor_element_count(t) == 1);
  CHECK(ingot_tensor_byte_size(t) == 8);
  CHECK(ingot_tensor_dims(t) == nullptr);
  ingot_tensor_destroy(t);
}

TEST_CASE("bad tensor descriptions are errors") {
  ingot_tensor* t = nullptr;
  const int64_t dims[] = {2, 3};
  const int64_t negative[] = {2, -1};
  const int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  float mine[6];
  CHECK_THAT(result(ingot_tensor_create(static_cast<ingot_dtype>(42), dims, 2, &t)).message,
             Catch::Contains("42 is not an ingot_dtype"));
  CHECK_THAT(result(ingot_tensor_create(INGOT_DTYPE_F32, negative, 2, &t)).message,
             Catch::Contains("dimension 1 is -1"));
  CHECK_THAT(result(ingot_tensor_create(INGOT_DTYPE_F32, huge, 2, &t)).message, Catch::Contains("too large"));
  CHECK_THAT(result(ingot_tensor_create(INGOT_DTYPE_F32, nullptr, 2, &t)).message, Catch::Contains("`dims` is NULL"));
  CHECK_THAT(result(ingot_tensor_wrap(INGOT_DTYPE_F32, dims, 2, mine, 20, &t)).message,
             Catch::Contains("f32[2,3] needs 24 bytes, the memory given has 20"));
  CHECK_THAT(result(ingot_tensor_wrap(INGOT_DTYPE_F32, dims, 2, nullptr, 24, &t)).message,
             Catch::Contains("`data` is NULL"));
  CHECK(t == nullptr);
}

TEST_CASE("runtime options - bad device choices are reported when the runtime is created") {
  ingot_runtime_options* o = nullptr;
  REQUIRE_OK(ingot_runtime_options_create(&o));
  CHECK_FALSE(result(ingot_runtime_options_set_threads(o, 5000)).ok());
  CHECK_FALSE(result(ingot_runtime_options_set_device(o, nullptr)).ok());
  ingot_runtime* r = nullptr;

  REQUIRE_OK(ingot_runtime_options_set_device(o, "llvm:abc"));
  CHECK_THAT(result(ingot_runtime_create(o, &r)).message, Catch::Contains("expected BACKEND or BACKEND:INDEX"));
  REQUIRE_OK(ingot_runtime_options_set_device(o, "llvm:3"));
  CHECK_THAT(result(ingot_runtime_create(o, &r)).message, Catch::Contains("llvm has 1 device(s)"));
  REQUIRE_OK(ingot_runtime_options_set_device(o, "no-such-device-anywhere"));
  capi_test::Result unknown = result(ingot_runtime_create(o, &r));
  CHECK(unknown.code == INGOT_STATUS_INVALID_ARGUMENT);
  CHECK_THAT(unknown.message, Catch::Contains("no device whose name contains it"));
  CHECK_THAT(unknown.message, Catch::Contains("llvm:0 'host'"));  // the devices there are
  CHECK(r == nullptr);

  // A device name substring, case-insensitive.
  REQUIRE_OK(ingot_runtime_options_set_device(o, "HOST"));
  REQUIRE_OK(ingot_runtime_create(o, &r));
  ingot_runtime_destroy(r);
  ingot_runtime_options_destroy(o);
}

TEST_CASE("devices are listed, and the CPU is one that can run models") {
  ingot_runtime* r = capi_test::cpuRuntime(2);
  size_t n = 0;
  REQUIRE_OK(ingot_runtime_device_count(r, &n));
  REQUIRE(n >= 1);
  bool cpu = false;
  for (size_t i = 0; i < n; ++i) {
    ingot_device_info d{};
    REQUIRE_OK(ingot_runtime_device_info(r, i, &d));
    CHECK(d.backend != nullptr);
    CHECK(d.description != nullptr);
    if (std::string(d.backend) == "llvm") {
      cpu = true;
      CHECK(d.can_run_models == 1);
      CHECK_THAT(d.description, Catch::Contains("2 threads"));
    }
  }
  CHECK(cpu);
  ingot_device_info d{};
  CHECK_THAT(result(ingot_runtime_device_info(r, n, &d)).message, Catch::Contains("device"));
  ingot_runtime_destroy(r);
}
