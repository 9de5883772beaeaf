#include "tools/train/Report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "support/Json.h"

namespace ingot::train {

namespace {

std::string optionalNumber(const std::optional<Metrics>& m, double Metrics::*field) {
  return m ? jsonNumber((*m).*field) : "null";
}

std::string quoted(std::string_view s) { return "\"" + jsonEscape(s) + "\""; }

}  // namespace

std::string trainingJson(const TrainingRecord& r) {
  std::string out = "{\n";
  out += fmt::format("  \"model\": {},\n  \"data\": {},\n  \"backend\": {},\n  \"device\": {},\n", quoted(r.model),
                     quoted(r.data), quoted(r.backend), quoted(r.device));
  out += fmt::format("  \"output\": {},\n", r.output.empty() ? "null" : quoted(r.output));
  out += fmt::format("  \"loss\": {},\n", quoted(passes::lossKindName(r.loss)));
  const passes::OptimizerOptions& o = r.optimizer;
  out += fmt::format(
      "  \"optimizer\": {{\"kind\": {}, \"lr\": {}, \"momentum\": {}, \"nesterov\": {}, \"beta1\": {}, \"beta2\": {}, "
      "\"eps\": {}, \"weight_decay\": {}}},\n",
      quoted(passes::optimizerKindName(o.kind)), jsonNumber(o.lr), jsonNumber(o.momentum), o.nesterov ? "true" : "false",
      jsonNumber(o.beta1), jsonNumber(o.beta2), jsonNumber(o.eps), jsonNumber(o.weightDecay));
  out += fmt::format(
      "  \"batch\": {},\n  \"epochs_requested\": {},\n  \"steps_per_epoch\": {},\n  \"train_samples\": {},\n"
      "  \"test_samples\": {},\n  \"seed\": {},\n  \"shuffle\": {},\n  \"compile_seconds\": {},\n",
      r.batch, r.epochs, r.stepsPerEpoch, r.trainSamples, r.testSamples, r.seed, r.shuffle ? "true" : "false",
      jsonNumber(r.compileSeconds));
  out += "  \"epochs\": [";
  for (size_t i = 0; i < r.results.size(); ++i) {
    const EpochResult& e = r.results[i];
    const double perSecond = e.seconds > 0 ? static_cast<double>(e.train.samples) / e.seconds : 0;
    out += fmt::format(
        "{}\n    {{\"epoch\": {}, \"loss\": {}, \"accuracy\": {}, \"test_loss\": {}, \"test_accuracy\": {}, "
        "\"seconds\": {}, \"run_seconds\": {}, \"samples_per_s\": {}, \"step_ms\": {}}}",
        i ? "," : "", e.epoch, jsonNumber(e.train.loss), r.hasAccuracy ? jsonNumber(e.train.accuracy) : "null",
        optionalNumber(e.test, &Metrics::loss),
        r.hasAccuracy ? optionalNumber(e.test, &Metrics::accuracy) : "null", jsonNumber(e.seconds),
        jsonNumber(e.runSeconds), jsonNumber(perSecond), jsonNumber(e.steps > 0 ? 1e3 * e.seconds / static_cast<double>(e.steps) : 0));
  }
  out += r.results.empty() ? "],\n" : "\n  ],\n";
  out += fmt::format("  \"stopped\": {}\n}}\n", r.stopped.empty() ? "null" : quoted(r.stopped));
  return out;
}

// --- SVG ---------------------------------------------------------------------

namespace {

std::string xmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Tick spacing of 1, 2 or 5 times a power of ten giving about `count` ticks.
double niceStep(double span, int count) {
  if (!(span > 0)) return 1;
  const double raw = span / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

struct Series {
  std::string label, color, dash;
  std::vector<std::pair<double, double>> points;  // (epoch, value), finite values only
};

// One panel at (x0, y0) of size w x h: axes, ticks, the series, a legend.
std::string panel(double x0, double y0, double w, double h, const std::string& title,
                  const std::vector<Series>& series, int64_t epochs) {
  constexpr double kLeft = 56, kRight = 12, kTop = 28, kBottom = 40;
  const double px = x0 + kLeft, py = y0 + kTop, pw = w - kLeft - kRight, ph = h - kTop - kBottom;
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& s : series)
    for (auto [x, y] : s.points) lo = std::min(lo, y), hi = std::max(hi, y);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5 * std::max(std::fabs(lo) * 0.1, 1e-3), hi = lo + 2 * (hi - lo) + 1e-3;
  const double step = niceStep(hi - lo, 5);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const double xSpan = std::max<double>(static_cast<double>(epochs) - 1, 1);
  auto sx = [&](double e) { return px + (epochs <= 1 ? pw / 2 : (e - 1) / xSpan * pw); };
  auto sy = [&](double v) { return py + ph - (v - lo) / (hi - lo) * ph; };

  std::string out;
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", px,
                     y0 + 18, xmlEscape(title));
  out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" "
                     "stroke=\"#444\"/>\n",
                     px, py, pw, ph);
  for (double v = lo; v <= hi + step * 1e-6; v += step) {
    const double y = sy(v);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", px, y,
                       px + pw, y);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{:.4g}</text>\n",
                       px - 6, y + 4, std::fabs(v) < step * 1e-6 ? 0.0 : v);
  }
  const int64_t xStep = std::max<int64_t>(1, static_cast<int64_t>(niceStep(static_cast<double>(epochs), 10)));
  // Epoch 1, then multiples of the step.
  for (int64_t e = 1; e <= epochs; e = (e / xStep + 1) * xStep) {
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n", sx(e),
                       py + ph + 16, e);
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n",
                     px + pw / 2, py + ph + 34);
  double legendY = py + 14;
  for (const Series& s : series) {
    if (s.points.empty()) continue;
    std::string path;
    for (auto [x, y] : s.points) path += fmt::format("{:.1f},{:.1f} ", sx(x), sy(y));
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", path, s.color,
                       s.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", s.dash));
    for (auto [x, y] : s.points)
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", sx(x), sy(y), s.color);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                       "stroke-width=\"2\"{}/>\n",
                       px + pw - 110, legendY - 4, px + pw - 88, legendY - 4, s.color,
                       s.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", s.dash));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">{}</text>\n", px + pw - 82, legendY,
                       xmlEscape(s.label));
    legendY += 16;
  }
  return out;
}

