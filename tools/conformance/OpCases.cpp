#include "tools/conformance/OpCases.h"

#include <cmath>
#include <random>

namespace ingot::conformance {

namespace {

using A = ir::Attribute;
using I = std::vector<int64_t>;
constexpr DType f32 = DType::F32, f64 = DType::F64, i32 = DType::I32, i64 = DType::I64, b8 = DType::Bool;

InputSpec in(DType t, Shape s, Gen g = Gen::Uniform) { return InputSpec{t, std::move(s), g}; }
// Class indices in [0, classes).
InputSpec classIndex(DType t, Shape s, int64_t classes) { return InputSpec{t, std::move(s), Gen::ClassIndex, classes}; }

std::vector<OpCase> buildCases() {
  std::vector<OpCase> cases = {
      // Elementwise and broadcasting arithmetic.
      {"Add/same_shape", "Add", {}, {in(f32, {3, 4}), in(f32, {3, 4})}},
      {"Add/broadcast_row", "Add", {}, {in(f32, {2, 3, 4}), in(f32, {4})}},
      {"Add/broadcast_both", "Add", {}, {in(f32, {3, 1}), in(f32, {1, 5})}},
      {"Add/f64", "Add", {}, {in(f64, {5}), in(f64, {5})}},
      {"Add/i64", "Add", {}, {in(i64, {2, 3}), in(i64, {3})}},
      {"Add/scalar", "Add", {}, {in(f32, {}), in(f32, {2, 2})}},
      {"Sub/broadcast", "Sub", {}, {in(f32, {4, 1}), in(f32, {3})}},
      {"Sub/i32", "Sub", {}, {in(i32, {6}), in(i32, {6})}},
      {"Mul/broadcast", "Mul", {}, {in(f32, {2, 1, 3}), in(f32, {4, 1})}},
      {"Mul/i32", "Mul", {}, {in(i32, {2, 3}), in(i32, {2, 3})}},
      {"Div/f32", "Div", {}, {in(f32, {3, 4}), in(f32, {3, 4}, Gen::NonZero)}},
      {"Div/i64", "Div", {}, {in(i64, {7}), in(i64, {7}, Gen::NonZero)}},
      {"Neg/f32", "Neg", {}, {in(f32, {3, 5})}},
      {"Neg/i64", "Neg", {}, {in(i64, {4})}},
      {"Abs/f32", "Abs", {}, {in(f32, {17})}},
      {"Abs/i32", "Abs", {}, {in(i32, {9})}},
      {"Exp/f32", "Exp", {}, {in(f32, {4, 4})}},
      {"Exp/f64", "Exp", {}, {in(f64, {6})}},
      {"Log/f32", "Log", {}, {in(f32, {10}, Gen::Positive)}},
      {"Sqrt/f32", "Sqrt", {}, {in(f32, {3, 3}, Gen::Positive)}},
      {"Pow/f32", "Pow", {}, {in(f32, {2, 3}, Gen::Positive), in(f32, {3}, Gen::Uniform)}},
      {"Pow/scalar_exponent", "Pow", {}, {in(f32, {5}, Gen::Positive), in(f32, {}, Gen::Small)}},
      {"Reciprocal/f32", "Reciprocal", {}, {in(f32, {8}, Gen::NonZero)}},
      // Activations.
      {"Relu/f32", "Relu", {}, {in(f32, {4, 8})}},
      {"Relu/f64", "Relu", {}, {in(f64, {7})}},
      {"LeakyRelu/default", "LeakyRelu", {}, {in(f32, {3, 4})}},
      {"LeakyRelu/alpha", "LeakyRelu", {{"alpha", A(0.2f)}}, {in(f32, {3, 4})}},
      {"Sigmoid/f32", "Sigmoid", {}, {in(f32, {2, 9})}},
      {"Tanh/f32", "Tanh", {}, {in(f32, {2, 9})}},
      {"Erf/f32", "Erf", {}, {in(f32, {16})}},
      {"Gelu/exact", "Gelu", {}, {in(f32, {3, 7})}},
      {"Gelu/tanh", "Gelu", {{"approximate", A("tanh")}}, {in(f32, {3, 7})}},
      {"Softmax/last_axis", "Softmax", {}, {in(f32, {4, 10})}},
      {"Softmax/axis0", "Softmax", {{"axis", A(0)}}, {in(f32, {3, 4, 5})}},
      {"Softmax/middle_axis", "Softmax", {{"axis", A(1)}}, {in(f32, {2, 3, 4})}},
      {"LogSoftmax/last_axis", "LogSoftmax", {}, {in(f32, {4, 10})}},
      {"LogSoftmax/axis1_f64", "LogSoftmax", {{"axis", A(1)}}, {in(f64, {2, 5, 3})}},
      // Contractions.
      {"MatMul/2d", "MatMul", {}, {in(f32, {5, 7}), in(f32, {7, 3})}},
      {"MatMul/vector_matrix", "MatMul", {}, {in(f32, {7}), in(f32, {7, 3})}},
      {"MatMul/matrix_vector", "MatMul", {}, {in(f32, {4, 7}), in(f32, {7})}},
      {"MatMul/batched", "MatMul", {}, {in(f32, {2, 3, 4, 5}), in(f32, {2, 3, 5, 2})}},
      {"MatMul/batch_broadcast", "MatMul", {}, {in(f32, {3, 4, 5}), in(f32, {5, 6})}},
      {"MatMul/i64", "MatMul", {}, {in(i64, {3, 4}), in(i64, {4, 2})}},
      {"Gemm/plain", "Gemm", {}, {in(f32, {4, 6}), in(f32, {6, 3}), std::nullopt}},
      {"Gemm/bias_row", "Gemm", {}, {in(f32, {4, 6}), in(f32, {6, 3}), in(f32, {3})}},
      {"Gemm/transposed_scaled", "Gemm",
       {{"alpha", A(0.5f)}, {"beta", A(2.0f)}, {"transA", A(1)}, {"transB", A(1)}},
       {in(f32, {6, 4}), in(f32, {3, 6}), in(f32, {4, 3})}},
      {"Gemm/bias_column", "Gemm", {{"transB", A(1)}}, {in(f32, {5, 8}), in(f32, {2, 8}), in(f32, {5, 1})}},
      {"Gemm/f64", "Gemm", {}, {in(f64, {3, 3}), in(f64, {3, 3}), in(f64, {})}},
      // Shape manipulation.
      {"Identity/f32", "Identity", {}, {in(f32, {2, 3})}},
      {"Dropout/inference", "Dropout", {}, {in(f32, {3, 3})}},
      {"Reshape/infer_dim", "Reshape", {{"shape", A(I{3, -1})}}, {in(f32, {2, 3, 2})}},
      {"Reshape/copy_dim", "Reshape", {{"shape", A(I{0, 6})}}, {in(f32, {2, 3, 2})}},
      {"Flatten/default", "Flatten", {}, {in(f32, {2, 3, 4})}},
      {"Flatten/axis0", "Flatten", {{"axis", A(0)}}, {in(f32, {2, 3})}},
      {"Flatten/negative_axis", "Flatten", {{"axis", A(-1)}}, {in(f32, {2, 3, 4})}},
      {"Transpose/default", "Transpose", {}, {in(f32, {2, 3, 4})}},
      {"Transpose/perm", "Transpose", {{"perm", A(I{1, 0, 2})}}, {in(f32, {2, 3, 4})}},
      {"Transpose/i64_4d", "Transpose", {{"perm", A(I{3, 1, 0, 2})}}, {in(i64, {2, 3, 1, 4})}},
      {"Squeeze/axes", "Squeeze", {{"axes", A(I{1})}}, {in(f32, {3, 1, 4})}},
      {"Squeeze/all", "Squeeze", {}, {in(f32, {1, 3, 1})}},
      {"Unsqueeze/two_axes", "Unsqueeze", {{"axes", A(I{0, -1})}}, {in(f32, {3, 4})}},
      {"Concat/axis1", "Concat", {{"axis", A(1)}}, {in(f32, {2, 3}), in(f32, {2, 1}), in(f32, {2, 4})}},
      {"Concat/negative_axis", "Concat", {{"axis", A(-1)}}, {in(i64, {2, 2}), in(i64, {2, 3})}},
      {"Concat/single", "Concat", {{"axis", A(0)}}, {in(f32, {3})}},
      // Reductions.
      {"ReduceSum/all", "ReduceSum", {}, {in(f32, {3, 4})}},
      {"ReduceSum/axis1_keepdims", "ReduceSum", {{"axes", A(I{1})}}, {in(f32, {2, 3, 4})}},
      {"ReduceSum/axes_nokeep", "ReduceSum", {{"axes", A(I{0, 2})}, {"keepdims", A(0)}}, {in(f32, {2, 3, 4})}},
      {"ReduceSum/noop", "ReduceSum", {{"noop_with_empty_axes", A(1)}}, {in(f32, {2, 3})}},
      {"ReduceSum/i64", "ReduceSum", {{"axes", A(I{-1})}}, {in(i64, {3, 5})}},
      {"ReduceMean/last", "ReduceMean", {{"axes", A(I{-1})}, {"keepdims", A(0)}}, {in(f32, {4, 6})}},
      {"ReduceMean/all_f64", "ReduceMean", {}, {in(f64, {3, 3, 2})}},
      {"ReduceMax/axis0", "ReduceMax", {{"axes", A(I{0})}}, {in(f32, {5, 3})}},
      {"ReduceMax/i32", "ReduceMax", {{"axes", A(I{1})}, {"keepdims", A(0)}}, {in(i32, {2, 6})}},
      // Types and shapes.
      {"Cast/f32_to_i64", "Cast", {{"to", A("i64")}}, {in(f32, {8})}},
      {"Cast/i32_to_f32", "Cast", {{"to", A("f32")}}, {in(i32, {2, 4})}},
      {"Cast/f32_to_bool", "Cast", {{"to", A("bool")}}, {in(f32, {6})}},
      {"Cast/bool_to_f64", "Cast", {{"to", A("f64")}}, {in(b8, {5}, Gen::Bool)}},
      {"Shape/full", "Shape", {}, {in(f32, {2, 3, 4})}},
      {"Shape/slice", "Shape", {{"start", A(1)}}, {in(f32, {2, 3, 4})}},
      // Indexing.
      {"Split/sizes", "Split", {{"axis", A(1)}, {"split", A(I{1, 3, 0})}}, {in(f32, {2, 4, 3})}},
      {"Split/num_outputs", "Split", {{"num_outputs", A(3)}}, {in(i64, {7, 2})}},
      {"GatherElements/axis1", "GatherElements", {{"axis", A(1)}}, {in(f32, {3, 4}), in(i64, {3, 2}, Gen::Small)}},
      {"Trilu/upper_k1", "Trilu", {{"k", A(1)}}, {in(f32, {2, 3, 4})}},
      {"Trilu/lower", "Trilu", {{"upper", A(0)}}, {in(i32, {4, 3})}},
      {"Hardmax/last_axis", "Hardmax", {}, {in(f32, {3, 5})}},
      {"Hardmax/axis0", "Hardmax", {{"axis", A(0)}}, {in(f64, {4, 2})}},
      {"CumSum/axis1", "CumSum", {{"axis", A(1)}}, {in(f32, {3, 4})}},
      {"CumSum/reverse_exclusive_i64", "CumSum", {{"axis", A(0)}, {"reverse", A(1)}, {"exclusive", A(1)}},
       {in(i64, {5, 2})}},
      {"OneHot/default_axis", "OneHot", {{"depth", A(4)}}, {in(i64, {2, 3}, Gen::Small), in(f32, {2})}},
      {"OneHot/axis0", "OneHot", {{"depth", A(3)}, {"axis", A(0)}}, {in(i32, {5}, Gen::Small), in(i64, {2})}},
      // Indices in [-5, 5): negative ones wrap, those outside [-3, 3) are hot nowhere.
      {"OneHot/wrap_and_out_of_range", "OneHot", {{"depth", A(3)}}, {in(i64, {12}), in(f32, {2})}},
      // Arg extremes; integer data in [-5, 5) has ties (first, or last with select_last_index).
      {"ArgMax/axis1", "ArgMax", {{"axis", A(1)}}, {in(f32, {3, 5})}},
      {"ArgMax/select_last_ties", "ArgMax", {{"axis", A(1)}, {"select_last_index", A(1)}}, {in(i32, {4, 9})}},
      {"ArgMin/axis0_no_keepdims", "ArgMin", {{"axis", A(0)}, {"keepdims", A(0)}}, {in(i64, {7, 3})}},
      {"EyeLike/k1_f64", "EyeLike", {{"k", A(1)}, {"dtype", A("f64")}}, {in(i32, {3, 4})}},
      {"Pad/constant", "Pad", {{"pads", A(I{1, 0, 2, 1})}}, {in(f32, {2, 3}), in(f32, {})}},
      {"Pad/zero", "Pad", {{"pads", A(I{0, 1, 1, 0})}}, {in(i64, {2, 3})}},
      {"Pad/reflect_axes", "Pad", {{"pads", A(I{2, 1})}, {"axes", A(I{-1})}, {"mode", A("reflect")}},
       {in(f32, {2, 4})}},
      {"Pad/wrap_crop", "Pad", {{"pads", A(I{1, -1, 0, 3})}, {"mode", A("wrap")}}, {in(i32, {3, 2})}},
      {"Pad/edge", "Pad", {{"pads", A(I{0, 2, 1, 0})}, {"mode", A("edge")}}, {in(f32, {2, 2})}},
      // Normalization.
      {"LayerNormalization/last_axis", "LayerNormalization", {}, {in(f32, {3, 5}), in(f32, {5}), in(f32, {5})}},
      {"LayerNormalization/axis1_no_bias", "LayerNormalization", {{"axis", A(1)}, {"epsilon", A(1e-3f)}},
       {in(f32, {2, 3, 4}), in(f32, {3, 4}), std::nullopt}},
      {"RMSNormalization/last_axis", "RMSNormalization", {}, {in(f32, {4, 6}), in(f32, {6})}},
      {"BatchNormalization/inference", "BatchNormalization", {},
       {in(f32, {2, 3, 4}), in(f32, {3}), in(f32, {3}), in(f32, {3}), in(f32, {3}, Gen::Positive)}},
      {"BatchNormalization/training", "BatchNormalization", {{"training_mode", A(1)}},
       {in(f32, {2, 3, 2, 2}), in(f32, {3}), in(f32, {3}), in(f32, {3}), in(f32, {3}, Gen::Positive)}},
      {"InstanceNormalization/f32", "InstanceNormalization", {}, {in(f32, {2, 3, 5}), in(f32, {3}), in(f32, {3})}},
      {"GroupNormalization/two_groups", "GroupNormalization", {{"num_groups", A(2)}},
       {in(f32, {2, 4, 3}), in(f32, {4}), in(f32, {4})}},
      // Losses: targets are valid class indices (Gen::ClassIndex); two rows set ignore_index.
      {"NegativeLogLikelihoodLoss/mean_weight", "NegativeLogLikelihoodLoss", {},
       {in(f32, {4, 5}), classIndex(i64, {4}, 5), in(f32, {5}, Gen::Positive)}},
      {"NegativeLogLikelihoodLoss/sum_ii", "NegativeLogLikelihoodLoss", {{"reduction", A("sum")}, {"ignore_index", A(2)}},
       {in(f32, {8, 4}), classIndex(i64, {8}, 4)}},
      {"NegativeLogLikelihoodLoss/none_f64", "NegativeLogLikelihoodLoss", {{"reduction", A("none")}},
       {in(f64, {5, 3}), classIndex(i32, {5}, 3)}},
      {"NegativeLogLikelihoodLoss/none_kdim_ii", "NegativeLogLikelihoodLoss",
       {{"reduction", A("none")}, {"ignore_index", A(1)}}, {in(f32, {2, 3, 4}), classIndex(i32, {2, 4}, 3)}},
      {"SoftmaxCrossEntropyLoss/sum_kdim_weight", "SoftmaxCrossEntropyLoss", {{"reduction", A("sum")}},
       {in(f32, {2, 4, 3}), classIndex(i64, {2, 3}, 4), in(f32, {4}, Gen::Positive)}},
      // One fused Adam step (param, grad, m, v >= 0 via Positive, step size, 1/sqrt(correction)).
      {"AdamUpdate/f32", "AdamUpdate",
       {{"coefficients", A(Tensor::fromVector<double>({7}, {0.9, 0.1, 0.999, 0.001, 1e-8, 0.01, 1.0}))}},
       {in(f32, {3, 5}), in(f32, {3, 5}), in(f32, {3, 5}), in(f32, {3, 5}, Gen::Positive), in(f32, {}),
        in(f32, {}, Gen::Positive)}},
      {"AdamUpdate/adamw_f64", "AdamUpdate",
       {{"coefficients", A(Tensor::fromVector<double>({7}, {0.8, 0.2, 0.99, 0.01, 1e-6, 0.0, 0.999}))}},
       {in(f64, {7}), in(f64, {7}), in(f64, {7}), in(f64, {7}, Gen::Positive), in(f64, {}),
        in(f64, {}, Gen::Positive)}},
      {"SoftmaxCrossEntropyLoss/mean_ii_f64", "SoftmaxCrossEntropyLoss", {{"ignore_index", A(0)}},
       {in(f64, {6, 3}), classIndex(i64, {6}, 3)}},
  };
  return cases;
}

}  // namespace

const std::vector<OpCase>& opCases() {
  static const std::vector<OpCase> cases = buildCases();
  return cases;
}

std::vector<std::optional<Tensor>> generateInputs(const OpCase& c) {
  std::mt19937_64 rng(std::hash<std::string>{}(c.name));
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<std::optional<Tensor>> out;
  for (const auto& spec : c.inputs) {
    if (!spec) {
      out.push_back(std::nullopt);
      continue;
    }
    Tensor t(spec->dtype, spec->shape);
    int64_t n = t.numElements();
    visitDType(spec->dtype, [&](auto tag) {
      using T = decltype(tag);
      T* p = t.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        double u = unit();
        double v = 0;
        switch (spec->gen) {
          case Gen::Uniform: v = std::is_floating_point_v<T> ? u * 4 - 2 : std::floor(u * 10) - 5; break;
          case Gen::Positive: v = std::is_floating_point_v<T> ? 0.1 + u * 2.9 : 1 + std::floor(u * 5); break;
          case Gen::NonZero:
            v = std::is_floating_point_v<T> ? (0.5 + u * 1.5) * ((rng() & 1) ? 1 : -1)
                                            : (1 + std::floor(u * 5)) * ((rng() & 1) ? 1 : -1);
            break;
          case Gen::Small: v = std::is_floating_point_v<T> ? u - 0.5 : std::floor(u * 3) - 1; break;
          case Gen::Bool: v = u < 0.5 ? 0 : 1; break;
          case Gen::ClassIndex:
            v = std::is_floating_point_v<T> ? u * 4 - 2 : std::floor(u * static_cast<double>(spec->bound));
            break;
        }
        if constexpr (std::is_same_v<T, bool>) p[i] = v != 0;
        else if constexpr (std::is_unsigned_v<T>) p[i] = static_cast<T>(std::fabs(v));
        else p[i] = static_cast<T>(v);
      }
    });
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace ingot::conformance
