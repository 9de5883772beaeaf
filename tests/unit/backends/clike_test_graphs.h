// Text-IR graphs that the C-like backends' tests (vulkan_backend_test,
// opencl_test) both run against the reference, defined once.
#pragma once

namespace ingot::clike_test {

// Index arithmetic is 32-bit where it provably fits (clike::Emitter); i64
// tensor values -- Gather indices as loaded, negative ones counting from the
// end, i64 arithmetic, ArgMax's result -- stay 64-bit.
inline constexpr const char* kI64IndexGraph = R"(graph @idx {
  input %x : f32[40,3]
  input %i : i64[12]
  input %j : i32[5,2]
  %g = Gather(%x, %i) {axis = 0} : f32[12,3]
  %h = Gather(%x, %j) {axis = 0} : f32[5,2,3]
  %a = ArgMax(%g) {axis = 0, keepdims = 0} : i64[3]
  %p = Mul(%i, %i) : i64[12]
  %q = Sub(%p, %i) : i64[12]
  output %g, %h, %a, %q
})";

}  // namespace ingot::clike_test
