// Inline SVG scatter plots, step lines and grouped bar charts for the search report.
#include "hwnas/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace hwnas::report {

namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 30, kBottom = 46;

std::string num(double v) {
  std::ostringstream out;
  out.precision(6);
  out << (std::abs(v) < 1e-9 ? 0.0 : v);
  return out.str();
}

// Maps data values to pixels along one axis (linear or log10).
struct Scale {
  double lo = 0, hi = 1, from = 0, to = 1;
  bool log = false;
  double t(double v) const { return log ? std::log10(v) : v; }
  double operator()(double v) const {
    const double a = t(lo), b = t(hi);
    return b == a ? (from + to) / 2 : from + (t(v) - a) / (b - a) * (to - from);
  }
};

// The [lo, hi] of `values`, padded by 5 % (a log axis by a factor), never empty.
std::pair<double, double> padded_range(std::vector<double> values, bool log) {
  if (log) values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !(v > 0); }), values.end());
  if (values.empty()) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  double lo = *mn, hi = *mx;
  if (log) {
    if (lo == hi) return {lo / 2, hi * 2};
    const double f = std::pow(hi / lo, 0.05);
    return {lo / f, hi * f};
  }
  if (lo == hi) {
    const double d = lo == 0 ? 1 : std::abs(lo) * 0.1;
    return {lo - d, hi + d};
  }
  const double pad = (hi - lo) * 0.05;
  return {lo - pad, hi + pad};
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> ticks;
  for (double p = std::pow(10.0, std::floor(std::log10(lo))); p <= hi; p *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (p * m >= lo && p * m <= hi) ticks.push_back(p * m);
  if (ticks.size() < 2) return nice_ticks(lo, hi);
  return ticks;
}

void axes(std::ostringstream& svg, const Scale& sx, const Scale& sy, const Axis& ax, const Axis& ay, int width, int height) {
  svg << "<g class=\"axes\" font-size=\"11\" fill=\"#333\">";
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << height - kBottom << "\" x2=\"" << width - kRight << "\" y2=\"" << height - kBottom
      << "\" stroke=\"#888\"/>";
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << height - kBottom << "\" stroke=\"#888\"/>";
  for (double t : ax.log ? log_ticks(sx.lo, sx.hi) : nice_ticks(sx.lo, sx.hi)) {
    const double px = sx(t);
    svg << "<line x1=\"" << num(px) << "\" y1=\"" << kTop << "\" x2=\"" << num(px) << "\" y2=\"" << height - kBottom
        << "\" stroke=\"#eee\"/><text x=\"" << num(px) << "\" y=\"" << height - kBottom + 14 << "\" text-anchor=\"middle\">"
        << tick_label(t) << "</text>";
  }
  for (double t : ay.log ? log_ticks(sy.lo, sy.hi) : nice_ticks(sy.lo, sy.hi)) {
    const double py = sy(t);
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << num(py) << "\" x2=\"" << width - kRight << "\" y2=\"" << num(py)
        << "\" stroke=\"#eee\"/><text x=\"" << kLeft - 6 << "\" y=\"" << num(py + 4) << "\" text-anchor=\"end\">" << tick_label(t)
        << "</text>";
  }
  svg << "<text x=\"" << (kLeft + width - kRight) / 2 << "\" y=\"" << height - 10 << "\" text-anchor=\"middle\">"
      << html_escape(ax.label) << "</text>";
  svg << "<text transform=\"translate(14," << (kTop + height - kBottom) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << html_escape(ay.label) << "</text></g>";
}

void title(std::ostringstream& svg, const std::string& text, int width) {
  svg << "<text x=\"" << width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" << html_escape(text)
      << "</text>";
}

std::string diamond(double x, double y, double r) {
  std::ostringstream d;
  d << "M" << num(x) << " " << num(y - r) << "L" << num(x + r) << " " << num(y) << "L" << num(x) << " " << num(y + r) << "L"
    << num(x - r) << " " << num(y) << "Z";
  return d.str();
}

