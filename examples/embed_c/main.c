/* Classifies Fashion-MNIST test images with a compiled model through the
 * ingot C API and prints the accuracy.
 *
 *   ingot compile mlp.onnx --batch 1 --target llvm -o mlp.ingot
 *   embed_c mlp.ingot t10k-images-idx3-ubyte t10k-labels-idx1-ubyte
 *
 * The IDX files are the uncompressed ones (gunzip the .gz first). Pixels are
 * scaled to [0, 1] as in training. The input and output tensors wrap this
 * program's own buffers, so a run copies only into and out of the device. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ingot/ingot.h>

/* Prints the status's message and exits when a call fails. */
static void check(ingot_status* status, const char* what) {
  if (!status) return;
  fprintf(stderr, "embed_c: %s: %s\n", what, ingot_status_message(status));
  ingot_status_destroy(status);
  exit(1);
}

static uint32_t read_be32(const unsigned char* p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads an IDX file of unsigned bytes: `dims_out` gets its dims (at most 3),
 * the return value its data (malloc'ed). Exits on a malformed file. */
static unsigned char* read_idx(const char* path, uint32_t expected_rank, uint32_t* dims_out, size_t* count_out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "embed_c: cannot open %s\n", path);
    exit(1);
  }
  unsigned char header[16];
  size_t header_bytes = 4 + 4 * expected_rank;
  if (fread(header, 1, header_bytes, f) != header_bytes || header[0] != 0 || header[1] != 0 ||
      header[2] != 0x08 /* unsigned byte */ || header[3] != expected_rank) {
    fprintf(stderr, "embed_c: %s is not an IDX file of %u-d unsigned bytes\n", path, expected_rank);
    exit(1);
  }
  size_t count = 1;
  for (uint32_t i = 0; i < expected_rank; ++i) {
    dims_out[i] = read_be32(header + 4 + 4 * i);
    count *= dims_out[i];
  }
  unsigned char* data = malloc(count ? count : 1);
  if (!data || fread(data, 1, count, f) != count) {
    fprintf(stderr, "embed_c: %s is truncated\n", path);
    exit(1);
  }
  fclose(f);
  *count_out = count;
  return data;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: embed_c MODEL.ingot IMAGES.idx LABELS.idx\n");
    return 2;
  }
  uint32_t image_dims[3], label_dims[1];
  size_t pixel_count, label_count;
  unsigned char* pixels = read_idx(argv[2], 3, image_dims, &pixel_count);
  unsigned char* labels = read_idx(argv[3], 1, label_dims, &label_count);
  const size_t images = image_dims[0], pixels_per_image = (size_t)image_dims[1] * image_dims[2];
  if (label_count != images) {
    fprintf(stderr, "embed_c: %zu images but %zu labels\n", images, label_count);
    return 1;
  }

  /* Default options: device "auto", threads from $INGOT_THREADS or every CPU. */
  ingot_runtime* runtime = NULL;
  check(ingot_runtime_create(NULL, &runtime), "creating the runtime");
  ingot_model* model = NULL;
  check(ingot_model_load_file(runtime, argv[1], &model), "loading the model");
  ingot_device_info device;
  check(ingot_model_device(model, &device), "asking for the device");

  /* The signature: one input [batch, 784] f32, the first output [batch, classes]. */
  ingot_tensor_info input, output;
  check(ingot_model_input_info(model, "infer", 0, &input), "reading the input");
  check(ingot_model_output_info(model, "infer", 0, &output), "reading the output");
  if (input.dtype != INGOT_DTYPE_F32 || input.rank != 2 || (size_t)input.dims[1] != pixels_per_image ||
      output.rank != 2 || output.dtype != INGOT_DTYPE_F32 || output.dims[0] != input.dims[0]) {
    fprintf(stderr, "embed_c: the model does not take [N,%zu] images to [N,classes] scores\n", pixels_per_image);
    return 1;
  }
  const size_t batch = (size_t)input.dims[0], classes = (size_t)output.dims[1];
  float* x = calloc(batch * pixels_per_image, sizeof(float));
  float* scores = calloc(batch * classes, sizeof(float));
  if (!x || !scores) return 1;
  ingot_tensor *x_tensor = NULL, *scores_tensor = NULL;
  check(ingot_tensor_wrap(INGOT_DTYPE_F32, input.dims, 2, x, batch * pixels_per_image * sizeof(float), &x_tensor),
        "wrapping the input");
  check(ingot_tensor_wrap(INGOT_DTYPE_F32, output.dims, 2, scores, batch * classes * sizeof(float), &scores_tensor),
        "wrapping the output");
  const ingot_binding in = {input.name, x_tensor}, out = {output.name, scores_tensor};

  size_t correct = 0;
  for (size_t first = 0; first < images; first += batch) {
    /* The last batch may be partial: the rest of the rows stay zero. */
    const size_t n = images - first < batch ? images - first : batch;
    memset(x, 0, batch * pixels_per_image * sizeof(float));
    for (size_t i = 0; i < n * pixels_per_image; ++i) x[i] = (float)pixels[first * pixels_per_image + i] / 255.0f;
    check(ingot_model_run(model, "infer", &in, 1, &out, 1), "running the model");
    for (size_t r = 0; r < n; ++r) {
      size_t best = 0; /* the first largest score, as `ingot eval` counts */
      for (size_t c = 1; c < classes; ++c)
        if (scores[r * classes + c] > scores[r * classes + best]) best = c;
      correct += best == labels[first + r];
    }
  }
  printf("device: %s:%d (%s)\n", device.backend, device.index, device.description);
  printf("accuracy: %.6f (%zu of %zu images)\n", (double)correct / (double)images, correct, images);

  ingot_tensor_destroy(x_tensor);
  ingot_tensor_destroy(scores_tensor);
  ingot_model_destroy(model);
  ingot_runtime_destroy(runtime);
  free(x);
  free(scores);
  free(pixels);
  free(labels);
  return 0;
}
