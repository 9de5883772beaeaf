#include "runtime/CpuCode.h"

#include <dlfcn.h>

#include "runtime/ElfLoader.h"
#include "runtime/HostDevice.h"
#include "support/ByteStream.h"

namespace ingot::rt {

namespace {

constexpr uint32_t kCpuCodeVersion = 1;

struct CpuFeature {
  const char* name;  // LLVM's spelling, which the compiler records
  bool (*present)();
};

// __builtin_cpu_supports needs a literal argument, hence one entry each.
#if defined(__x86_64__)
#define INGOT_X86_FEATURE(name) {name, [] { return bool(__builtin_cpu_supports(name)); }}
const CpuFeature kFeatures[] = {
    INGOT_X86_FEATURE("sse3"),     INGOT_X86_FEATURE("ssse3"),    INGOT_X86_FEATURE("sse4.1"),
    INGOT_X86_FEATURE("sse4.2"),   INGOT_X86_FEATURE("popcnt"),   INGOT_X86_FEATURE("avx"),
    INGOT_X86_FEATURE("avx2"),     INGOT_X86_FEATURE("fma"),      INGOT_X86_FEATURE("bmi"),
    INGOT_X86_FEATURE("bmi2"),     INGOT_X86_FEATURE("avx512f"),  INGOT_X86_FEATURE("avx512bw"),
    INGOT_X86_FEATURE("avx512dq"), INGOT_X86_FEATURE("avx512vl"), INGOT_X86_FEATURE("avx512cd"),
};
#undef INGOT_X86_FEATURE
#else
const CpuFeature kFeatures[] = {{"x86-64", [] { return false; }}};
#endif

// Libraries kept open while code that calls into them is loaded.
struct LibraryHandles {
  std::vector<void*> handles;
  ~LibraryHandles() {
    for (void* h : handles) ::dlclose(h);
  }
};

// External functions the generated code calls: the C library and libm
// (already in the process) and glibc's vector math library libmvec (opened
// here when the code uses it: its symbols are _ZGV...).
void* resolveExternal(const std::string& name, LibraryHandles& libs) {
  if (void* p = ::dlsym(RTLD_DEFAULT, name.c_str())) return p;
  for (const char* lib : {"libm.so.6", "libmvec.so.1"}) {
    void* h = ::dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    if (void* p = ::dlsym(h, name.c_str())) {
      libs.handles.push_back(h);
      return p;
    }
    ::dlclose(h);
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& checkedCpuFeatures() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const CpuFeature& f : kFeatures) out.push_back(f.name);
    return out;
  }();
  return names;
}

std::vector<std::string> missingCpuFeatures(const std::vector<std::string>& features) {
  std::vector<std::string> missing;
  for (const std::string& want : features) {
    bool have = false;
    for (const CpuFeature& f : kFeatures)
      if (want == f.name) have = f.present();
    if (!have) missing.push_back(want);
  }
  return missing;
}

std::string encodeCpuCode(const CpuCode& code) {
  ByteWriter w;
  w.u32(kCpuCodeVersion);
  w.str(code.cpu);
  w.u64(code.features.size());
  for (const std::string& f : code.features) w.str(f);
  w.u8(code.flushDenormals ? 1 : 0);
  w.str(code.object);
  w.u64(code.kernels.size());
  for (const NativeKernelInfo& k : code.kernels) {
    w.str(k.name);
    w.str(k.symbol);
    w.u64(k.bindingBytes.size());
    for (uint64_t b : k.bindingBytes) w.u64(b);
    w.i64(k.units);
    w.f64(k.nsPerUnit);
    w.u64(k.scratchBytes);
  }
  return std::move(w.bytes());
}

Expected<CpuCode> decodeCpuCode(std::string_view bytes) {
  ByteReader r(bytes, "llvm code");
  CpuCode c;
  const uint32_t version = r.u32("version");
  if (r.ok() && version != kCpuCodeVersion)
    return invalidInput("llvm code: encoding version {}, this runtime reads {}", version, kCpuCodeVersion);
  c.cpu = r.str("cpu");
  const uint64_t nf = r.count("features", 8);
  for (uint64_t i = 0; i < nf; ++i) c.features.push_back(r.str("feature"));
  c.flushDenormals = r.u8("flush denormals") != 0;
  c.object = r.str("object");
  const uint64_t nk = r.count("kernels", 8 * 7);
  for (uint64_t i = 0; i < nk && r.ok(); ++i) {
    NativeKernelInfo k;
    k.name = r.str("kernel name");
    k.symbol = r.str("kernel symbol");
    const uint64_t nb = r.count("bindings", 8);
    for (uint64_t b = 0; b < nb; ++b) k.bindingBytes.push_back(r.u64("binding bytes"));
    k.units = r.i64("units");
    k.nsPerUnit = r.f64("cost");
    k.scratchBytes = r.u64("scratch bytes");
    if (r.ok() && (k.units < 0 || k.scratchBytes > (1ull << 32)))
      r.fail(fmt::format("kernel {}: {} units, {} scratch bytes", k.name, k.units, k.scratchBytes));
    c.kernels.push_back(std::move(k));
  }
  INGOT_RETURN_IF_ERROR(r.finish());
  return c;
}

Expected<std::shared_ptr<const Executable>> loadCpuCode(std::string_view bytes, const Plan& plan) {
  INGOT_ASSIGN_OR_RETURN(CpuCode code, decodeCpuCode(bytes));
  const std::vector<std::string> missing = missingCpuFeatures(code.features);
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    return unsupported("the code was compiled for CPU '{}' and uses {}, which this CPU lacks (recompile with "
                       "--cpu x86-64-v2 or an older CPU name)",
                       code.cpu, list);
  }
  auto libs = std::make_shared<LibraryHandles>();
  INGOT_ASSIGN_OR_RETURN(
      std::shared_ptr<const LoadedObject> object,
      loadElfObject(code.object, [&](const std::string& name) { return resolveExternal(name, *libs); },
                    "llvm code"));
  std::vector<std::string> names;
  std::vector<HostKernel> kernels;
  for (NativeKernelInfo& k : code.kernels) {
    if (k.symbol.empty())
      return unsupported("dispatch {} has no native code (an op without a loop-level form)", k.name);
    auto fn = reinterpret_cast<NativeKernelFn>(object->symbol(k.symbol));
    if (!fn) return invalidInput("llvm code: dispatch {}: the object defines no symbol '{}'", k.name, k.symbol);
    names.push_back(k.name);
    // Each kernel keeps the code and the libraries it calls alive.
    kernels.push_back([fn, info = std::move(k), flush = code.flushDenormals, object, libs](const HostKernelArgs& a) {
      return runNativeKernel(fn, info, flush, a.bindings, a.bindingBytes, a.pool);
    });
  }
  auto exe = std::make_shared<HostExecutable>("llvm", std::move(names), std::move(kernels));
  INGOT_RETURN_IF_ERROR(plan.validate(exe->numKernels()));
  return std::shared_ptr<const Executable>(std::move(exe));
}

}  // namespace ingot::rt
