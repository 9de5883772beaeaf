// Text-IR graphs that the C-like backends' tests (vulkan_backend_test,
// opencl_test) both run against the reference, defined once.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace ingot::clike_test {

// Sets an environment variable for one scope and restores what was there:
// the work-group reduction form is opt-in through one.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

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

// Reductions that take the work-group reduction form (few outputs, long
// reductions: clike::Emitter::groupReductionLanes) -- sums over 1000 and
// 100000 elements (64 and 256 lanes), a fused producer, softmax and
// log-softmax over long rows, reductions over a non-innermost axis and over
// two axes (a flattened nest), extents that are no multiple of the lanes --
// next to ones that keep the point form (a reduced extent of 1, many
// outputs of a short reduction).
inline constexpr const char* kGroupReductionGraph = R"(graph @groupred {
  input %x : f32[3,1000]
  input %big : f32[100000]
  input %cols : f32[300,4]
  input %cube : f32[20,3,30]
  input %row : f32[2,5000]
  input %one : f32[700,1]
  %s = ReduceSum(%x) {axes = [1], keepdims = 0} : f32[3]
  %e = Exp(%x) : f32[3,1000]
  %l = ReduceLogSum(%e) {axes = [1], keepdims = 1} : f32[3,1]
  %b = ReduceSum(%big) {axes = [0], keepdims = 0} : f32[]
  %c = ReduceMean(%cols) {axes = [0], keepdims = 0} : f32[4]
  %q = ReduceSumSquare(%cube) {axes = [0, 2], keepdims = 1} : f32[1,3,1]
  %y = Softmax(%row) {axis = 1} : f32[2,5000]
  %z = LogSoftmax(%row) {axis = 1} : f32[2,5000]
  %o = ReduceSum(%one) {axes = [1], keepdims = 0} : f32[700]
  %t = ReduceMax(%cols) {axes = [1], keepdims = 0} : f32[300]
  output %s, %l, %b, %c, %q, %y, %z, %o, %t
})";

// Max and Min in the work-group form with NaNs in the input (the tests put
// one at each kNanAt element of %n): a NaN anywhere in a row makes the row's
// result NaN, whichever lane reads it.
inline constexpr const char* kGroupReductionNanGraph = R"(graph @groupnan {
  input %n : f32[3,2000]
  %mx = ReduceMax(%n) {axes = [1], keepdims = 0} : f32[3]
  %mn = ReduceMin(%n) {axes = [1], keepdims = 0} : f32[3]
  output %mx, %mn
})";
inline constexpr int64_t kNanAt[] = {777, 3999};

// Integer reductions in the work-group form are exact: i32 sums and maxima,
// an i64 sum (the vulkan backend keeps it in the point form: no 64-bit
// integer crosses a barrier there), a u8 sum that wraps (8-bit values are
// widened in local memory) and an i16 minimum.
inline constexpr const char* kGroupReductionIntGraph = R"(graph @groupint {
  input %a : i32[2,5000]
  input %w : i64[4000]
  input %u : u8[3,300]
  input %h : i16[300,2]
  %s = ReduceSum(%a) {axes = [1], keepdims = 0} : i32[2]
  %m = ReduceMax(%a) {axes = [1], keepdims = 0} : i32[2]
  %ws = ReduceSum(%w) {axes = [0], keepdims = 0} : i64[]
  %us = ReduceSum(%u) {axes = [1], keepdims = 0} : u8[3]
  %hm = ReduceMin(%h) {axes = [0], keepdims = 0} : i16[2]
  output %s, %m, %ws, %us, %hm
})";

// f64 sums and softmax in the work-group form (on devices with doubles).
inline constexpr const char* kGroupReductionF64Graph = R"(graph @groupf64 {
  input %x : f64[2,3000]
  %s = ReduceSum(%x) {axes = [1], keepdims = 0} : f64[2]
  %y = Softmax(%x) {axis = 1} : f64[2,3000]
  output %s, %y
})";

}  // namespace ingot::clike_test
