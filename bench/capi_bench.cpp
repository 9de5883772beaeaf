// Times the C API as an application sees it (links only libingot_runtime.so):
//   capi_bench load MODEL.ingot   runtime creation, model load and the first
//                                 inference of this process, in ms (run it
//                                 as a fresh process several times: the
//                                 first load is what an application pays)
//   capi_bench run MODEL.ingot [RUNS]   median, p10 and p90 of ingot_model_run
//                                 (upload, all dispatches, download) over
//                                 wrapped tensors, in us, after warm-up
//   capi_bench compare MODEL.ingot [RUNS]   the same, in blocks of 100 runs
//                                 alternating with ingot_entry_run (the
//                                 same run bound by position on an entry
//                                 resolved once) and rt::Session::run on a
//                                 second copy of the model loaded through the
//                                 runtime's C++ core (the kernel time `ingot
//                                 bench` reports: dispatches only, no upload
//                                 or download), so machine noise hits both alike;
//                                 also the core's runWithData over the
//                                 API's memory, and a control: run() on a
//                                 second copy of the model (the noise floor
//                                 of comparing two loaded copies)
// Both use the artifact's infer entry with random inputs; threads come from
// INGOT_THREADS (default: every CPU), as for `ingot bench --threads`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ingot/ingot.h"
#include "runtime/CpuCode.h"
#include "runtime/HostDevice.h"
#include "runtime/LoadedModel.h"

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

void check(ingot_status* s, const char* what) {
  if (!s) return;
  std::fprintf(stderr, "capi_bench: %s: %s\n", what, ingot_status_message(s));
  ingot_status_destroy(s);
  std::exit(1);
}

// Buffers and wrapped tensors for every input and output of `infer`.
struct Bindings {
  std::vector<std::vector<char>> memory;
  std::vector<ingot_tensor*> tensors;
  std::vector<ingot_binding> inputs, outputs;
  explicit Bindings(ingot_model* m) {
    add(m, ingot_model_input_count, ingot_model_input_info, inputs);
    add(m, ingot_model_output_count, ingot_model_output_info, outputs);
    std::mt19937 rng(1);
    for (const ingot_binding& b : inputs)
      if (ingot_tensor_dtype(b.tensor) == INGOT_DTYPE_F32) {
        float* p = static_cast<float*>(ingot_tensor_data(b.tensor));
        for (int64_t i = 0; i < ingot_tensor_element_count(b.tensor); ++i) p[i] = (rng() % 1000) / 1000.0f;
      }
  }
  ~Bindings() {
    for (ingot_tensor* t : tensors) ingot_tensor_destroy(t);
  }
  template <typename Count, typename Info>
  void add(ingot_model* m, Count count, Info info, std::vector<ingot_binding>& into) {
    size_t n = 0;
    check(count(m, "infer", &n), "signature");
    memory.reserve(memory.size() + n);
    for (size_t i = 0; i < n; ++i) {
      ingot_tensor_info t{};
      check(info(m, "infer", i, &t), "signature");
      size_t bytes = ingot_dtype_size(t.dtype);
      for (size_t d = 0; d < t.rank; ++d) bytes *= static_cast<size_t>(t.dims[d]);
      memory.emplace_back(bytes);
      ingot_tensor* tensor = nullptr;
      check(ingot_tensor_wrap(t.dtype, t.dims, t.rank, memory.back().data(), bytes, &tensor), "wrap");
      tensors.push_back(tensor);
      into.push_back(ingot_binding{t.name, tensor});
    }
  }
  void run(ingot_model* m) {
    check(ingot_model_run(m, "infer", inputs.data(), inputs.size(), outputs.data(), outputs.size()), "run");
  }
  // Bindings were made in signature order, so positions are theirs.
  void runEntry(ingot_entry* e) {
    if (inputTensors.empty()) {
      for (const ingot_binding& b : inputs) inputTensors.push_back(b.tensor);
      for (const ingot_binding& b : outputs) outputTensors.push_back(b.tensor);
    }
    check(ingot_entry_run(e, inputTensors.data(), inputTensors.size(), outputTensors.data(), outputTensors.size()),
          "entry run");
  }
  std::vector<ingot_tensor*> inputTensors, outputTensors;
};

