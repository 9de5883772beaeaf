// The C++ wrapper (ingot/ingot.hpp): classify Fashion-MNIST test images with
// an inference artifact, then train a model for a few steps from a training
// artifact, watch the loss go down, and save the trained weights as ONNX.
//
//   ingot compile mlp.onnx --batch 1 --target llvm -o mlp.ingot
//   ingot compile mlp.onnx --batch 32 --target llvm --train cross-entropy,adam -o mlp_train.ingot
//   embed_cpp mlp.ingot mlp_train.ingot IMAGES.idx LABELS.idx STEPS trained.onnx
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <ingot/ingot.hpp>

namespace {

struct Images {
  size_t count = 0, pixels = 0;
  std::vector<float> x;           // count x pixels, scaled to [0, 1]
  std::vector<unsigned char> y;   // labels
};

std::vector<unsigned char> readIdx(const std::string& path, unsigned rank, std::vector<size_t>& dims) {
  std::ifstream f(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t header = 4 + 4 * rank;
  if (bytes.size() < header || bytes[2] != 0x08 || bytes[3] != rank)
    throw std::runtime_error(path + " is not an IDX file of unsigned bytes of rank " + std::to_string(rank));
  size_t count = 1;
  dims.clear();
  for (unsigned i = 0; i < rank; ++i) {
    const unsigned char* p = &bytes[4 + 4 * i];
    dims.push_back(size_t{p[0]} << 24 | size_t{p[1]} << 16 | size_t{p[2]} << 8 | p[3]);
    count *= dims.back();
  }
  if (bytes.size() - header < count) throw std::runtime_error(path + " is truncated");
  return std::vector<unsigned char>(bytes.begin() + header, bytes.begin() + header + count);
}

Images readImages(const std::string& imagesPath, const std::string& labelsPath) {
  std::vector<size_t> dims, labelDims;
  std::vector<unsigned char> pixels = readIdx(imagesPath, 3, dims);
  Images out;
  out.y = readIdx(labelsPath, 1, labelDims);
  out.count = dims[0];
  out.pixels = dims[1] * dims[2];
  if (labelDims[0] != out.count) throw std::runtime_error("image and label counts differ");
  out.x.resize(pixels.size());
  std::transform(pixels.begin(), pixels.end(), out.x.begin(), [](unsigned char p) { return p / 255.0f; });
  return out;
}

// Fraction of images whose largest score is their label, with the model's
// "infer" entry at whatever batch it was compiled for.
double accuracy(ingot::Model& model, const Images& data) {
  const ingot::TensorInfo in = model.inputs("infer").at(0), out = model.outputs("infer").at(0);
  const size_t batch = static_cast<size_t>(in.dims.at(0)), classes = static_cast<size_t>(out.dims.at(1));
  std::vector<float> x(batch * data.pixels), scores(batch * classes);
  // Tensors over our own buffers: runs read and write them in place.
  ingot::Tensor xt = ingot::Tensor::wrap(x.data(), x.size(), in.dims);
  ingot::Tensor st = ingot::Tensor::wrap(scores.data(), scores.size(), out.dims);
  size_t correct = 0;
  for (size_t first = 0; first < data.count; first += batch) {
    const size_t n = std::min(batch, data.count - first);
    std::fill(x.begin(), x.end(), 0.0f);
    std::copy_n(data.x.begin() + first * data.pixels, n * data.pixels, x.begin());
    model.run("infer", {{in.name, xt}}, {{out.name, st}});
    for (size_t r = 0; r < n; ++r) {
      const float* row = &scores[r * classes];
      correct += static_cast<size_t>(std::max_element(row, row + classes) - row) == data.y[first + r];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.count);
}

// `steps` Adam steps of the artifact's train_step on consecutive batches;
// returns the losses.
std::vector<float> train(ingot::Model& model, const Images& data, int steps) {
  // train_step's inputs: the images [batch, pixels] and the labels [batch]
  // (class indices, i64 or i32 as the artifact says).
  std::vector<ingot::TensorInfo> inputs = model.inputs("train_step");
  auto features = std::find_if(inputs.begin(), inputs.end(), [](auto& t) { return t.dims.size() == 2; });
  auto labels = std::find_if(inputs.begin(), inputs.end(), [](auto& t) { return t.dims.size() == 1; });
  if (inputs.size() != 2 || features == inputs.end() || labels == inputs.end())
    throw std::runtime_error("train_step does not take [batch, pixels] features and [batch] class labels");
  const size_t batch = static_cast<size_t>(features->dims[0]);
  ingot::Tensor x = ingot::Tensor::create<float>(features->dims);
  ingot::Tensor y = ingot::Tensor::create(labels->dtype, labels->dims);
  ingot::Tensor loss = model.makeOutput("loss", "train_step");
  std::vector<float> losses;
  for (int step = 0; step < steps; ++step) {
    const size_t first = (static_cast<size_t>(step) * batch) % (data.count - batch + 1);
    std::copy_n(data.x.begin() + first * data.pixels, batch * data.pixels, x.data<float>());
    for (size_t i = 0; i < batch; ++i) {
      if (labels->dtype == INGOT_DTYPE_I64) y.data<int64_t>()[i] = data.y[first + i];
      else y.data<int32_t>()[i] = data.y[first + i];
    }
    model.run("train_step", {{features->name, x}, {labels->name, y}}, {{"loss", loss}});
    losses.push_back(*loss.data<float>());
  }
  return losses;
}

double mean(const std::vector<float>& v, size_t begin, size_t end) {
  double s = 0;
  for (size_t i = begin; i < end; ++i) s += v[i];
  return s / static_cast<double>(end - begin);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: embed_cpp INFER.ingot TRAIN.ingot IMAGES.idx LABELS.idx STEPS OUT.onnx\n";
    return 2;
  }
  try {
    const Images data = readImages(argv[3], argv[4]);
    ingot::Runtime runtime;  // device "auto"; ingot::RuntimeOptions{threads, "llvm"} to choose

    ingot::Model classifier = ingot::Model::load(runtime, argv[1]);
    std::printf("inference on %s: accuracy %.6f\n", classifier.device().id().c_str(), accuracy(classifier, data));

    ingot::Model trainer = ingot::Model::load(runtime, argv[2]);
    const int steps = std::stoi(argv[5]);
    if (steps < 20) throw std::runtime_error("STEPS: at least 20, to see the loss go down");
    const std::vector<float> losses = train(trainer, data, steps);
    for (size_t i = 0; i < losses.size(); i += std::max<size_t>(1, losses.size() / 10))
      std::printf("step %3zu  loss %.4f\n", i + 1, losses[i]);
    const double early = mean(losses, 0, 10), late = mean(losses, losses.size() - 10, losses.size());
    std::printf("mean loss of the first 10 steps %.4f, of the last 10 %.4f\n", early, late);
    // The weights train_step updated are the ones infer uses.
    std::printf("after training: accuracy %.6f\n", accuracy(trainer, data));
    trainer.saveOnnx(argv[6]);
    std::printf("wrote %s\n", argv[6]);
    if (!(late < early)) {
      std::fprintf(stderr, "embed_cpp: the loss did not go down\n");
      return 1;
    }
  } catch (const ingot::Error& e) {
    std::cerr << "embed_cpp: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "embed_cpp: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
