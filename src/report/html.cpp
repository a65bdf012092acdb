// render_report_html: the search report as one self-contained page (inline SVG and script).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "hwnas/report/report.h"
#include "hwnas/report/svg_plot.h"
#include "hwnas/search/metrics.h"
#include "hwnas/search/search.h"

namespace hwnas::report {

namespace {

const std::vector<std::string> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};
constexpr const char* kBestColor = "#d62728";
constexpr const char* kBaselineColor = "#111";
const std::map<std::string, std::string> kBlockColors = {
    {"ibn", "#4e79a7"}, {"fused_ibn", "#f28e2b"}, {"conv", "#59a14f"}, {"grouped_ibn", "#b07aa1"}, {"", "#bab0ac"}};

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << v;
  return out.str();
}

// A metric's value as people read it: fractions in percent, bytes in KiB/MiB, counts in M.
std::string metric_text(const std::string& metric, double v) {
  if (!std::isfinite(v)) return "-";
  if (search::is_fraction_metric(metric)) return fixed(100 * v, 2) + " %";
  if (metric == "latency_us") return fixed(v, 1) + " us";
  if (metric.find("bytes") != std::string::npos) return v >= 1 << 20 ? fixed(v / (1 << 20), 2) + " MiB" : fixed(v / 1024, 1) + " KiB";
  if (metric == "macs" || metric == "params") return v >= 1e6 ? fixed(v / 1e6, 2) + " M" : fixed(v / 1e3, 1) + " k";
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

// The axis value of a metric (fractions in percent) and its label.
double axis_value(const std::string& metric, double v) { return search::is_fraction_metric(metric) ? 100 * v : v; }
std::string axis_label(const std::string& metric) {
  if (search::is_fraction_metric(metric)) return metric + " (%)";
  if (metric == "latency_us") return "latency (us)";
  if (metric == "memory_bytes") return "memory (bytes)";
  return metric;
}

search::Direction direction_of(const ReportData& data, const std::string& metric) {
  for (const auto& o : data.objectives)
    if (o.metric == metric) return o.direction;
  auto d = search::default_direction(metric);
  return d ? *d : search::Direction::Minimize;
}

bool has_metric(const ReportData& data, const std::string& metric) {
  return std::any_of(data.trials.begin(), data.trials.end(), [&](const auto& t) { return t.metrics.count(metric) > 0; });
}

std::optional<double> metric_of(const search::Metrics& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? std::nullopt : std::optional<double>(it->second);
}

std::string time_text(double unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::vector<double> fidelities(const ReportData& data) {
  std::set<double> set;
  for (const auto& t : data.trials)
    if (t.status == "done") set.insert(t.fidelity);
  return {set.begin(), set.end()};
}

std::string fidelity_color(const std::vector<double>& levels, double f) {
  const auto it = std::find(levels.begin(), levels.end(), f);
  return kPalette[static_cast<size_t>(it - levels.begin()) % kPalette.size()];
}

// The plots' metric pairs (x, y): accuracy against latency and memory when trials have accuracy,
// else the first two objectives, else latency against memory.
std::vector<std::pair<std::string, std::string>> front_pairs(const ReportData& data) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string y;
  for (const char* m : {"accuracy", "miou", "map50", "top1"})
    if (y.empty() && has_metric(data, m)) y = m;
  if (y.empty())
    for (const auto& o : data.objectives)
      if (y.empty() && o.direction == search::Direction::Maximize && has_metric(data, o.metric)) y = o.metric;
  if (!y.empty()) {
    for (const char* x : {"latency_us", "memory_bytes"})
      if (has_metric(data, x)) pairs.push_back({x, y});
    for (const auto& o : data.objectives)
      if (pairs.empty() && o.metric != y && has_metric(data, o.metric)) pairs.push_back({o.metric, y});
    return pairs;
  }
  if (data.objectives.size() >= 2 && has_metric(data, data.objectives[0].metric) && has_metric(data, data.objectives[1].metric))
    return {{data.objectives[0].metric, data.objectives[1].metric}};
  if (has_metric(data, "latency_us") && has_metric(data, "memory_bytes")) return {{"latency_us", "memory_bytes"}};
  return pairs;
}

// The 2-D non-dominated points among feasible done trials at the top fidelity, ordered by x.
std::vector<std::pair<double, double>> front_line(const ReportData& data, const std::string& mx, const std::string& my) {
  const std::vector<double> levels = fidelities(data);
  if (levels.empty()) return {};
  const double top = levels.back();
  const double sx = direction_of(data, mx) == search::Direction::Minimize ? 1 : -1;
  const double sy = direction_of(data, my) == search::Direction::Minimize ? 1 : -1;
  std::vector<std::pair<double, double>> pts;
  for (const auto& t : data.trials) {
    if (t.status != "done" || !t.feasible || t.fidelity != top) continue;
    auto x = metric_of(t.metrics, mx), y = metric_of(t.metrics, my);
    if (x && y) pts.push_back({*x, *y});
  }
  std::vector<std::pair<double, double>> front;
  for (const auto& p : pts) {
    const bool dominated = std::any_of(pts.begin(), pts.end(), [&](const auto& q) {
      return sx * q.first <= sx * p.first && sy * q.second <= sy * p.second && (q.first != p.first || q.second != p.second);
    });
    if (!dominated && std::find(front.begin(), front.end(), p) == front.end()) front.push_back(p);
  }
  std::sort(front.begin(), front.end());
  for (auto& p : front) p = {axis_value(mx, p.first), axis_value(my, p.second)};
  return front;
}

std::string front_plot(const ReportData& data, const std::string& mx, const std::string& my) {
  ScatterPlot plot;
  plot.id = "front-" + mx;
  plot.title = my + " vs " + mx;
  plot.x = {axis_label(mx), mx == "memory_bytes" || mx == "macs" || mx == "params"};
  plot.y = {axis_label(my)};
  const std::vector<double> levels = fidelities(data);
  for (const auto& t : data.trials) {
    if (t.status != "done") continue;
    auto x = metric_of(t.metrics, mx), y = metric_of(t.metrics, my);
    if (!x || !y) continue;
    PlotPoint p;
    p.x = axis_value(mx, *x);
    p.y = axis_value(my, *y);
    p.id = t.id;
    p.color = fidelity_color(levels, t.fidelity);
    p.hollow = !t.feasible;
    p.cls = t.feasible ? "trial" : "trial infeasible";
    p.title = "trial " + std::to_string(t.id) + " (fidelity " + fixed(t.fidelity, 3) + (t.feasible ? "" : ", over budget") + "): " +
              metric_text(mx, *x) + ", " + metric_text(my, *y);
    plot.points.push_back(p);
  }
  plot.lines.push_back({front_line(data, mx, my), "#555", "front", /*step=*/true, /*dashed=*/true});
  if (data.best >= 0) {
    const auto& t = data.trials[static_cast<size_t>(data.best)];
    auto x = metric_of(t.metrics, mx), y = metric_of(t.metrics, my);
    if (x && y)
      plot.points.push_back({.x = axis_value(mx, *x), .y = axis_value(my, *y), .cls = "best", .color = kBestColor,
                             .title = "best: trial " + std::to_string(t.id), .id = t.id, .radius = 7, .hollow = true});
  }
  if (data.baseline_metrics) {
    auto x = metric_of(*data.baseline_metrics, mx), y = metric_of(*data.baseline_metrics, my);
    if (x && y)
      plot.points.push_back({.x = axis_value(mx, *x), .y = axis_value(my, *y), .cls = "baseline", .color = kBaselineColor,
                             .title = "baseline: " + metric_text(mx, *x) + ", " + metric_text(my, *y), .radius = 5});
  }
  for (double f : levels) plot.legend.push_back({"fidelity " + fixed(f, 3), fidelity_color(levels, f)});
  plot.legend.push_back({"best", kBestColor, "ring"});
  if (data.baseline_metrics) plot.legend.push_back({"baseline", kBaselineColor, "diamond"});
  plot.legend.push_back({"front (top fidelity)", "#555", "line"});
  return render_svg(plot);
}

// Best-so-far of the first objective, one step line per fidelity, over trial number or wall time.
std::string convergence_plot(const ReportData& data, bool over_time) {
  if (data.objectives.empty()) return "";
  const search::Objective& o = data.objectives.front();
  const std::vector<double> levels = fidelities(data);
  double t0 = std::numeric_limits<double>::infinity();
  for (const auto& t : data.trials) t0 = std::min(t0, t.started_at);
  ScatterPlot plot;
  plot.id = over_time ? "best-over-time" : "best-over-trials";
  plot.title = "best " + o.metric + " so far" + (over_time ? " over wall time" : " over trials");
  plot.x = {over_time ? "wall time (s)" : "trial"};
  plot.y = {axis_label(o.metric)};
  plot.height = 300;
  for (double f : levels) {
    PlotLine line;
    line.color = fidelity_color(levels, f);
    line.cls = "best-so-far";
    line.step = true;
    std::optional<double> best;
    std::vector<const search::TrialRecord*> done;
    for (const auto& t : data.trials)
      if (t.status == "done" && t.feasible && t.fidelity == f && t.metrics.count(o.metric)) done.push_back(&t);
    if (over_time) std::stable_sort(done.begin(), done.end(), [](auto* a, auto* b) { return a->finished_at < b->finished_at; });
    for (const auto* t : done) {
      const double v = t->metrics.at(o.metric);
      if (!best || (o.direction == search::Direction::Maximize ? v > *best : v < *best)) best = v;
      const double x = over_time ? t->finished_at - t0 : static_cast<double>(t->id);
      line.xy.push_back({x, axis_value(o.metric, *best)});
      plot.points.push_back({.x = x, .y = axis_value(o.metric, v), .cls = "progress", .color = line.color,
                             .title = "trial " + std::to_string(t->id) + ": " + metric_text(o.metric, v), .id = t->id, .radius = 2});
    }
    plot.lines.push_back(line);
    plot.legend.push_back({"fidelity " + fixed(f, 3), line.color, "line"});
  }
  return render_svg(plot);
}

// The architecture as a row of boxes, one per stage, coloured by block type.
std::string architecture_svg(const NetworkView& v, const std::string& id) {
  const int box_w = 92, gap = 8, box_h = 104;
  const int width = static_cast<int>(v.drawing.size()) * (box_w + gap) + gap;
  std::ostringstream svg;
  svg << "<svg id=\"" << id << "\" class=\"architecture\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
      << box_h + 16 << "\" font-family=\"sans-serif\" font-size=\"10\">";
  int x = gap;
  for (size_t i = 0; i < v.drawing.size(); ++i) {
    const StageDraw& s = v.drawing[i];
    auto c = kBlockColors.find(s.block);
    const std::string color = c == kBlockColors.end() ? "#9c755f" : c->second;
    svg << "<g class=\"stage\" data-block=\"" << html_escape(s.block) << "\"><rect x=\"" << x << "\" y=\"8\" width=\"" << box_w
        << "\" height=\"" << box_h << "\" rx=\"6\" fill=\"" << color << "\" fill-opacity=\"0.18\" stroke=\"" << color << "\"/>";
    svg << "<text x=\"" << x + box_w / 2 << "\" y=\"22\" text-anchor=\"middle\" font-weight=\"bold\">" << html_escape(s.stage) << "</text>";
    svg << "<text x=\"" << x + box_w / 2 << "\" y=\"35\" text-anchor=\"middle\" fill=\"" << color << "\" font-weight=\"bold\">"
        << html_escape(s.block) << "</text>";
    int y = 49;
    for (const auto& [name, value] : s.fields) {
      if (y > box_h) break;
      svg << "<text x=\"" << x + 6 << "\" y=\"" << y << "\">" << html_escape(name) << ": " << html_escape(value) << "</text>";
      y += 12;
    }
    svg << "</g>";
    if (i + 1 < v.drawing.size())
      svg << "<line x1=\"" << x + box_w << "\" y1=\"" << 8 + box_h / 2 << "\" x2=\"" << x + box_w + gap << "\" y2=\"" << 8 + box_h / 2
          << "\" stroke=\"#888\"/>";
    x += box_w + gap;
  }
  svg << "</svg>";
  return svg.str();
}

// Per stage: the baseline's and the best's latency on the target, and their MACs; rows where
// MACs rose while latency fell are marked (the accelerator's staircase, not the FLOP count).
std::string stages_section(const ReportData& data) {
  std::ostringstream h;
  h << "<section id=\"layers\"><h2>Where the time goes (per stage, on " << html_escape(data.meta.count("target") ? data.meta.at("target") : "?")
    << ")</h2>";
  if (!data.networks_note.empty()) h << "<p class=\"note\">" << html_escape(data.networks_note) << "</p>";
  const NetworkView* best = data.best_view && !data.best_view->stages.empty() ? &*data.best_view : nullptr;
  const NetworkView* base = data.baseline_view && !data.baseline_view->stages.empty() ? &*data.baseline_view : nullptr;
  if (!best && !base) return h.str() + "</section>";
  std::vector<std::string> stages;
  for (const NetworkView* v : {base, best})
    if (v)
      for (const StageCost& s : v->stages)
        if (std::find(stages.begin(), stages.end(), s.stage) == stages.end()) stages.push_back(s.stage);
  auto find = [](const NetworkView* v, const std::string& stage) -> const StageCost* {
    if (!v) return nullptr;
    for (const StageCost& s : v->stages)
      if (s.stage == stage) return &s;
    return nullptr;
  };
  BarChart chart;
  chart.id = "stage-latency";
  chart.title = "latency per stage";
  chart.value_label = "latency (us)";
  chart.categories = stages;
  for (const NetworkView* v : {base, best}) {
    if (!v) continue;
    chart.series.push_back(v == base ? "baseline" : "best");
    chart.colors.push_back(v == base ? "#888" : kBestColor);
    std::vector<double> values;
    for (const std::string& s : stages) {
      const StageCost* c = find(v, s);
      values.push_back(c ? c->latency_us : 0);
    }
    chart.values.push_back(values);
  }
  h << render_svg(chart);
  h << "<table class=\"stages\"><thead><tr><th>stage</th><th>baseline MACs</th><th>best MACs</th><th>baseline latency</th>"
       "<th>best latency</th><th>change</th></tr></thead><tbody>";
  for (const std::string& s : stages) {
    const StageCost* a = find(base, s);
    const StageCost* b = find(best, s);
    const bool marked = a && b && b->macs > a->macs && b->latency_us < a->latency_us;
    h << "<tr" << (marked ? " class=\"macs-up-latency-down\"" : "") << "><td>" << html_escape(s) << "</td><td>"
      << (a ? metric_text("macs", static_cast<double>(a->macs)) : "-") << "</td><td>" << (b ? metric_text("macs", static_cast<double>(b->macs)) : "-")
      << "</td><td>" << (a ? fixed(a->latency_us, 1) + " us" : "-") << "</td><td>" << (b ? fixed(b->latency_us, 1) + " us" : "-") << "</td><td>";
    if (a && b && a->latency_us > 0) h << (b->latency_us >= a->latency_us ? "+" : "") << fixed(100 * (b->latency_us / a->latency_us - 1), 1) << " %";
    if (marked) h << " (more MACs, less time)";
    h << "</td></tr>";
  }
  h << "</tbody></table>";
  if (base && best)
    h << "<p>Total on the target: baseline " << fixed(base->latency_us, 1) << " us, best " << fixed(best->latency_us, 1) << " us.</p>";
  return h.str() + "</section>";
}

std::string summary_table(const ReportData& data) {
  std::vector<std::string> metrics;
  for (const auto& o : data.objectives) metrics.push_back(o.metric);
  for (const char* m : {"accuracy", "latency_us", "memory_bytes", "energy_uj", "macs", "params"})
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end() && has_metric(data, m)) metrics.push_back(m);
  const search::Metrics* best = data.best >= 0 ? &data.trials[static_cast<size_t>(data.best)].metrics : nullptr;
  std::ostringstream h;
  h << "<table class=\"summary\"><thead><tr><th>metric</th><th>baseline</th><th>best</th><th>change</th></tr></thead><tbody>";
  for (const std::string& m : metrics) {
    auto a = data.baseline_metrics ? metric_of(*data.baseline_metrics, m) : std::nullopt;
    auto b = best ? metric_of(*best, m) : std::nullopt;
    h << "<tr><td>" << html_escape(m) << "</td><td>" << (a ? metric_text(m, *a) : "-") << "</td><td>" << (b ? metric_text(m, *b) : "-") << "</td><td>";
    if (a && b) {
      if (search::is_fraction_metric(m)) h << (*b >= *a ? "+" : "") << fixed(100 * (*b - *a), 2) << " points";
      else if (*a != 0) h << (*b >= *a ? "+" : "") << fixed(100 * (*b / *a - 1), 1) << " %";
    }
    h << "</td></tr>";
  }
  h << "</tbody></table>";
  return h.str();
}