void legend(std::ostringstream& svg, const std::vector<LegendEntry>& entries, int width) {
  double y = kTop + 6;
  svg << "<g class=\"legend\" font-size=\"11\">";
  for (const LegendEntry& e : entries) {
    const double x = width - kRight - 150;
    if (e.shape == "diamond") svg << "<path d=\"" << diamond(x, y, 5) << "\" fill=\"" << e.color << "\"/>";
    else if (e.shape == "ring") svg << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"5\" fill=\"none\" stroke=\"" << e.color << "\" stroke-width=\"2\"/>";
    else if (e.shape == "line") svg << "<line x1=\"" << x - 6 << "\" y1=\"" << y << "\" x2=\"" << x + 6 << "\" y2=\"" << y << "\" stroke=\"" << e.color << "\" stroke-width=\"2\"/>";
    else svg << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"4\" fill=\"" << e.color << "\"/>";
    svg << "<text x=\"" << x + 10 << "\" y=\"" << y + 4 << "\">" << html_escape(e.label) << "</text>";
    y += 15;
  }
  svg << "</g>";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(count, 1);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = p;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

std::string tick_label(double value) {
  const double a = std::abs(value);
  const char* suffix = "";
  double v = value;
  if (a >= 1e9) v = value / 1e9, suffix = "G";
  else if (a >= 1e6) v = value / 1e6, suffix = "M";
  else if (a >= 1e4) v = value / 1e3, suffix = "k";
  std::ostringstream out;
  out.precision(4);
  out << v << suffix;
  return out.str();
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_svg(const ScatterPlot& plot) {
  std::vector<double> xs, ys;
  for (const PlotPoint& p : plot.points) xs.push_back(p.x), ys.push_back(p.y);
  for (const PlotLine& l : plot.lines)
    for (auto [x, y] : l.xy) xs.push_back(x), ys.push_back(y);
  auto [xlo, xhi] = padded_range(xs, plot.x.log);
  auto [ylo, yhi] = padded_range(ys, plot.y.log);
  const Scale sx{xlo, xhi, kLeft, static_cast<double>(plot.width) - kRight, plot.x.log};
  const Scale sy{ylo, yhi, static_cast<double>(plot.height) - kBottom, kTop, plot.y.log};
  auto visible = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!plot.x.log || x > 0) && (!plot.y.log || y > 0); };

  std::ostringstream svg;
  svg << "<svg id=\"" << html_escape(plot.id) << "\" class=\"plot scatter\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << plot.width
      << "\" height=\"" << plot.height << "\" viewBox=\"0 0 " << plot.width << " " << plot.height << "\" font-family=\"sans-serif\">";
  title(svg, plot.title, plot.width);
  axes(svg, sx, sy, plot.x, plot.y, plot.width, plot.height);
  for (const PlotLine& l : plot.lines) {
    std::ostringstream path;
    double last_y = 0;
    bool first = true;
    for (auto [x, y] : l.xy) {
      if (!visible(x, y)) continue;
      if (first) path << "M" << num(sx(x)) << " " << num(sy(y));
      else if (l.step) path << "L" << num(sx(x)) << " " << num(sy(last_y)) << "L" << num(sx(x)) << " " << num(sy(y));
      else path << "L" << num(sx(x)) << " " << num(sy(y));
      last_y = y;
      first = false;
    }
    const std::string d = path.str();
    if (d.empty()) continue;
    svg << "<path class=\"" << html_escape(l.cls) << "\" d=\"" << d << "\" fill=\"none\" stroke=\"" << l.color << "\" stroke-width=\"1.8\""
        << (l.dashed ? " stroke-dasharray=\"5 3\"" : "") << "/>";
  }
  // Ordinary trials first, then the highlighted ones on top.
  std::vector<const PlotPoint*> order;
  for (const PlotPoint& p : plot.points) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](const PlotPoint* a, const PlotPoint* b) {
    return (a->cls.find("best") != std::string::npos || a->cls.find("baseline") != std::string::npos) <
           (b->cls.find("best") != std::string::npos || b->cls.find("baseline") != std::string::npos);
  });
  for (const PlotPoint* p : order) {
    if (!visible(p->x, p->y)) continue;
    const std::string attrs = " class=\"" + html_escape(p->cls) + "\"" + (p->id >= 0 ? " data-id=\"" + std::to_string(p->id) + "\"" : "");
    // A hollow highlight (the best's ring) is see-through, so the trial under it stays visible.
    const std::string hollow_fill = p->cls.find("best") != std::string::npos ? "none" : "white";
    const std::string paint = p->hollow ? " fill=\"" + hollow_fill + "\" stroke=\"" + p->color + "\" stroke-width=\"1.5\""
                                        : " fill=\"" + p->color + "\" fill-opacity=\"0.85\" stroke=\"white\" stroke-width=\"0.5\"";
    if (p->cls.find("baseline") != std::string::npos)
      svg << "<path" << attrs << " d=\"" << diamond(sx(p->x), sy(p->y), p->radius + 2) << "\"" << paint << ">";
    else
      svg << "<circle" << attrs << " cx=\"" << num(sx(p->x)) << "\" cy=\"" << num(sy(p->y)) << "\" r=\"" << num(p->radius) << "\"" << paint
          << ">";
    if (!p->title.empty()) svg << "<title>" << html_escape(p->title) << "</title>";
    svg << (p->cls.find("baseline") != std::string::npos ? "</path>" : "</circle>");
  }
  legend(svg, plot.legend, plot.width);
  svg << "</svg>";
  return svg.str();
}

