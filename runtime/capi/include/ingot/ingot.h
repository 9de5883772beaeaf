/* ingot runtime C API: load a compiled artifact (`ingot compile ... -o
 * model.ingot`) and run it on a device, with no compiler in the process.
 *
 * Errors. Every function that can fail returns `ingot_status*`: NULL means
 * success; anything else is an error the caller owns and frees with
 * ingot_status_destroy. It carries a code and a message naming what was
 * wrong (the file, the input, expected vs got). No C++ exception and no
 * abort crosses this API; out of memory is a status too. Out-parameters are
 * written only on success. Accessors that cannot fail (ingot_tensor_data, ...)
 * return NULL or 0 for a NULL handle.
 *
 * Ownership. Every object made by a *_create or *_load function is owned by
 * the caller and freed with its *_destroy function (NULL is accepted and
 * ignored). Strings and arrays returned by accessors belong to the object
 * they came from and stay valid until it is destroyed. A runtime must
 * outlive the models loaded through it.
 *
 * Thread safety.
 *  - A runtime may be used from several threads at once (loading, listing
 *    devices, destroying models).
 *  - A model (with its ingot_entry handles), and a tensor, is used by one
 *    thread at a time. Distinct models
 *    may run concurrently from different threads; models that share a
 *    device of one runtime take turns on it (a run waits for the other's to
 *    finish), so for parallel inference on the CPU give each thread its own
 *    runtime (each has its own worker threads).
 *  - An input tensor is only read during a run (even when used in place,
 *    see ingot_model_run); one input tensor may be passed to runs on
 *    several threads at once.
 *  - Statuses are plain values: any thread may read or free them.
 */
#ifndef INGOT_INGOT_H
#define INGOT_INGOT_H

#include <stddef.h>
#include <stdint.h>

#if defined(INGOT_BUILDING_RUNTIME)
#define INGOT_API __attribute__((visibility("default")))
#else
#define INGOT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define INGOT_VERSION_MAJOR 0
#define INGOT_VERSION_MINOR 1
#define INGOT_VERSION_PATCH 0
/* The library's version as "MAJOR.MINOR.PATCH" (may differ from the header's
 * when an application runs against a newer library). */
INGOT_API const char* ingot_version(void);

/* ---- Status ------------------------------------------------------------ */

typedef enum ingot_status_code {
  INGOT_STATUS_OK = 0,
  INGOT_STATUS_INVALID_ARGUMENT = 1, /* a bad file, handle, name, shape or dtype */
  INGOT_STATUS_UNSUPPORTED = 2,      /* valid, but not handled (no code for the device, ...) */
  INGOT_STATUS_RUNTIME_ERROR = 3,    /* a device or a run failed */
  INGOT_STATUS_INTERNAL = 4,         /* a bug in ingot */
  INGOT_STATUS_OUT_OF_MEMORY = 5
} ingot_status_code;

typedef struct ingot_status ingot_status;

/* INGOT_STATUS_OK for NULL. */
INGOT_API ingot_status_code ingot_status_get_code(const ingot_status* status);
/* Never NULL: "" for NULL (success), otherwise a non-empty message. */
INGOT_API const char* ingot_status_message(const ingot_status* status);
INGOT_API void ingot_status_destroy(ingot_status* status);

/* ---- Element types ----------------------------------------------------- */

/* The numbering is part of the ABI: values are only ever appended. */
typedef enum ingot_dtype {
  INGOT_DTYPE_F32 = 0,
  INGOT_DTYPE_F64 = 1,
  INGOT_DTYPE_I32 = 2,
  INGOT_DTYPE_I64 = 3,
  INGOT_DTYPE_BOOL = 4, /* one byte, 0 or 1 */
  INGOT_DTYPE_F16 = 5,
  INGOT_DTYPE_BF16 = 6,
  INGOT_DTYPE_I8 = 7,
  INGOT_DTYPE_I16 = 8,
  INGOT_DTYPE_U8 = 9,
  INGOT_DTYPE_U16 = 10,
  INGOT_DTYPE_U32 = 11,
  INGOT_DTYPE_U64 = 12
} ingot_dtype;

/* "f32", "i64", ...; "?" for a value outside the enum. */
INGOT_API const char* ingot_dtype_name(ingot_dtype dtype);
/* Bytes per element; 0 for a value outside the enum. */
INGOT_API size_t ingot_dtype_size(ingot_dtype dtype);

/* ---- Runtime and devices ---------------------------------------------- */

typedef struct ingot_runtime_options ingot_runtime_options;
typedef struct ingot_runtime ingot_runtime;

