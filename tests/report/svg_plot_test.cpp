// The report's SVG charts: tick values, escaping, one element per point with its class and id.
#include "hwnas/report/svg_plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "search_fixture.h"

namespace hwnas::report {
namespace {

using test_support::count_matches;

TEST(NiceTicks, AreRoundAndCoverTheRange) {
  EXPECT_EQ(nice_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(nice_ticks(0.12, 0.98, 4), (std::vector<double>{0.25, 0.5, 0.75}));
  const auto ticks = nice_ticks(812, 1437);
  ASSERT_FALSE(ticks.empty());
  for (double t : ticks) {
    EXPECT_GE(t, 812);
    EXPECT_LE(t, 1437);
    EXPECT_EQ(std::fmod(t, 100), 0) << t;
  }
  EXPECT_EQ(nice_ticks(3, 3), (std::vector<double>{3}));  // an empty range: no loop, one tick
}

TEST(TickLabel, UsesSuffixesForLargeValues) {
  EXPECT_EQ(tick_label(0.5), "0.5");
  EXPECT_EQ(tick_label(250), "250");
  EXPECT_EQ(tick_label(25000), "25k");
  EXPECT_EQ(tick_label(1.5e6), "1.5M");
  EXPECT_EQ(tick_label(3e9), "3G");
}

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST(ScatterPlot, DrawsOnePointElementPerPointWithClassAndId) {
  ScatterPlot plot{.id = "p", .title = "t <1>", .x = {"x"}, .y = {"y"}};
  for (int i = 0; i < 5; ++i) plot.points.push_back({.x = double(i), .y = double(i * i), .id = i});
  plot.points.push_back({.x = 2, .y = 3, .cls = "baseline", .color = "#000"});
  plot.points.push_back({.x = 4, .y = 16, .cls = "best", .id = 4, .radius = 7, .hollow = true});
  plot.lines.push_back({{{0, 0}, {2, 4}, {4, 16}}, "#555", "front", true});
  const std::string svg = render_svg(plot);
  EXPECT_EQ(count_matches(svg, "<circle class=\"trial\" data-id=\"[0-4]\""), 5u);
  EXPECT_EQ(count_matches(svg, "<path class=\"baseline\""), 1u);
  EXPECT_EQ(count_matches(svg, "<circle class=\"best\" data-id=\"4\""), 1u);
  EXPECT_EQ(count_matches(svg, "<path class=\"front\""), 1u);
  EXPECT_NE(svg.find("t &lt;1&gt;"), std::string::npos);
  // Highlighted points are drawn last, on top of the trials.
  EXPECT_GT(svg.find("class=\"best\""), svg.rfind("class=\"trial\""));
}

TEST(ScatterPlot, ALogAxisLeavesOutValuesThatAreNotPositive) {
  ScatterPlot plot{.id = "p", .x = {"bytes", true}, .y = {"y"}};
  plot.points.push_back({.x = 0, .y = 1, .id = 0});
  plot.points.push_back({.x = 1000, .y = 2, .id = 1});
  plot.points.push_back({.x = 100000, .y = 3, .id = 2});
  const std::string svg = render_svg(plot);
  EXPECT_EQ(count_matches(svg, "<circle class=\"trial\""), 2u);
  EXPECT_EQ(svg.find("data-id=\"0\""), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(ScatterPlot, NoPointsStillDrawsAxes) {
  const std::string svg = render_svg(ScatterPlot{.id = "empty", .x = {"x"}, .y = {"y"}});
  EXPECT_NE(svg.find("class=\"axes\""), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(BarChart, DrawsABarPerSeriesAndCategory) {
  BarChart chart{.id = "b", .value_label = "us", .series = {"baseline", "best"}, .colors = {"#888", "#d00"},
                 .categories = {"stem", "stage1", "head"}, .values = {{10, 20, 5}, {8, 25, 0}}};
  const std::string svg = render_svg(chart);
  EXPECT_EQ(count_matches(svg, "<rect class=\"bar\" data-series=\"baseline\""), 3u);
  EXPECT_EQ(count_matches(svg, "<rect class=\"bar\" data-series=\"best\""), 2u);  // a zero draws no bar
}

}  // namespace
}  // namespace hwnas::report