std::string trials_table(const ReportData& data) {
  std::vector<std::string> metrics;
  for (const auto& o : data.objectives) metrics.push_back(o.metric);
  for (const auto& t : data.trials)
    for (const auto& [k, v] : t.metrics)
      if (std::find(metrics.begin(), metrics.end(), k) == metrics.end()) metrics.push_back(k);
  std::ostringstream h;
  h << "<section id=\"trials-section\"><h2>Trials</h2><p><input id=\"filter\" type=\"search\" placeholder=\"filter: text in any column\"> "
       "<select id=\"status-filter\"><option value=\"\">any status</option><option>done</option><option>failed</option>"
       "<option>running</option></select> <span id=\"shown\"></span></p>";
  h << "<table id=\"trials\" class=\"sortable\"><thead><tr><th data-type=\"num\">id</th><th>status</th><th data-type=\"num\">fidelity</th>"
       "<th>feasible</th>";
  for (const std::string& m : metrics) h << "<th data-type=\"num\">" << html_escape(m) << "</th>";
  h << "<th data-type=\"num\">seconds</th><th>key</th><th>error</th></tr></thead><tbody>";
  for (size_t i = 0; i < data.trials.size(); ++i) {
    const auto& t = data.trials[i];
    h << "<tr class=\"trial-row " << html_escape(t.status) << (static_cast<int>(i) == data.best ? " best" : "") << "\" data-status=\""
      << html_escape(t.status) << "\"><td data-v=\"" << t.id << "\">" << t.id << "</td><td>" << html_escape(t.status) << "</td><td data-v=\""
      << t.fidelity << "\">" << fixed(t.fidelity, 3) << "</td><td>" << (t.status == "done" ? (t.feasible ? "yes" : "no") : "") << "</td>";
    for (const std::string& m : metrics) {
      auto v = metric_of(t.metrics, m);
      if (v) h << "<td data-v=\"" << fixed(*v, 9) << "\">" << metric_text(m, *v) << "</td>";
      else h << "<td data-v=\"\"></td>";
    }
    h << "<td data-v=\"" << t.duration_s << "\">" << fixed(t.duration_s, 2) << "</td><td class=\"key\">" << html_escape(t.key) << "</td><td>"
      << html_escape(t.error.substr(0, t.error.find('\n'))) << "</td></tr>";
  }
  h << "</tbody></table></section>";
  return h.str();
}

