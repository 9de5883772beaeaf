// The compiled artifact (`.ingot` file): what `ingot compile -o` writes and
// the runtime loads without the compiler. docs/ARTIFACT.md describes the
// byte layout; in short: a versioned header, a section table, and sections
// each bounds-checked and CRC-32-checked on load:
//   "meta"      the producer, the source model's name, the entry points
//               (each: one plan per target backend, code section names)
//   "weights"   every Constant/State buffer's initial bytes, 64-byte
//               aligned, identical tensors stored once
//   "code:<entry>:<backend>"  a backend's executable, in that backend's
//               own encoding (runtime/CpuCode.h for "llvm"; each device
//               library defines its own)
//   "onnx"      (optional) the source ONNX model, so trained weights can be
//               written back as an ONNX file (runtime/OnnxWeights.h)
// A corrupt, truncated or foreign file is an InvalidInput error naming the
// file and what is wrong (section, offset, expected vs got); never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/Plan.h"
#include "support/Status.h"

namespace ingot::rt {

inline constexpr uint32_t kArtifactVersion = 1;
// The conventional entry point names.
inline constexpr std::string_view kInferEntry = "infer";
inline constexpr std::string_view kTrainStepEntry = "train_step";
inline constexpr std::string_view kEvalStepEntry = "eval_step";

// One entry point compiled for one backend: the plan and the backend's
// executable bytes (opaque here; a CodeLoader turns them into an Executable).
struct EntryCode {
  std::string backend;  // "llvm", "vulkan", "opencl"
  Plan plan;            // initialData filled
  std::string code;
};

struct EntryPoint {
  std::string name;
  std::vector<EntryCode> targets;
  const EntryCode* target(std::string_view backend) const;
};

// Everything an artifact holds, in memory.
struct ArtifactContents {
  std::string producer;  // "ingot 0.1.0"
  std::string model;     // the source model's file name
  std::vector<EntryPoint> entries;
  std::string onnx;      // the source ONNX model's bytes, or empty
  const EntryPoint* entry(std::string_view name) const;
  // The backends every entry point has code for, in the first entry's order.
  std::vector<std::string> backends() const;
};

// The file's bytes. Deterministic: the same contents give the same bytes.
Expected<std::string> serializeArtifact(const ArtifactContents& contents);
// Parses and checks every section; `source` names the file in errors.
Expected<ArtifactContents> parseArtifact(std::span<const std::byte> bytes, const std::string& source);
Expected<ArtifactContents> readArtifactFile(const std::string& path);
// Whether `bytes` start with the artifact magic (to tell artifacts from
// model files without trusting the file name).
bool looksLikeArtifact(std::span<const std::byte> bytes);

}  // namespace ingot::rt
