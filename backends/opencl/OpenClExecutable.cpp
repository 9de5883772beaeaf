#include "backends/opencl/OpenClExecutable.h"

#include "support/ByteStream.h"

namespace ingot::backends::opencl {

std::string featureNames(uint32_t f) {
  std::string s;
  if (f & kFloat64) s += "cl_khr_fp64";
  if (f & kInt64) s += std::string(s.empty() ? "" : ", ") + "64-bit integers";
  return s;
}

namespace {
constexpr uint32_t kOpenClCodeVersion = 1;
}  // namespace

std::string encodeOpenClCode(const OpenClExecutable& exe) {
  ByteWriter w;
  w.u32(kOpenClCodeVersion);
  w.u64(exe.kernels().size());
  for (const OpenClKernel& k : exe.kernels()) {
    w.str(k.name);
    w.str(k.entry);
    w.str(k.source);
    w.u64(k.bindingBytes.size());
    for (size_t b = 0; b < k.bindingBytes.size(); ++b) {
      w.u64(k.bindingBytes[b]);
      w.u32(b < k.elementBytes.size() ? k.elementBytes[b] : 0);
      w.u8(b < k.writes.size() && k.writes[b] ? 1 : 0);
    }
    w.u64(k.invocations);
    w.u32(k.localSize);
    w.u8(k.fixedLocalSize ? 1 : 0);
    w.u32(k.features);
  }
  return std::move(w.bytes());
}

Expected<std::shared_ptr<const rt::Executable>> loadOpenClCode(std::string_view bytes, const rt::Plan& plan) {
  ByteReader r(bytes, "opencl code");
  const uint32_t version = r.u32("version");
  if (r.ok() && version != kOpenClCodeVersion)
    return invalidInput("opencl code: encoding version {}, this runtime reads {}", version, kOpenClCodeVersion);
  std::vector<OpenClKernel> kernels;
  const uint64_t n = r.count("kernels", 8 * 4 + 8 + 4 + 1 + 4);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    OpenClKernel k;
    k.name = r.str("kernel name");
    k.entry = r.str("kernel entry");
    k.source = r.str("kernel source");
    const uint64_t nb = r.count("bindings", 13);
    for (uint64_t b = 0; b < nb; ++b) {
      k.bindingBytes.push_back(r.u64("binding bytes"));
      k.elementBytes.push_back(r.u32("element bytes"));
      k.writes.push_back(r.u8("binding writes") != 0);
    }
    k.invocations = r.u64("invocations");
    k.localSize = r.u32("local size");
    k.fixedLocalSize = r.u8("fixed local size") != 0;
    k.features = r.u32("features");
    if (r.ok() && (k.entry.empty() || k.localSize == 0 || k.localSize > 65536))
      r.fail(fmt::format("kernel {}: entry '{}', local size {}", k.name, k.entry, k.localSize));
    for (uint32_t e : k.elementBytes)
      if (r.ok() && e != 1 && e != 2 && e != 4 && e != 8) r.fail(fmt::format("kernel {}: element size {}", k.name, e));
    kernels.push_back(std::move(k));
  }
  INGOT_RETURN_IF_ERROR(r.finish());
  auto exe = std::make_shared<OpenClExecutable>(std::move(kernels));
  INGOT_RETURN_IF_ERROR(plan.validate(exe->numKernels()));
  return std::shared_ptr<const rt::Executable>(std::move(exe));
}

}  // namespace ingot::backends::opencl
