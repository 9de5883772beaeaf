// The OpenCL entry points the device uses, loaded at run time from
// libOpenCL.so.1 (the ICD loader) with dlopen: nothing links against it, so a
// machine without OpenCL gets a message from `ingot devices`, not a failed
// start. Types and prototypes (used only through decltype) come from the
// Khronos headers, targeting OpenCL 1.2.
#pragma once

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <string>

#include "support/Status.h"

namespace ingot::backends::opencl {

#define INGOT_CL_FNS(X)                                                                                      \
  X(clGetPlatformIDs) X(clGetPlatformInfo) X(clGetDeviceIDs) X(clGetDeviceInfo) X(clCreateContext)           \
  X(clReleaseContext) X(clCreateCommandQueue) X(clReleaseCommandQueue) X(clCreateBuffer) X(clReleaseMemObject) \
  X(clEnqueueWriteBuffer) X(clEnqueueReadBuffer) X(clEnqueueCopyBuffer) X(clCreateProgramWithSource)          \
  X(clCreateProgramWithBinary) X(clBuildProgram) X(clGetProgramBuildInfo) X(clGetProgramInfo)                 \
  X(clReleaseProgram) X(clCreateKernel) X(clReleaseKernel) X(clSetKernelArg) X(clGetKernelWorkGroupInfo)      \
  X(clEnqueueNDRangeKernel) X(clFinish) X(clWaitForEvents) X(clGetEventInfo) X(clReleaseEvent)

#define INGOT_CL_DECLARE(name) decltype(&::name) name = nullptr;

// Process-wide: the loader library and its functions (loaded once, never
// unloaded: ICDs such as PoCL do not survive dlclose well).
struct ClFns {
  INGOT_CL_FNS(INGOT_CL_DECLARE)
};

// The loader, or why it cannot be used ("libOpenCL.so.1 not found: ...").
Expected<const ClFns*> loadOpenCl();

// "CL_OUT_OF_RESOURCES" and friends, for messages.
std::string clErrorName(cl_int err);

}  // namespace ingot::backends::opencl