Series curve(const TrainingRecord& r, const std::string& label, const std::string& color, const std::string& dash,
             const std::function<std::optional<double>(const EpochResult&)>& value) {
  Series s{label, color, dash, {}};
  for (const EpochResult& e : r.results)
    if (auto v = value(e); v && std::isfinite(*v)) s.points.emplace_back(static_cast<double>(e.epoch), *v);
  return s;
}

}  // namespace

std::string trainingPlotSvg(const TrainingRecord& r) {
  constexpr double kPanelW = 440, kPanelH = 320, kHeader = 30;
  const int64_t epochs = std::max<int64_t>(1, r.results.empty() ? 1 : r.results.back().epoch);
  const char* train = "#1f77b4";
  const char* test = "#ff7f0e";
  std::vector<Series> loss = {
      curve(r, "training", train, "", [](const EpochResult& e) -> std::optional<double> { return e.train.loss; }),
      curve(r, "test", test, "6,4",
            [](const EpochResult& e) -> std::optional<double> {
              return e.test ? std::optional<double>(e.test->loss) : std::nullopt;
            })};
  const bool hasAccuracy = r.hasAccuracy;
  std::vector<Series> accuracy = {
      curve(r, "training", train, "",
            [&](const EpochResult& e) -> std::optional<double> {
              return hasAccuracy ? std::optional<double>(e.train.accuracy) : std::nullopt;
            }),
      curve(r, "test", test, "6,4", [&](const EpochResult& e) -> std::optional<double> {
        return hasAccuracy && e.test ? std::optional<double>(e.test->accuracy) : std::nullopt;
      })};
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      2 * kPanelW, kPanelH + kHeader);
  out += fmt::format("<text x=\"12\" y=\"20\" font-size=\"13\">{}</text>\n",
                     xmlEscape(fmt::format("{} on {}: {}, {} lr {}, batch {}", r.model, r.data,
                                           passes::lossKindName(r.loss), passes::optimizerKindName(r.optimizer.kind),
                                           r.optimizer.lr, r.batch)));
  out += panel(0, kHeader, kPanelW, kPanelH, "loss", loss, epochs);
  out += panel(kPanelW, kHeader, kPanelW, kPanelH, "accuracy", accuracy, epochs);
  out += "</svg>\n";
  return out;
}

}  // namespace ingot::train
