// Times the LLVM CPU backend's contractions and a whole training step:
//   GEMM n^3 (n = 256, 512, 1024) in GFLOP/s, the MLP's shapes (784->128
//   forward at several batches, the weight gradient dh^T x), and one Adam
//   training step of 784->128(relu)->10(softmax) with cross-entropy at batch
//   32 and 128; each at 1 and 2 threads (the device's thread pool).
// Every number is the median of repeated runs after a warm-up.
//   gemm_bench [--threads 1,2] [--quick] [--loops] [--profile] [--slp-everywhere]
//              [--compile N]
// --loops compiles contractions with phase 1's loop nests
// (LlvmOptions::loopContractions): the "before" numbers; --slp-everywhere
// runs the SLP vectorizer on every kernel, as LLVM's O3 does.
// --compile N times, instead, the JIT compilation (lowering, IR emission, the
// O3 pipeline, machine code) of the MLP at batch 64 and of its training step
// at batch 32, N times each, with SLP only on scalar functions (the default)
// and with O3's SLP everywhere (LlvmOptions::slpEverywhere), interleaved.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "backends/llvm/LlvmBackend.h"
#include "ir/OpRegistry.h"
#include "ir/Verifier.h"
#include "passes/TrainingStep.h"
#include "runtime/HostDevice.h"
#include "runtime/Session.h"

using namespace ingot;

namespace {

backends::llvm_backend::LlvmOptions gOptions;  // set once from the command line
bool gProfile = false;                          // --profile: time each kernel of the training step

// Per-kernel wall time of every call, collected by wrapping a host
// executable's kernels (reported as medians: on a shared machine a mean is
// dominated by the calls that were preempted).
struct KernelProfile {
  std::vector<std::string> names;
  std::vector<std::vector<double>> seconds;
};

std::shared_ptr<const rt::Executable> profiled(std::shared_ptr<const rt::Executable> exe, KernelProfile& prof) {
  const auto* host = dynamic_cast<const rt::HostExecutable*>(exe.get());
  if (!host) return exe;
  std::vector<rt::HostKernel> kernels;
  for (size_t i = 0; i < host->numKernels(); ++i) {
    prof.names.push_back(host->kernelName(i));
    prof.seconds.emplace_back();
    kernels.push_back([inner = host->kernel(i), &prof, i](const rt::HostKernelArgs& args) {
      auto t0 = std::chrono::steady_clock::now();
      Status st = inner(args);
      prof.seconds[i].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      return st;
    });
  }
  return std::make_shared<rt::HostExecutable>(std::string(exe->backend()), prof.names, std::move(kernels));
}

Tensor randomTensor(Shape shape, std::mt19937& rng, float scale = 1.0f) {
  Tensor t(DType::F32, shape);
  std::uniform_real_distribution<float> dist(-scale, scale);
  auto* p = reinterpret_cast<float*>(t.rawData());
  for (int64_t i = 0; i < t.numElements(); ++i) p[i] = dist(rng);
  return t;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "gemm_bench: %s\n", what.c_str());
  std::exit(1);
}

ir::Value* node(ir::Graph& g, const char* op, std::vector<ir::Value*> operands, ir::AttrMap attrs, const char* name) {
  auto n = g.addNode(*ir::OpRegistry::builtin().find(op), std::move(operands), std::move(attrs), {name});
  if (!n.ok()) die(n.status().message());
  return (*n)->result();
}

std::unique_ptr<rt::Device> makeDevice(unsigned threads) {
  backends::llvm_backend::DeviceOptions o;
  o.threads = threads;
  auto devices = backends::llvm_backend::makeDeviceProvider(o)->enumerate();
  if (!devices.ok() || devices->empty()) die("no llvm device");
  return std::move(devices->front());
}