/* Defaults: device "auto", threads 0. */
INGOT_API ingot_status* ingot_runtime_options_create(ingot_runtime_options** out);
INGOT_API void ingot_runtime_options_destroy(ingot_runtime_options* options);
/* Worker threads of CPU devices, the calling thread included; 0 means the
 * environment variable INGOT_THREADS when set, else every online CPU. */
INGOT_API ingot_status* ingot_runtime_options_set_threads(ingot_runtime_options* options, uint32_t threads);
/* Which device models run on:
 *   "auto"        for each model, the first device of the first backend the
 *                 artifact has code for (in the artifact's order);
 *   "llvm", "vulkan:0", "opencl:1"   a backend and a device index (default 0);
 *   anything else a case-insensitive substring of a device's name.
 * An explicit choice is checked when the runtime is created. */
INGOT_API ingot_status* ingot_runtime_options_set_device(ingot_runtime_options* options, const char* device);

/* `options` may be NULL (defaults); it is copied, and may be destroyed after. */
INGOT_API ingot_status* ingot_runtime_create(const ingot_runtime_options* options, ingot_runtime** out);
/* Every model loaded through the runtime must be destroyed first. */
INGOT_API void ingot_runtime_destroy(ingot_runtime* runtime);

typedef struct ingot_device_info {
  const char* backend;     /* "llvm", "vulkan", "opencl" */
  const char* name;        /* the driver's device name */
  int32_t index;           /* among the backend's devices: "vulkan:<index>" */
  const char* description; /* one line: vendor, driver, threads, ... */
  int32_t can_run_models;  /* 0: listed, but this build cannot load code for its backend yet */
} ingot_device_info;

/* Every device of every backend this build knows (a backend without a
 * driver has none). The first call enumerates them (Vulkan: creating an
 * instance takes some milliseconds). */
INGOT_API ingot_status* ingot_runtime_device_count(ingot_runtime* runtime, size_t* count);
/* The strings stay valid until the runtime is destroyed. */
INGOT_API ingot_status* ingot_runtime_device_info(ingot_runtime* runtime, size_t index, ingot_device_info* out);

/* ---- Tensors ----------------------------------------------------------- */

typedef struct ingot_tensor ingot_tensor;

/* A tensor owning zero-filled memory (64-byte aligned). `dims` may be NULL
 * when rank is 0 (a scalar: one element). */
INGOT_API ingot_status* ingot_tensor_create(ingot_dtype dtype, const int64_t* dims, size_t rank,
                                            ingot_tensor** out);
/* A tensor over caller memory, without copying it: `data` (of at least
 * `byte_size` bytes, C order, any alignment) must stay valid until the tensor
 * is destroyed, and is never freed by ingot. Runs read inputs from it and
 * write outputs into it directly. */
INGOT_API ingot_status* ingot_tensor_wrap(ingot_dtype dtype, const int64_t* dims, size_t rank, void* data,
                                          size_t byte_size, ingot_tensor** out);
INGOT_API void ingot_tensor_destroy(ingot_tensor* tensor);
INGOT_API void* ingot_tensor_data(ingot_tensor* tensor);
INGOT_API size_t ingot_tensor_byte_size(const ingot_tensor* tensor);
INGOT_API ingot_dtype ingot_tensor_dtype(const ingot_tensor* tensor);
INGOT_API size_t ingot_tensor_rank(const ingot_tensor* tensor);
/* `rank` entries; NULL for a scalar or a NULL tensor. */
INGOT_API const int64_t* ingot_tensor_dims(const ingot_tensor* tensor);
INGOT_API int64_t ingot_tensor_element_count(const ingot_tensor* tensor);

/* ---- Models ------------------------------------------------------------ */

typedef struct ingot_model ingot_model;

/* Reads and checks the whole artifact (a corrupt or truncated file is an
 * error naming the file), chooses the device (see set_device) and loads the
 * code for it. */
INGOT_API ingot_status* ingot_model_load_file(ingot_runtime* runtime, const char* path, ingot_model** out);
/* The same from bytes in memory. The bytes are copied: they may be freed as
 * soon as the call returns. */
INGOT_API ingot_status* ingot_model_load_memory(ingot_runtime* runtime, const void* data, size_t size,
                                                ingot_model** out);
INGOT_API void ingot_model_destroy(ingot_model* model);

/* The device the model runs on (strings valid while the runtime lives). */
INGOT_API ingot_status* ingot_model_device(const ingot_model* model, ingot_device_info* out);

/* Entry points: "infer", and for training artifacts "train_step" and
 * "eval_step". Wherever an entry name is asked for, NULL means "infer". */
