// Header-only C++ (17 or later) wrapper over ingot.h: RAII handles (move-only)
// and exceptions. Every failing C call becomes an ingot::Error carrying the
// status's code and message. The ownership and thread-safety rules are the
// C API's (ingot.h); in particular a Runtime must outlive its Models, and a
// Tensor::wrap'ed buffer must outlive the Tensor.
#ifndef INGOT_INGOT_HPP
#define INGOT_INGOT_HPP

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ingot/ingot.h"

namespace ingot {

class Error : public std::runtime_error {
 public:
  Error(ingot_status_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ingot_status_code code() const noexcept { return code_; }

 private:
  ingot_status_code code_;
};

namespace detail {

// Takes ownership of a status: frees it, and throws if it is an error.
inline void check(ingot_status* status) {
  if (!status) return;
  const ingot_status_code code = ingot_status_get_code(status);
  std::string message = ingot_status_message(status);
  ingot_status_destroy(status);
  throw Error(code, message);
}

template <typename T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Destroy(p); }
};
template <typename T, void (*Destroy)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Destroy>>;

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr ingot_dtype value = INGOT_DTYPE_F32; };
template <> struct DTypeOf<double> { static constexpr ingot_dtype value = INGOT_DTYPE_F64; };
template <> struct DTypeOf<int32_t> { static constexpr ingot_dtype value = INGOT_DTYPE_I32; };
template <> struct DTypeOf<int64_t> { static constexpr ingot_dtype value = INGOT_DTYPE_I64; };
template <> struct DTypeOf<int8_t> { static constexpr ingot_dtype value = INGOT_DTYPE_I8; };
template <> struct DTypeOf<int16_t> { static constexpr ingot_dtype value = INGOT_DTYPE_I16; };
template <> struct DTypeOf<uint8_t> { static constexpr ingot_dtype value = INGOT_DTYPE_U8; };
template <> struct DTypeOf<uint16_t> { static constexpr ingot_dtype value = INGOT_DTYPE_U16; };
template <> struct DTypeOf<uint32_t> { static constexpr ingot_dtype value = INGOT_DTYPE_U32; };
template <> struct DTypeOf<uint64_t> { static constexpr ingot_dtype value = INGOT_DTYPE_U64; };

}  // namespace detail

// A tensor owning its memory (create) or viewing the caller's (wrap).
class Tensor {
 public:
  static Tensor create(ingot_dtype dtype, const std::vector<int64_t>& dims) {
    ingot_tensor* t = nullptr;
    detail::check(ingot_tensor_create(dtype, dims.data(), dims.size(), &t));
    return Tensor(t);
  }
  template <typename T>
  static Tensor create(const std::vector<int64_t>& dims) {
    return create(detail::DTypeOf<T>::value, dims);
  }
  // No copy: `data` (`count` elements) must outlive the tensor.
  template <typename T>
  static Tensor wrap(T* data, size_t count, const std::vector<int64_t>& dims) {
    ingot_tensor* t = nullptr;
    detail::check(ingot_tensor_wrap(detail::DTypeOf<std::remove_const_t<T>>::value, dims.data(), dims.size(),
                                    const_cast<std::remove_const_t<T>*>(data), count * sizeof(T), &t));
    return Tensor(t);
  }
  // Takes ownership of a C tensor.
  explicit Tensor(ingot_tensor* t) : handle_(t) {}

  ingot_tensor* get() const noexcept { return handle_.get(); }
  void* data() const noexcept { return ingot_tensor_data(handle_.get()); }
  template <typename T>
  T* data() const {
    if (detail::DTypeOf<T>::value != dtype())
      throw Error(INGOT_STATUS_INVALID_ARGUMENT,
                  std::string("tensor holds ") + ingot_dtype_name(dtype()) + ", not the type asked for");
    return static_cast<T*>(data());
  }
  size_t byteSize() const noexcept { return ingot_tensor_byte_size(handle_.get()); }
  int64_t elementCount() const noexcept { return ingot_tensor_element_count(handle_.get()); }
  ingot_dtype dtype() const noexcept { return ingot_tensor_dtype(handle_.get()); }
  std::vector<int64_t> dims() const {
    const int64_t* d = ingot_tensor_dims(handle_.get());
    return d ? std::vector<int64_t>(d, d + ingot_tensor_rank(handle_.get())) : std::vector<int64_t>{};
  }

 private:
  detail::Handle<ingot_tensor, ingot_tensor_destroy> handle_;
};

struct TensorInfo {
  std::string name;
  ingot_dtype dtype = INGOT_DTYPE_F32;
  std::vector<int64_t> dims;
};

struct DeviceInfo {
  std::string backend, name, description;
  int index = 0;
  bool canRunModels = false;
  std::string id() const { return backend + ":" + std::to_string(index); }
};

struct RuntimeOptions {
  uint32_t threads = 0;        // 0: $INGOT_THREADS, else every CPU
  std::string device = "auto";  // see ingot_runtime_options_set_device
};

class Runtime {
 public:
  explicit Runtime(const RuntimeOptions& options = {}) {
    ingot_runtime_options* raw = nullptr;
    detail::check(ingot_runtime_options_create(&raw));
    detail::Handle<ingot_runtime_options, ingot_runtime_options_destroy> opts(raw);
    detail::check(ingot_runtime_options_set_threads(opts.get(), options.threads));
    detail::check(ingot_runtime_options_set_device(opts.get(), options.device.c_str()));
    ingot_runtime* r = nullptr;
    detail::check(ingot_runtime_create(opts.get(), &r));
    handle_.reset(r);
  }
  ingot_runtime* get() const noexcept { return handle_.get(); }