// Median seconds of session.run() over `reps` runs (after 3 warm-ups), at
// least `minSeconds` of runs in total.
double timeRuns(rt::Session& s, int reps, double minSeconds = 0.3) {
  for (int i = 0; i < 3; ++i)
    if (Status st = s.run(); !st.isOk()) die(st.message());
  std::vector<double> t;
  double total = 0;
  while (static_cast<int>(t.size()) < reps || total < minSeconds) {
    auto t0 = std::chrono::steady_clock::now();
    if (Status st = s.run(); !st.isOk()) die(st.message());
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t.push_back(dt);
    total += dt;
    if (t.size() > 20000) break;
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::unique_ptr<rt::Session> session(const ir::Graph& g, rt::Device& device, KernelProfile* prof = nullptr) {
  auto program = backends::llvm_backend::compileGraph(g, gOptions);
  if (!program.ok()) die(program.status().message());
  auto exe = prof ? profiled(program->executable, *prof) : program->executable;
  auto s = rt::Session::create(device, exe, program->plan);
  if (!s.ok()) die(s.status().message());
  return std::move(*s);
}

// y = A op B with Gemm's transA/transB (inputs, so nothing is constant-folded).
double gemmSeconds(rt::Device& device, int64_t m, int64_t n, int64_t k, bool transA, bool transB, bool bias) {
  std::mt19937 rng(1);
  ir::Graph g("gemm");
  Shape as = transA ? Shape{k, m} : Shape{m, k}, bs = transB ? Shape{n, k} : Shape{k, n};
  auto a = g.addInput("a", {DType::F32, as});
  auto b = g.addInput("b", {DType::F32, bs});
  std::vector<ir::Value*> ops{*a, *b};
  if (bias) ops.push_back(*g.addInput("c", {DType::F32, {n}}));
  ir::AttrMap attrs{{"transA", ir::Attribute(int64_t{transA})}, {"transB", ir::Attribute(int64_t{transB})}};
  ir::Value* y = node(g, "Gemm", ops, attrs, "y");
  if (bias) y = node(g, "Relu", {y}, {}, "r");
  g.addOutput(y);
  if (Status st = ir::verifyGraph(g); !st.isOk()) die(st.message());
  auto s = session(g, device);
  if (!s->setInput("a", randomTensor(as, rng)).isOk() || !s->setInput("b", randomTensor(bs, rng)).isOk()) die("inputs");
  if (bias && !s->setInput("c", randomTensor({n}, rng)).isOk()) die("bias");
  return timeRuns(*s, 9);
}

std::unique_ptr<ir::Graph> mlp(int64_t batch) {
  std::mt19937 rng(7);
  auto g = std::make_unique<ir::Graph>("mlp");
  auto x = g->addInput("x", {DType::F32, {batch, 784}});
  auto w1 = g->addParam("fc1.weight", randomTensor({128, 784}, rng, 0.035f));
  auto b1 = g->addParam("fc1.bias", randomTensor({128}, rng, 0.035f));
  auto w2 = g->addParam("fc2.weight", randomTensor({10, 128}, rng, 0.088f));
  auto b2 = g->addParam("fc2.bias", randomTensor({10}, rng, 0.088f));
  const ir::AttrMap transB{{"transB", ir::Attribute(int64_t{1})}};
  ir::Value* h = node(*g, "Gemm", {*x, *w1, *b1}, transB, "h");
  ir::Value* r = node(*g, "Relu", {h}, {}, "r");
  ir::Value* z = node(*g, "Gemm", {r, *w2, *b2}, transB, "z");
  g->addOutput(node(*g, "Softmax", {z}, {{"axis", ir::Attribute(int64_t{1})}}, "y"));
  if (Status st = ir::verifyGraph(*g); !st.isOk()) die(st.message());
  return g;
}

double trainStepSeconds(rt::Device& device, int64_t batch) {
  auto model = mlp(batch);
  passes::TrainingOptions training;
  training.loss = passes::LossKind::CrossEntropy;
  auto step = passes::buildTrainingStep(*model, training);
  if (!step.ok()) die(step.status().message());
  KernelProfile prof;
  auto s = session(*step->graph, device, gProfile ? &prof : nullptr);
  std::mt19937 rng(3);
  Tensor labels(DType::I64, {batch});
  for (int64_t i = 0; i < batch; ++i) reinterpret_cast<int64_t*>(labels.rawData())[i] = i % 10;
  if (!s->setInput(step->input, randomTensor({batch, 784}, rng)).isOk() || !s->setInput(step->labels, labels).isOk())
    die("inputs");
  const double t = timeRuns(*s, 200);
  double sum = 0;
  for (size_t i = 0; i < prof.names.size(); ++i) {
    std::vector<double>& v = prof.seconds[i];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    sum += v[v.size() / 2];
    std::printf("    %-40s %8.2f us (median of %zu; %.2f..%.2f)\n", prof.names[i].c_str(), v[v.size() / 2] * 1e6,
                v.size(), v.front() * 1e6, v.back() * 1e6);
  }
  if (!prof.names.empty()) std::printf("    %-40s %8.2f us\n", "sum of the medians", sum * 1e6);
  return t;
}

double inferSeconds(rt::Device& device, int64_t batch) {
  auto model = mlp(batch);
  auto s = session(*model, device);
  std::mt19937 rng(3);
  if (!s->setInput("x", randomTensor({batch, 784}, rng)).isOk()) die("inputs");
  return timeRuns(*s, 200);
}

struct Stat {
  double median, min, max;
};
Stat summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

void compileTimes(int n) {
  auto inference = mlp(64);
  auto large = mlp(1024);  // A = 1024x784 takes the outer-product form (kDotMaxABytes)
  auto trainModel = mlp(32);
  passes::TrainingOptions training;
  training.loss = passes::LossKind::CrossEntropy;
  auto step = passes::buildTrainingStep(*trainModel, training);
  if (!step.ok()) die(step.status().message());
  const std::pair<const char*, const ir::Graph*> graphs[] = {{"mlp inference b64", inference.get()},
                                                               {"mlp inference b1024", large.get()},
                                                               {"mlp train step b32", step->graph.get()}};
  for (const auto& [label, graph] : graphs) {
    // [setting][what]: total, lowering + IR emission, O3, machine code.
    std::vector<double> ms[2][4];
    for (int i = 0; i < n; ++i) {
      for (int everywhere = 0; everywhere < 2; ++everywhere) {
        backends::llvm_backend::LlvmOptions options = gOptions;
        options.slpEverywhere = everywhere;
        backends::llvm_backend::CompileStats stats;
        const auto t0 = std::chrono::steady_clock::now();
        auto program = backends::llvm_backend::compileGraph(*graph, options, &stats);
        if (!program.ok()) die(program.status().message());
        ms[everywhere][0].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        ms[everywhere][1].push_back(stats.codegenMs);
        ms[everywhere][2].push_back(stats.optimizeMs);
        ms[everywhere][3].push_back(stats.jitMs);
      }
    }
    for (int everywhere = 0; everywhere < 2; ++everywhere) {
      std::printf("%-20s SLP %-10s", label, everywhere ? "everywhere" : "scalar");
      const char* names[] = {"total", "emit", "O3", "codegen"};
      for (int w = 0; w < 4; ++w) {
        Stat st = summarize(ms[everywhere][w]);
        std::printf("  %s %6.1f [%5.1f..%5.1f]", names[w], st.median, st.min, st.max);
      }
      std::printf(" ms (median [min..max] of %d)\n", n);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<unsigned> threads{1, 2};
  bool quick = false;
  int compileRuns = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads.clear();
      for (std::string s = argv[++i]; !s.empty();) {
        size_t c = s.find(',');
        threads.push_back(static_cast<unsigned>(std::stoul(s.substr(0, c))));
        s = c == std::string::npos ? "" : s.substr(c + 1);
      }
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--profile") {
      gProfile = true;
    } else if (a == "--loops") {
      gOptions.loopContractions = true;
    } else if (a == "--slp-everywhere") {
      gOptions.slpEverywhere = true;
    } else if (a == "--compile" && i + 1 < argc) {
      compileRuns = std::max(1, std::atoi(argv[++i]));
    } else {
      std::printf("usage: gemm_bench [--threads 1,2] [--quick] [--loops] [--profile] [--slp-everywhere] [--compile N]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (compileRuns > 0) {
    compileTimes(compileRuns);
    return 0;
  }
  for (unsigned t : threads) {
    auto device = makeDevice(t);
    std::printf("== %u thread(s): %s\n", t, device->info().description.c_str());
    for (int64_t n : {256, 512, 1024}) {
      if (quick) continue;
      double s = gemmSeconds(*device, n, n, n, false, false, false);
      std::printf("gemm %4lld^3            %8.3f ms  %6.1f GFLOP/s\n", (long long)n, s * 1e3, 2.0 * n * n * n / s * 1e-9);
    }
    for (int64_t b : {1, 32, 64, 128, 256, 512, 1024}) {
      double s = gemmSeconds(*device, b, 128, 784, false, true, true);
      std::printf("dense x[%4lld,784]W^T+b relu %8.4f ms  %6.1f GFLOP/s\n", (long long)b, s * 1e3,
                  2.0 * b * 128 * 784 / s * 1e-9);
    }
    for (int64_t b : {32, 128}) {
      double s = gemmSeconds(*device, 128, 784, b, true, false, false);
      std::printf("dW dh[%3lld,128]^T x        %8.4f ms  %6.1f GFLOP/s\n", (long long)b, s * 1e3,
                  2.0 * b * 128 * 784 / s * 1e-9);
    }
    for (int64_t b : {1, 64, 1024})
      if (!quick) std::printf("mlp inference batch %4lld   %8.4f ms\n", (long long)b, inferSeconds(*device, b) * 1e3);
    for (int64_t b : {32, 128})
      std::printf("train step (adam) batch %3lld %8.4f ms\n", (long long)b, trainStepSeconds(*device, b) * 1e3);
  }
  return 0;
}
