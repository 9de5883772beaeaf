// Entry handles (ingot_model_get_entry / ingot_entry_run: tensors bound by
// position, no name look-ups), tensor memory used in place or copied (the
// results must not tell them apart), and writing persistent state.
#include "capi_test_util.h"

#include <cstring>
#include <random>

using capi_test::Loaded;
using capi_test::OwnedTensor;
using capi_test::result;

namespace {

void fillRandom(float* p, size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  for (size_t i = 0; i < n; ++i) p[i] = dist(rng);
}

std::vector<float> values(ingot_tensor* t) {
  const float* p = static_cast<const float*>(ingot_tensor_data(t));
  return std::vector<float>(p, p + ingot_tensor_element_count(t));
}

}  // namespace

TEST_CASE("an entry runs by position with the results of a run by name") {
  Loaded l("mlp_b1.ingot");
  ingot_entry* entry = nullptr;
  REQUIRE_OK(ingot_model_get_entry(l.model, nullptr, &entry));
  CHECK(std::string(ingot_entry_name(entry)) == "infer");
  ingot_entry* again = nullptr;
  REQUIRE_OK(ingot_model_get_entry(l.model, "infer", &again));
  CHECK(again == entry);  // one handle per entry point, owned by the model

  OwnedTensor x(INGOT_DTYPE_F32, {1, 784}), byName(INGOT_DTYPE_F32, {1, 10}), byPosition(INGOT_DTYPE_F32, {1, 10});
  fillRandom(x.data<float>(), 784, 3);
  const ingot_binding in{"x", x.t}, out{"y", byName.t};
  REQUIRE_OK(ingot_model_run(l.model, "infer", &in, 1, &out, 1));
  ingot_tensor* inputs[] = {x.t};
  ingot_tensor* outputs[] = {byPosition.t};
  REQUIRE_OK(ingot_entry_run(entry, inputs, 1, outputs, 1));
  CHECK(values(byPosition.t) == values(byName.t));
  CHECK(values(byName.t) != std::vector<float>(10, 0.f));

  // Outputs are optional: NULL or a shorter array.
  ingot_tensor* none[] = {nullptr};
  REQUIRE_OK(ingot_entry_run(entry, inputs, 1, none, 1));
  REQUIRE_OK(ingot_entry_run(entry, inputs, 1, nullptr, 0));
}

TEST_CASE("entry runs check counts, NULLs, dtypes and shapes") {
  Loaded l("mlp_b1.ingot");
  ingot_entry* entry = nullptr;
  CHECK_THAT(result(ingot_model_get_entry(l.model, "train_step", &entry)).message,
             Catch::Contains("no entry point 'train_step' (it has: infer)"));
  REQUIRE_OK(ingot_model_get_entry(l.model, "infer", &entry));
  OwnedTensor x(INGOT_DTYPE_F32, {1, 784}), y(INGOT_DTYPE_F32, {1, 10}), narrow(INGOT_DTYPE_F32, {1, 783});
  auto runWith = [&](std::vector<ingot_tensor*> in, std::vector<ingot_tensor*> out) {
    capi_test::Result r = result(ingot_entry_run(entry, in.data(), in.size(), out.data(), out.size()));
    CHECK(r.code == INGOT_STATUS_INVALID_ARGUMENT);
    return r.message;
  };
  CHECK_THAT(runWith({}, {}), Catch::Contains("entry 'infer': 0 inputs given, the entry has 1"));
  CHECK_THAT(runWith({x.t}, {y.t, y.t}), Catch::Contains("2 outputs given, the entry has 1"));
  CHECK_THAT(runWith({nullptr}, {}), Catch::Contains("input 0 ('x') is NULL"));
  CHECK_THAT(runWith({narrow.t}, {}), Catch::Contains("input 'x': expected shape [1,784], got [1,783]"));
  CHECK_THAT(runWith({x.t}, {narrow.t}), Catch::Contains("output 'y': expected f32[1,10], got f32[1,783]"));
  CHECK_THAT(result(ingot_entry_run(nullptr, nullptr, 0, nullptr, 0)).message, Catch::Contains("`entry` is NULL"));
  CHECK(ingot_entry_name(nullptr) == nullptr);
}