int load(const char* path) {
  const auto t0 = Clock::now();
  ingot_runtime* runtime = nullptr;
  check(ingot_runtime_create(nullptr, &runtime), "runtime");
  const double createMs = msSince(t0);
  const auto t1 = Clock::now();
  ingot_model* model = nullptr;
  check(ingot_model_load_file(runtime, path, &model), "load");
  const double loadMs = msSince(t1);
  const auto t2 = Clock::now();
  {
    Bindings b(model);
    b.run(model);
  }
  const double firstRunMs = msSince(t2);
  std::printf("{\"runtime_create_ms\": %.3f, \"load_ms\": %.3f, \"first_run_ms\": %.3f, \"load_and_first_run_ms\": %.3f}\n",
              createMs, loadMs, firstRunMs, loadMs + firstRunMs);
  ingot_model_destroy(model);
  ingot_runtime_destroy(runtime);
  return 0;
}

int runs(const char* path, int count) {
  ingot_runtime* runtime = nullptr;
  check(ingot_runtime_create(nullptr, &runtime), "runtime");
  ingot_model* model = nullptr;
  check(ingot_model_load_file(runtime, path, &model), "load");
  std::vector<double> us;
  {
    Bindings b(model);
    for (int i = 0; i < 100; ++i) b.run(model);  // warm-up
    for (int i = 0; i < count; ++i) {
      const auto t = Clock::now();
      b.run(model);
      us.push_back(msSince(t) * 1000);
    }
  }
  std::sort(us.begin(), us.end());
  std::printf("{\"runs\": %d, \"median_us\": %.3f, \"p10_us\": %.3f, \"p90_us\": %.3f, \"min_us\": %.3f}\n", count,
              us[us.size() / 2], us[us.size() / 10], us[us.size() * 9 / 10], us.front());
  ingot_model_destroy(model);
  ingot_runtime_destroy(runtime);
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int compare(const char* path, int count) {
  ingot_runtime* runtime = nullptr;
  check(ingot_runtime_create(nullptr, &runtime), "runtime");
  ingot_model* model = nullptr;
  check(ingot_model_load_file(runtime, path, &model), "load");
  Bindings b(model);
  ingot_entry* entry = nullptr;
  check(ingot_model_get_entry(model, "infer", &entry), "entry");

  // The same artifact through the C++ core, on a host device with the same
  // thread count; inputs set once, as `ingot bench` does.
  auto threads = ingot::rt::resolveThreadCount(0);
  auto artifact = ingot::rt::readArtifactFile(path);
  if (!threads.ok() || !artifact.ok()) return 1;
  ingot::rt::HostDevice device("llvm", "host", "host", *threads);
  auto loaded = ingot::rt::LoadedModel::create(
      std::make_shared<const ingot::rt::ArtifactContents>(std::move(artifact).value()), device,
      {{"llvm", &ingot::rt::loadCpuCode}});
  if (!loaded.ok()) return 1;
  auto session = (*loaded)->session("infer");
  if (!session.ok()) return 1;
  // A control: a second copy of the same model through the core. Two copies
  // of the same code and weights differ only in where they sit in memory;
  // how far their times differ is the comparison's noise floor.
  auto artifact2 = ingot::rt::readArtifactFile(path);
  if (!artifact2.ok()) return 1;
  auto loaded2 = ingot::rt::LoadedModel::create(
      std::make_shared<const ingot::rt::ArtifactContents>(std::move(artifact2).value()), device,
      {{"llvm", &ingot::rt::loadCpuCode}});
  if (!loaded2.ok()) return 1;
  auto control = (*loaded2)->session("infer");
  if (!control.ok()) return 1;
  for (const ingot_binding& in : b.inputs) {
    std::vector<int64_t> dims(ingot_tensor_dims(in.tensor), ingot_tensor_dims(in.tensor) + ingot_tensor_rank(in.tensor));
    for (ingot::rt::Session* s : {*session, *control})
      if (!s->setInputData(in.name, static_cast<ingot::DType>(ingot_tensor_dtype(in.tensor)), dims,
                           ingot_tensor_data(in.tensor)).isOk())
        return 1;
  }
  // The core's zero-copy run over the same memory the C API binds: what
  // ingot_entry_run ends in, without the API's checks and lock.
  std::vector<const void*> inData;
  std::vector<void*> outData;
  for (const ingot_binding& in : b.inputs) inData.push_back(ingot_tensor_data(in.tensor));
  for (const ingot_binding& out : b.outputs) outData.push_back(ingot_tensor_data(out.tensor));
  // The third timing: the core's own upload, run and download, to tell the
  // C API's bookkeeping from the copies into and out of the device.
  const ingot_binding& in0 = b.inputs.at(0);
  const ingot_binding& out0 = b.outputs.at(0);
  const std::vector<int64_t> inDims(ingot_tensor_dims(in0.tensor), ingot_tensor_dims(in0.tensor) + ingot_tensor_rank(in0.tensor));
  const std::vector<int64_t> outDims(ingot_tensor_dims(out0.tensor),
                                     ingot_tensor_dims(out0.tensor) + ingot_tensor_rank(out0.tensor));
  const auto inType = static_cast<ingot::DType>(ingot_tensor_dtype(in0.tensor));
  const auto outType = static_cast<ingot::DType>(ingot_tensor_dtype(out0.tensor));
  // Alternating blocks (not single runs): each block runs one model with
  // warm caches, as an application's loop would, while machine noise
  // still hits all three alike over the many blocks.
  std::vector<double> capiUs, entryUs, sessionUs, copiesUs, withDataUs, controlUs;
  auto us = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
  constexpr int kBlock = 100;
  for (int block = 0; block < count / kBlock + 1; ++block) {
    const bool warmup = block == 0;
    for (int i = 0; i < kBlock; ++i) {
      const auto t0 = Clock::now();
      b.run(model);
      if (!warmup) capiUs.push_back(us(t0, Clock::now()));
    }
    for (int i = 0; i < kBlock; ++i) {
      const auto t0 = Clock::now();
      b.runEntry(entry);
      if (!warmup) entryUs.push_back(us(t0, Clock::now()));
    }
    for (int i = 0; i < kBlock; ++i) {
      const auto t0 = Clock::now();
      if (!(*session)->run().isOk()) return 1;
      if (!warmup) sessionUs.push_back(us(t0, Clock::now()));
    }
    for (int i = 0; i < kBlock; ++i) {
      const auto t0 = Clock::now();
      if (!(*session)->runWithData(inData, outData).isOk()) return 1;
      if (!warmup) withDataUs.push_back(us(t0, Clock::now()));
    }
    for (int i = 0; i < kBlock; ++i) {
      const auto t0 = Clock::now();
      if (!(*control)->run().isOk()) return 1;
      if (!warmup) controlUs.push_back(us(t0, Clock::now()));
    }
    for (int i = 0; i < kBlock; ++i) {
      const auto t0 = Clock::now();
      if (!(*session)->setInputData(in0.name, inType, inDims, ingot_tensor_data(in0.tensor)).isOk() ||
          !(*session)->run().isOk() ||
          !(*session)->readOutput(out0.name, outType, outDims, ingot_tensor_data(out0.tensor)).isOk())
        return 1;
      if (!warmup) copiesUs.push_back(us(t0, Clock::now()));
    }
  }
  const double c = median(capiUs), e = median(entryUs), k = median(sessionUs), u = median(copiesUs),
               w = median(withDataUs), k2 = median(controlUs);
  std::printf("{\"runs\": %d, \"capi_median_us\": %.3f, \"entry_run_median_us\": %.3f, "
              "\"session_run_median_us\": %.3f, \"session_with_copies_median_us\": %.3f, "
              "\"session_with_data_median_us\": %.3f, \"control_session_median_us\": %.3f, \"ratio\": %.4f, "
              "\"entry_ratio\": %.4f, \"with_data_ratio\": %.4f, \"control_ratio\": %.4f}\n",
              count, c, e, k, u, w, k2, c / k, e / k, w / k, k2 / k);
  ingot_model_destroy(model);
  ingot_runtime_destroy(runtime);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "load") == 0) return load(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "run") == 0) return runs(argv[2], argc > 3 ? std::atoi(argv[3]) : 2000);
  if (argc >= 3 && std::strcmp(argv[1], "compare") == 0)
    return compare(argv[2], argc > 3 ? std::atoi(argv[3]) : 2000);
  std::fprintf(stderr, "usage: capi_bench load|run|compare MODEL.ingot [RUNS]\n");
  return 2;
}