std::string render_svg(const BarChart& chart) {
  std::vector<double> values{0.0};
  for (const auto& series : chart.values)
    for (double v : series)
      if (std::isfinite(v)) values.push_back(v);
  const double hi = *std::max_element(values.begin(), values.end());
  const Scale sy{0, hi > 0 ? hi * 1.08 : 1, static_cast<double>(chart.height) - kBottom, kTop, false};
  const double plot_w = chart.width - kLeft - kRight;
  const size_t groups = std::max<size_t>(chart.categories.size(), 1);
  const double group_w = plot_w / static_cast<double>(groups);
  const size_t n_series = std::max<size_t>(chart.series.size(), 1);
  const double bar_w = group_w * 0.8 / static_cast<double>(n_series);

  std::ostringstream svg;
  svg << "<svg id=\"" << html_escape(chart.id) << "\" class=\"plot bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << chart.width
      << "\" height=\"" << chart.height << "\" viewBox=\"0 0 " << chart.width << " " << chart.height << "\" font-family=\"sans-serif\">";
  title(svg, chart.title, chart.width);
  svg << "<g font-size=\"11\" fill=\"#333\">";
  for (double t : nice_ticks(sy.lo, sy.hi)) {
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << num(sy(t)) << "\" x2=\"" << chart.width - kRight << "\" y2=\"" << num(sy(t))
        << "\" stroke=\"#eee\"/><text x=\"" << kLeft - 6 << "\" y=\"" << num(sy(t) + 4) << "\" text-anchor=\"end\">" << tick_label(t)
        << "</text>";
  }
  svg << "<text transform=\"translate(14," << (kTop + chart.height - kBottom) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << html_escape(chart.value_label) << "</text>";
  for (size_t c = 0; c < chart.categories.size(); ++c) {
    const double gx = kLeft + group_w * static_cast<double>(c) + group_w * 0.1;
    for (size_t s = 0; s < chart.values.size() && s < n_series; ++s) {
      const double v = c < chart.values[s].size() ? chart.values[s][c] : 0;
      if (!std::isfinite(v) || v <= 0) continue;
      const double x = gx + bar_w * static_cast<double>(s);
      svg << "<rect class=\"bar\" data-series=\"" << html_escape(s < chart.series.size() ? chart.series[s] : "") << "\" x=\"" << num(x)
          << "\" y=\"" << num(sy(v)) << "\" width=\"" << num(bar_w * 0.95) << "\" height=\"" << num(sy(0) - sy(v)) << "\" fill=\""
          << (s < chart.colors.size() ? chart.colors[s] : "#888") << "\"><title>"
          << html_escape(chart.categories[c] + " " + (s < chart.series.size() ? chart.series[s] : "") + ": " + tick_label(v))
          << "</title></rect>";
    }
    svg << "<text x=\"" << num(gx + group_w * 0.4) << "\" y=\"" << chart.height - kBottom + 14 << "\" text-anchor=\"middle\">"
        << html_escape(chart.categories[c]) << "</text>";
  }
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << num(sy(0)) << "\" x2=\"" << chart.width - kRight << "\" y2=\"" << num(sy(0))
      << "\" stroke=\"#888\"/></g>";
  std::vector<LegendEntry> entries;
  for (size_t s = 0; s < chart.series.size(); ++s) entries.push_back({chart.series[s], s < chart.colors.size() ? chart.colors[s] : "#888"});
  legend(svg, entries, chart.width);
  svg << "</svg>";
  return svg.str();
}

}  // namespace hwnas::report