TEST_CASE("memory used in place, copied (unaligned) and aliased gives the same results") {
  Loaded l("mlp_b1.ingot");
  ingot_entry* entry = nullptr;
  REQUIRE_OK(ingot_model_get_entry(l.model, "infer", &entry));
  OwnedTensor x(INGOT_DTYPE_F32, {1, 784}), y(INGOT_DTYPE_F32, {1, 10});  // 64-byte aligned: in place
  fillRandom(x.data<float>(), 784, 7);
  ingot_tensor* inputs[] = {x.t};
  ingot_tensor* outputs[] = {y.t};
  REQUIRE_OK(ingot_entry_run(entry, inputs, 1, outputs, 1));
  const std::vector<float> expected = values(y.t);

  // The same numbers 4 bytes off 16-byte alignment: copied in and out.
  std::vector<float> memory(1 + 784 + 16);
  float* ux = memory.data() + 1;
  std::memcpy(ux, x.data<float>(), 784 * 4);
  const int64_t xd[] = {1, 784}, yd[] = {1, 10};
  ingot_tensor *wx = nullptr, *wy = nullptr;
  REQUIRE_OK(ingot_tensor_wrap(INGOT_DTYPE_F32, xd, 2, ux, 784 * 4, &wx));
  REQUIRE_OK(ingot_tensor_wrap(INGOT_DTYPE_F32, yd, 2, ux + 784, 10 * 4, &wy));
  ingot_tensor* unalignedIn[] = {wx};
  ingot_tensor* unalignedOut[] = {wy};
  REQUIRE_OK(ingot_entry_run(entry, unalignedIn, 1, unalignedOut, 1));
  CHECK(values(wy) == expected);
  ingot_tensor_destroy(wy);

  // The output over the input's first bytes (aligned): written only after
  // the run, which read the whole input.
  std::memcpy(x.data<float>(), ux, 784 * 4);
  REQUIRE_OK(ingot_tensor_wrap(INGOT_DTYPE_F32, yd, 2, x.data<float>(), 10 * 4, &wy));
  ingot_tensor* aliasOut[] = {wy};
  REQUIRE_OK(ingot_entry_run(entry, inputs, 1, aliasOut, 1));
  CHECK(values(wy) == expected);
  ingot_tensor_destroy(wy);
  ingot_tensor_destroy(wx);

  // A different tensor next run is used, not the previous one's memory.
  OwnedTensor y2(INGOT_DTYPE_F32, {1, 10});
  std::memcpy(x.data<float>(), ux, 784 * 4);
  ingot_tensor* outputs2[] = {y2.t};
  REQUIRE_OK(ingot_entry_run(entry, inputs, 1, outputs2, 1));
  CHECK(values(y2.t) == expected);
}

TEST_CASE("state is listed, written and seen by every entry point") {
  Loaded l("mlp_train_b8.ingot");
  const size_t n = ingot_model_state_count(l.model);
  REQUIRE(n >= 4);  // weights and biases, plus the optimizer's moments
  bool found = false;
  for (size_t i = 0; i < n; ++i) {
    ingot_tensor_info info{};
    REQUIRE_OK(ingot_model_state_info(l.model, i, &info));
    if (std::string(info.name) == "fc2.bias") found = info.rank == 1 && info.dims[0] == 10;
  }
  CHECK(found);
  ingot_tensor_info info{};
  CHECK_THAT(result(ingot_model_state_info(l.model, n, &info)).message, Catch::Contains("no index"));

  OwnedTensor bias(INGOT_DTYPE_F32, {10}), wrong(INGOT_DTYPE_F32, {11});
  for (int i = 0; i < 10; ++i) bias.data<float>()[i] = 0.5f + static_cast<float>(i);
  REQUIRE_OK(ingot_model_write_state(l.model, "fc2.bias", bias.t));
  CHECK_THAT(result(ingot_model_write_state(l.model, "fc2.bias", wrong.t)).message,
             Catch::Contains("state 'fc2.bias': expected f32[10], got f32[11]"));
  CHECK_THAT(result(ingot_model_write_state(l.model, "fc9.bias", bias.t)).message, Catch::Contains("fc9.bias"));
  CHECK_THAT(result(ingot_model_write_state(l.model, "fc2.bias", nullptr)).message, Catch::Contains("`value`"));

  // Read back, and after another entry point ran (state carried across).
  ingot_tensor* read = nullptr;
  REQUIRE_OK(ingot_model_read_state(l.model, "fc2.bias", &read));
  CHECK(values(read) == values(bias.t));
  ingot_tensor_destroy(read);
  ingot_entry* eval = nullptr;
  REQUIRE_OK(ingot_model_get_entry(l.model, "eval_step", &eval));
  std::vector<ingot_tensor*> in;
  std::vector<OwnedTensor> owned;
  size_t count = 0;
  REQUIRE_OK(ingot_model_input_count(l.model, "eval_step", &count));
  owned.reserve(count);  // no reallocation: OwnedTensor frees its tensor
  for (size_t i = 0; i < count; ++i) {
    REQUIRE_OK(ingot_model_input_info(l.model, "eval_step", i, &info));
    owned.emplace_back(info.dtype, std::vector<int64_t>(info.dims, info.dims + info.rank));
    in.push_back(owned.back().t);
  }
  REQUIRE_OK(ingot_entry_run(eval, in.data(), in.size(), nullptr, 0));
  REQUIRE_OK(ingot_model_read_state(l.model, "fc2.bias", &read));
  CHECK(values(read) == values(bias.t));
  ingot_tensor_destroy(read);
}