INGOT_API size_t ingot_model_entry_count(const ingot_model* model);
/* NULL when out of range. */
INGOT_API const char* ingot_model_entry_name(const ingot_model* model, size_t index);

typedef struct ingot_tensor_info {
  const char* name;
  ingot_dtype dtype;
  size_t rank;
  const int64_t* dims; /* `rank` entries */
} ingot_tensor_info;

/* An entry point's signature, in order. Strings and dims stay valid until
 * the model is destroyed. */
INGOT_API ingot_status* ingot_model_input_count(const ingot_model* model, const char* entry, size_t* count);
INGOT_API ingot_status* ingot_model_input_info(const ingot_model* model, const char* entry, size_t index,
                                               ingot_tensor_info* out);
INGOT_API ingot_status* ingot_model_output_count(const ingot_model* model, const char* entry, size_t* count);
INGOT_API ingot_status* ingot_model_output_info(const ingot_model* model, const char* entry, size_t index,
                                                ingot_tensor_info* out);

/* A tensor bound to a signature name for one run. */
typedef struct ingot_binding {
  const char* name;
  ingot_tensor* tensor;
} ingot_binding;

/* Runs an entry point: reads every input (all of the entry's inputs must
 * be bound, each once, with its exact dtype and shape), runs it, and writes
 * the requested outputs (any subset, by name) into the given tensors, which
 * must have the output's dtype and shape. An error names the input or
 * output, expected vs got. Persistent state (weights, optimizer moments) is
 * shared by the entry points: after a train_step, infer and eval_step use
 * the updated weights.
 *
 * Copies. On the CPU, tensor memory aligned to 16 bytes (all of
 * ingot_tensor_create's, and malloc's) is used in place: kernels read the
 * inputs from it and write the outputs into it, with no copy. Other memory,
 * an output overlapping another bound tensor, and GPU devices cost one copy
 * in (inputs) and one out (outputs). Either way an input is only read, and
 * after a failed run an output's contents are unspecified.
 *
 * This resolves the entry and the names at every call; ingot_entry_run
 * below is the same run without those look-ups. */
INGOT_API ingot_status* ingot_model_run(ingot_model* model, const char* entry, const ingot_binding* inputs,
                                        size_t num_inputs, const ingot_binding* outputs, size_t num_outputs);

/* An entry point resolved once, for running it many times. It belongs to
 * the model (there is no destroy; it is valid until the model is destroyed)
 * and follows the model's thread-safety rules. */
typedef struct ingot_entry ingot_entry;

/* The entry point `name` (NULL: "infer"); an error names the entries there are. */
INGOT_API ingot_status* ingot_model_get_entry(ingot_model* model, const char* name, ingot_entry** out);
/* Its name (NULL for NULL); valid while the model lives. */
INGOT_API const char* ingot_entry_name(const ingot_entry* entry);
/* ingot_model_run with tensors bound by position in the entry's signature
 * (ingot_model_input_info / output_info order) instead of by name:
 * `inputs` has exactly one tensor per input; `outputs` up to one per
 * output, in order, with NULL (or a shorter array) for outputs not wanted.
 * Same checks (dtype and shape of every tensor), copies and state rules as
 * ingot_model_run; no name look-up and no allocation per run. */
INGOT_API ingot_status* ingot_entry_run(ingot_entry* entry, ingot_tensor* const* inputs, size_t num_inputs,
                                        ingot_tensor* const* outputs, size_t num_outputs);

/* Persistent state (weights, optimizer moments, step counts): every state
 * tensor of every entry point once, in order. Strings and dims stay valid
 * until the model is destroyed. */
INGOT_API size_t ingot_model_state_count(const ingot_model* model);
INGOT_API ingot_status* ingot_model_state_info(const ingot_model* model, size_t index, ingot_tensor_info* out);

/* A persistent state tensor as it is now, as a new owned tensor. */
INGOT_API ingot_status* ingot_model_read_state(ingot_model* model, const char* name, ingot_tensor** out);
/* Overwrites a persistent state tensor with `value` (copied; its exact
 * dtype and shape), e.g. weights read from another model: every entry
 * point's later runs see it. */
INGOT_API ingot_status* ingot_model_write_state(ingot_model* model, const char* name, const ingot_tensor* value);

/* Writes the ONNX model the artifact was compiled from, with its
 * initializers replaced by the model's current weights (after training).
 * Everything else is the original file's bytes. Fails when the artifact
 * carries no ONNX model (compiled from text IR). */
INGOT_API ingot_status* ingot_model_save_onnx(ingot_model* model, const char* path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INGOT_INGOT_H */