std::string config_section(const ReportData& data) {
  std::ostringstream h;
  h << "<section id=\"config\"><h2>Search</h2><table class=\"meta\"><tbody>";
  for (const char* key : {"space", "space_version", "target", "target_version", "channel_multiple", "algorithm", "seed", "fidelity",
                          "objectives", "evaluator", "evaluator_version", "estimator_version", "config_source", "schema_version"}) {
    auto it = data.meta.find(key);
    if (it != data.meta.end()) h << "<tr><th>" << key << "</th><td>" << html_escape(it->second) << "</td></tr>";
  }
  h << "</tbody></table>";
  auto config = data.meta.find("config");
  if (config != data.meta.end() && !config->second.empty())
    h << "<details><summary>config</summary><pre>" << html_escape(config->second) << "</pre></details>";
  return h.str() + "</section>";
}

struct StatusCounts {
  int done = 0, failed = 0, running = 0, feasible = 0;
};

StatusCounts count_statuses(const ReportData& data) {
  StatusCounts c;
  for (const auto& t : data.trials) {
    c.done += t.status == "done";
    c.failed += t.status == "failed";
    c.running += t.status == "running";
    c.feasible += t.status == "done" && t.feasible;
  }
  return c;
}

std::string status_counts(const ReportData& data) {
  const StatusCounts c = count_statuses(data);
  return std::to_string(data.trials.size()) + " trials: " + std::to_string(c.done) + " done (" + std::to_string(c.feasible) +
         " within the budgets), " + std::to_string(c.failed) + " failed, " + std::to_string(c.running) + " running";
}

