// The OpenCL backend (issue 8). Compiler side: the shared pipeline
// (backends/common: passes, fusion, lowering, memory planning), then every
// dispatch becomes an OpenCL C program (OpenClSource.h). The device builds
// the programs (OpenClDevice.h: libOpenCL.so.1 loaded with dlopen), so
// compiling needs no OpenCL driver.
//
// Dispatches without a loop-level form (opaque ops: TopK, NMS, ...) cannot
// run on an OpenCL device -- there is no library kernel for them there -- so
// compiling a graph that has one fails with an Unsupported status naming
// the op (the conformance runners report such cases as unsupported on
// opencl).
#pragma once

#include <string>

#include "backends/opencl/OpenClDevice.h"
#include "backends/opencl/OpenClExecutable.h"
#include "backends/opencl/OpenClSource.h"
#include "ir/Graph.h"
#include "ir/kernel/Kernel.h"
#include "runtime/Artifact.h"
#include "runtime/Plan.h"

namespace ingot::backends::opencl {

// One dispatch as a kernel of the executable; Unsupported for opaque
// dispatches and what OpenCL C cannot express.
Expected<OpenClKernel> compileDispatch(const kir::Dispatch& d, const ClOptions& options = {});

Expected<rt::Program> compileGraph(const ir::Graph& g);
Expected<rt::Program> compileGraph(const ir::Graph& g, const ClOptions& options);
// An artifact entry point (runtime/Artifact.h) for backend "opencl": the
// plan and the encoded kernels (encodeOpenClCode).
Expected<rt::EntryCode> compileArtifactCode(const ir::Graph& g);

// Every dispatch's OpenCL C source (`ingot compile --target opencl --emit
// cl`), each under a comment line naming the dispatch and its launch;
// unsupported dispatches are listed as such instead of failing the listing.
Expected<std::string> emitSources(const ir::Graph& g);

}  // namespace ingot::backends::opencl