  std::vector<DeviceInfo> devices() const {
    size_t n = 0;
    detail::check(ingot_runtime_device_count(handle_.get(), &n));
    std::vector<DeviceInfo> out;
    for (size_t i = 0; i < n; ++i) {
      ingot_device_info d{};
      detail::check(ingot_runtime_device_info(handle_.get(), i, &d));
      out.push_back(DeviceInfo{d.backend, d.name, d.description, d.index, d.can_run_models != 0});
    }
    return out;
  }

 private:
  detail::Handle<ingot_runtime, ingot_runtime_destroy> handle_;
};

// A tensor bound to a signature name for one run.
struct Binding {
  Binding(const char* n, const Tensor& t) : name(n), tensor(t.get()) {}
  Binding(const std::string& n, const Tensor& t) : name(n.c_str()), tensor(t.get()) {}
  const char* name;
  ingot_tensor* tensor;
};

// An entry point resolved once (Model::entry): runs bind tensors by
// position in the signature, with no name look-up. Belongs to its Model
// (valid while it lives); copying it copies the reference.
class Entry {
 public:
  explicit Entry(ingot_entry* e) : entry_(e) {}
  ingot_entry* get() const noexcept { return entry_; }
  std::string name() const { return ingot_entry_name(entry_); }
  // Every input in signature order; outputs in order, nullptr for one not wanted.
  void run(std::initializer_list<ingot_tensor*> inputs, std::initializer_list<ingot_tensor*> outputs) {
    detail::check(ingot_entry_run(entry_, inputs.begin(), inputs.size(), outputs.begin(), outputs.size()));
  }

 private:
  ingot_entry* entry_;
};

class Model {
 public:
  static Model load(Runtime& runtime, const std::string& path) {
    ingot_model* m = nullptr;
    detail::check(ingot_model_load_file(runtime.get(), path.c_str(), &m));
    return Model(m);
  }
  // The bytes are copied; they may be freed after the call.
  static Model load(Runtime& runtime, const void* data, size_t size) {
    ingot_model* m = nullptr;
    detail::check(ingot_model_load_memory(runtime.get(), data, size, &m));
    return Model(m);
  }
  ingot_model* get() const noexcept { return handle_.get(); }

  DeviceInfo device() const {
    ingot_device_info d{};
    detail::check(ingot_model_device(handle_.get(), &d));
    return DeviceInfo{d.backend, d.name, d.description, d.index, d.can_run_models != 0};
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < ingot_model_entry_count(handle_.get()); ++i)
      out.emplace_back(ingot_model_entry_name(handle_.get(), i));
    return out;
  }
  std::vector<TensorInfo> inputs(const char* entry = "infer") const {
    return signature(entry, ingot_model_input_count, ingot_model_input_info);
  }
  std::vector<TensorInfo> outputs(const char* entry = "infer") const {
    return signature(entry, ingot_model_output_count, ingot_model_output_info);
  }
  // A new owned tensor of the shape and dtype of one of the entry's outputs.
  Tensor makeOutput(const std::string& name, const char* entry = "infer") const {
    for (const TensorInfo& t : outputs(entry))
      if (t.name == name) return Tensor::create(t.dtype, t.dims);
    throw Error(INGOT_STATUS_INVALID_ARGUMENT, "'" + name + "' is not an output of entry '" + entry + "'");
  }

  void run(const char* entry, std::initializer_list<Binding> inputs, std::initializer_list<Binding> outputs) {
    std::vector<ingot_binding> in, out;
    in.reserve(inputs.size());
    out.reserve(outputs.size());
    for (const Binding& b : inputs) in.push_back(ingot_binding{b.name, b.tensor});
    for (const Binding& b : outputs) out.push_back(ingot_binding{b.name, b.tensor});
    detail::check(ingot_model_run(handle_.get(), entry, in.data(), in.size(), out.data(), out.size()));
  }
  Entry entry(const char* name = "infer") {
    ingot_entry* e = nullptr;
    detail::check(ingot_model_get_entry(handle_.get(), name, &e));
    return Entry(e);
  }
  // Persistent state tensors (weights, optimizer moments), every one once.
  std::vector<TensorInfo> state() const {
    std::vector<TensorInfo> out;
    for (size_t i = 0; i < ingot_model_state_count(handle_.get()); ++i) {
      ingot_tensor_info t{};
      detail::check(ingot_model_state_info(handle_.get(), i, &t));
      out.push_back(TensorInfo{t.name, t.dtype, std::vector<int64_t>(t.dims, t.dims + t.rank)});
    }
    return out;
  }
  void writeState(const std::string& name, const Tensor& value) {
    detail::check(ingot_model_write_state(handle_.get(), name.c_str(), value.get()));
  }
  Tensor readState(const std::string& name) {
    ingot_tensor* t = nullptr;
    detail::check(ingot_model_read_state(handle_.get(), name.c_str(), &t));
    return Tensor(t);
  }
  void saveOnnx(const std::string& path) { detail::check(ingot_model_save_onnx(handle_.get(), path.c_str())); }

 private:
  explicit Model(ingot_model* m) : handle_(m) {}
  template <typename Count, typename Info>
  std::vector<TensorInfo> signature(const char* entry, Count count, Info info) const {
    size_t n = 0;
    detail::check(count(handle_.get(), entry, &n));
    std::vector<TensorInfo> out;
    for (size_t i = 0; i < n; ++i) {
      ingot_tensor_info t{};
      detail::check(info(handle_.get(), entry, i, &t));
      out.push_back(TensorInfo{t.name, t.dtype, std::vector<int64_t>(t.dims, t.dims + t.rank)});
    }
    return out;
  }

  detail::Handle<ingot_model, ingot_model_destroy> handle_;
};

}  // namespace ingot

#endif  // INGOT_INGOT_HPP
