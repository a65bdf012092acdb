// Inline SVG charts for the search report: scatter plots with lines (a Pareto front, best-so-far
// steps) and grouped bars, drawn with no script and no library, so a report opens offline.
//
//   report::ScatterPlot plot{.id = "front-latency", .title = "accuracy vs latency",
//                            .x = {"latency (us)"}, .y = {"accuracy (%)"}};
//   plot.points.push_back({.x = 812.5, .y = 91.2, .cls = "trial", .color = "#1f77b4", .title = "trial 3"});
//   std::string svg = report::render_svg(plot);
//
// Every point is a <circle> (a <path> diamond for cls containing "baseline") with its class and
// data-id, so tests and scripts can count them in the DOM.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hwnas::report {

struct Axis {
  std::string label{};
  bool log = false;  // log10 scale (values <= 0 are left out)
};

struct PlotPoint {
  double x = 0, y = 0;
  std::string cls = "trial";  // CSS classes: "trial", "best", "baseline", "infeasible", ...
  std::string color = "#1f77b4";
  std::string title{};        // the tooltip
  int64_t id = -1;            // data-id (the trial id), -1 for none
  double radius = 3.5;
  bool hollow = false;
};

struct PlotLine {
  std::vector<std::pair<double, double>> xy{};
  std::string color = "#444";
  std::string cls = "line";
  bool step = false;          // a staircase: horizontal to the next x, then vertical
  bool dashed = false;
};

struct LegendEntry {
  std::string label{};
  std::string color{};
  std::string shape = "circle";  // circle | diamond | ring | line
};

struct ScatterPlot {
  std::string id{};
  std::string title{};
  Axis x{}, y{};
  std::vector<PlotPoint> points{};
  std::vector<PlotLine> lines{};
  std::vector<LegendEntry> legend{};
  int width = 620, height = 380;
};

// Bars grouped by category (e.g. per stage: the baseline's and the best's latency).
struct BarChart {
  std::string id{};
  std::string title{};
  std::string value_label{};
  std::vector<std::string> series{};           // one bar per series in each group
  std::vector<std::string> colors{};           // per series
  std::vector<std::string> categories{};       // the groups, left to right
  std::vector<std::vector<double>> values{};   // [series][category]
  int width = 620, height = 320;
};

std::string render_svg(const ScatterPlot& plot);
std::string render_svg(const BarChart& chart);

// About `count` round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten).
std::vector<double> nice_ticks(double lo, double hi, int count = 5);
// A tick label: no trailing zeros, k/M/G suffixes from 10^4 on.
std::string tick_label(double value);
// Text safe inside HTML/SVG elements and attribute values.
std::string html_escape(std::string_view text);

}  // namespace hwnas::report