std::string version_of(const ReportData& data) {
  double last = 0;
  int done = 0;
  for (const auto& t : data.trials) {
    last = std::max(last, std::max(t.started_at, t.finished_at));
    done += t.status != "running";
  }
  return std::to_string(data.trials.size()) + "-" + std::to_string(done) + "-" + fixed(last, 3) + "-" +
         std::to_string(data.meta.count("baseline_metrics"));
}

// Sorting and filtering of the trials table, and in live mode the polling that swaps in new content.
constexpr const char* kScript = R"js(
(function () {
  'use strict';
  var sortState = {column: -1, ascending: true};
  function cellValue(row, column, numeric) {
    var cell = row.cells[column];
    if (!cell) return numeric ? NaN : '';
    var v = cell.getAttribute('data-v');
    if (numeric) return v === null || v === '' ? NaN : parseFloat(v);
    return cell.textContent;
  }
  function applyFilter() {
    var table = document.getElementById('trials');
    if (!table) return;
    var text = (document.getElementById('filter').value || '').toLowerCase();
    var status = document.getElementById('status-filter').value;
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var ok = (!status || row.getAttribute('data-status') === status) &&
               (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.style.display = ok ? '' : 'none';
      if (ok) shown += 1;
    });
    document.getElementById('shown').textContent = shown + ' of ' + table.tBodies[0].rows.length + ' shown';
  }
  function sortBy(column) {
    var table = document.getElementById('trials');
    if (!table) return;
    var header = table.tHead.rows[0].cells[column];
    var numeric = header.getAttribute('data-type') === 'num';
    sortState.ascending = sortState.column === column ? !sortState.ascending : true;
    sortState.column = column;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column, numeric), y = cellValue(b, column, numeric);
      var order;
      if (numeric) {
        if (isNaN(x) && isNaN(y)) order = 0; else if (isNaN(x)) order = 1; else if (isNaN(y)) order = -1; else order = x - y;
      } else {
        order = x < y ? -1 : x > y ? 1 : 0;
      }
      return sortState.ascending ? order : -order;
    });
    rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, i) {
      cell.setAttribute('aria-sort', i === column ? (sortState.ascending ? 'ascending' : 'descending') : 'none');
    });
  }
  function wire() {
    var table = document.getElementById('trials');
    if (!table) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, i) {
      cell.addEventListener('click', function () { sortBy(i); });
    });
    document.getElementById('filter').addEventListener('input', applyFilter);
    document.getElementById('status-filter').addEventListener('change', applyFilter);
    applyFilter();
  }
  window.hwnasReport = {sortBy: sortBy, applyFilter: applyFilter};
  wire();
  var live = document.body.getAttribute('data-live') === '1';
  if (!live) return;
  var poll = parseInt(document.body.getAttribute('data-poll-ms'), 10) || 2000;
  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    fetch('api/summary', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (summary) {
      document.getElementById('live-status').textContent = 'live: updated ' + new Date().toLocaleTimeString();
      if (summary.version === document.body.getAttribute('data-version')) return null;
      return fetch('fragment', {cache: 'no-store'}).then(function (r) { return r.text(); }).then(function (html) {
        var filter = document.getElementById('filter').value, status = document.getElementById('status-filter').value;
        document.getElementById('report').innerHTML = html;
        document.body.setAttribute('data-version', summary.version);
        document.getElementById('filter').value = filter;
        document.getElementById('status-filter').value = status;
        wire();
      });
    }).catch(function (e) {
      document.getElementById('live-status').textContent = 'live: server not reachable (' + e.message + ')';
    }).then(function () { busy = false; });
  }
  setInterval(refresh, poll);
})();
)js";

constexpr const char* kStyle = R"css(
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ddd; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; }
th { background: #f5f5f5; }
table.sortable th { cursor: pointer; }
tr.best td { background: #fde2e2; }
tr.failed td { color: #a00; }
tr.macs-up-latency-down td { background: #e6f4e6; }
code { overflow-wrap: anywhere; }
td.key { font-family: monospace; font-size: 10px; max-width: 420px; overflow-wrap: anywhere; }
.note { color: #8a5a00; }
#live-status { color: #666; font-size: 12px; }
pre { background: #f8f8f8; padding: 8px; font-size: 11px; overflow: auto; }
.architectures svg { display: block; margin-bottom: 8px; }
)css";

}  // namespace

std::string render_report_body(const ReportData& data) {
  std::ostringstream h;
  h << "<h1>hwnas search report: " << html_escape(data.store_path) << "</h1>";
  h << "<p id=\"counts\">" << status_counts(data) << "; objectives: ";
  for (size_t i = 0; i < data.objectives.size(); ++i)
    h << (i ? ", " : "") << html_escape(data.objectives[i].metric) << " (" << search::direction_name(data.objectives[i].direction) << ")";
  if (data.objectives.empty()) h << "none recorded";
  h << ". Generated " << time_text(data.generated_at) << ".</p>";

  h << "<section id=\"summary\"><h2>Best vs baseline</h2>";
  if (data.best < 0) h << "<p class=\"note\">No finished trial met the budgets yet.</p>";
  else
    h << "<p>Best: trial " << data.trials[static_cast<size_t>(data.best)].id << " <code>" << html_escape(data.trials[static_cast<size_t>(data.best)].key)
      << "</code></p>";
  if (!data.baseline_metrics) h << "<p class=\"note\">The store records no baseline metrics.</p>";
  h << summary_table(data) << "</section>";

  h << "<section id=\"fronts\"><h2>Pareto fronts</h2><div class=\"plots\">";
  const auto pairs = front_pairs(data);
  for (const auto& [x, y] : pairs) h << front_plot(data, x, y);
  if (pairs.empty()) h << "<p class=\"note\">No two metrics to plot yet.</p>";
  h << "</div></section>";

  h << "<section id=\"convergence\"><h2>Convergence</h2><div class=\"plots\">" << convergence_plot(data, false)
    << convergence_plot(data, true) << "</div></section>";

  h << stages_section(data);

  h << "<section id=\"architectures\" class=\"architectures\"><h2>Architectures</h2>";
  for (const auto* v : {data.baseline_view ? &*data.baseline_view : nullptr, data.best_view ? &*data.best_view : nullptr}) {
    if (!v) continue;
    h << "<h3>" << html_escape(v->name) << "</h3>" << architecture_svg(*v, v->name == "baseline" ? "arch-baseline" : "arch-best");
  }
  if (!data.baseline_view && !data.best_view) h << "<p class=\"note\">No network to draw.</p>";
  h << "</section>";

  const auto failures = search::failure_summary(data.trials);
  if (!failures.empty()) {
    h << "<section id=\"failures\"><h2>Failures</h2><table><thead><tr><th>count</th><th>first trial</th><th>error</th></tr></thead><tbody>";
    for (const auto& f : failures)
      h << "<tr><td>" << f.count << "</td><td>" << f.first_trial << "</td><td>" << html_escape(f.message) << "</td></tr>";
    h << "</tbody></table></section>";
  }
  h << trials_table(data) << config_section(data);
  return h.str();
}

std::string render_report_html(const ReportData& data, const RenderOptions& options) {
  std::ostringstream h;
  h << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>hwnas report: " << html_escape(data.store_path)
    << "</title><style>" << kStyle << "</style></head><body data-live=\"" << (options.live ? 1 : 0) << "\" data-poll-ms=\"" << options.poll_ms
    << "\" data-version=\"" << version_of(data) << "\">";
  if (options.live) h << "<p id=\"live-status\">live</p>";
  h << "<div id=\"report\">" << render_report_body(data) << "</div><script>" << kScript << "</script></body></html>\n";
  return h.str();
}

std::string summary_json(const ReportData& data) {
  nlohmann::ordered_json j;
  const StatusCounts c = count_statuses(data);
  j["version"] = version_of(data);
  j["trials"] = data.trials.size();
  j["done"] = c.done;
  j["failed"] = c.failed;
  j["running"] = c.running;
  j["feasible"] = c.feasible;
  if (data.best >= 0) {
    const auto& t = data.trials[static_cast<size_t>(data.best)];
    j["best"] = {{"id", t.id}, {"key", t.key}, {"metrics", t.metrics}};
  } else {
    j["best"] = nullptr;
  }
  j["baseline"] = data.baseline_metrics ? nlohmann::ordered_json(*data.baseline_metrics) : nlohmann::ordered_json(nullptr);
  j["front"] = nlohmann::ordered_json::array();
  for (size_t i : data.front) j["front"].push_back(data.trials[i].id);
  return j.dump();
}

std::string trials_json(const ReportData& data) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& t : data.trials)
    j.push_back({{"id", t.id}, {"key", t.key}, {"status", t.status}, {"error", t.error}, {"metrics", t.metrics}, {"cost", t.cost},
                 {"feasible", t.feasible}, {"fidelity", t.fidelity}, {"seed", t.seed}, {"started_at", t.started_at},
                 {"finished_at", t.finished_at}, {"duration_s", t.duration_s}});
  return j.dump();
}

}  // namespace hwnas::report
