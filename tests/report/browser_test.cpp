// The report and the dashboard in a real browser (headless Chromium over WebDriver): the plots
// have a point per trial, the table sorts and filters, no console errors, the dashboard shows a
// trial that a search writes while the page is open; screenshots land in the test artefacts.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "hwnas/hw/registry.h"
#include "hwnas/report/dashboard.h"
#include "hwnas/report/report.h"
#include "search_fixture.h"
#include "webdriver.h"

namespace hwnas::report {
namespace {

using test_support::Browser;
using test_support::TempDir;
using test_support::with_targets;

std::unique_ptr<Browser> start_browser() {
  auto browser = Browser::start();
  EXPECT_TRUE(browser) << browser.error().message;  // never skipped: a missing browser fails
  return browser ? std::move(*browser) : nullptr;
}

int64_t as_int(const Result<nlohmann::json>& value) { return value && value->is_number() ? value->get<int64_t>() : -1; }

std::string artefact(const std::string& name) { return std::string(HWNAS_TEST_ARTIFACTS) + "/" + name; }

TEST(ReportInBrowser, ShowsAPointPerTrialTheBestTheBaselineAndNoConsoleErrors) {
  TempDir dir("browser-report");
  test_support::run_fixture_search(dir / "s.db", 12);
  auto data = collect_report(dir / "s.db", with_targets());
  ASSERT_TRUE(data) << data.error().message;
  std::ofstream(dir / "report.html") << render_report_html(*data);
  const int64_t plotted = test_support::plotted_trials(data->trials);
  ASSERT_GE(plotted, 5);

  auto browser = start_browser();
  ASSERT_TRUE(browser);
  ASSERT_TRUE(browser->open("file://" + (dir / "report.html")));
  EXPECT_EQ(as_int(browser->eval("return document.querySelectorAll('#front-latency_us circle.trial').length")), plotted);
  EXPECT_EQ(as_int(browser->eval("return document.querySelectorAll('#front-memory_bytes circle.trial').length")), plotted);
  EXPECT_EQ(as_int(browser->eval("return document.querySelectorAll('#front-latency_us circle.best').length")), 1);
  EXPECT_EQ(as_int(browser->eval("return document.querySelectorAll('#front-latency_us path.baseline').length")), 1);
  EXPECT_GT(as_int(browser->eval("return document.querySelectorAll('#stage-latency rect.bar').length")), 8);
  EXPECT_EQ(as_int(browser->eval("return document.querySelectorAll('#arch-best g.stage').length")), 8);
  // The plots are laid out (a zero-sized SVG would pass the counts and show nothing).
  EXPECT_GT(as_int(browser->eval("return Math.round(document.getElementById('front-latency_us').getBoundingClientRect().width)")), 300);

  // Sorting: the id column descending puts the last trial first; filtering by status.
  ASSERT_TRUE(browser->eval("hwnasReport.sortBy(0); hwnasReport.sortBy(0); return 0;"));
  EXPECT_EQ(as_int(browser->eval("return parseInt(document.querySelector('#trials tbody tr').cells[0].textContent, 10)")),
            static_cast<int64_t>(data->trials.size()) - 1);
  ASSERT_TRUE(browser->eval("var f = document.getElementById('filter'); f.value = 'no-such-text'; f.dispatchEvent(new Event('input')); return 0;"));
  EXPECT_EQ(as_int(browser->eval("return Array.prototype.filter.call(document.querySelectorAll('#trials tbody tr'), "
                                 "function (r) { return r.style.display !== 'none'; }).length")),
            0);
  auto errors = browser->console_errors();
  ASSERT_TRUE(errors) << errors.error().message;
  EXPECT_TRUE(errors->empty()) << errors->front();
  ASSERT_TRUE(browser->eval("var f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input')); window.scrollTo(0, 0); return 0;"));
  EXPECT_TRUE(browser->screenshot(artefact("report.png")));
}

TEST(DashboardInBrowser, ATrialASearchWritesAppearsWithoutReloading) {
  TempDir dir("browser-dashboard");
  test_support::run_fixture_search(dir / "s.db", 6);
  DashboardOptions options;
  options.port = 0;
  options.poll_ms = 200;
  options.collect = with_targets();
  auto dashboard = Dashboard::bind(dir / "s.db", options);
  ASSERT_TRUE(dashboard) << dashboard.error().message;
  std::thread server([&] { (*dashboard)->run(); });

  auto browser = start_browser();
  if (browser) {
    ASSERT_TRUE(browser->open((*dashboard)->url()));
    const std::string count = "return document.querySelectorAll('#front-latency_us circle.trial').length";
    auto plotted = [&] {
      auto data = collect_report(dir / "s.db");
      return data ? test_support::plotted_trials(data->trials) : -1;
    };
    const int64_t before = plotted();
    EXPECT_EQ(as_int(browser->eval(count)), before);
    // A marker on the window survives only if the page is updated in place, not reloaded.
    ASSERT_TRUE(browser->eval("window.hwnasMarker = 42; return 0;"));
    test_support::run_fixture_search(dir / "s.db", 9);  // the search goes on: 3 more trials
    const int64_t after = plotted();
    ASSERT_GT(after, before);  // the new trials include plotted ones
    int64_t seen = -1;
    for (int i = 0; i < 100 && seen != after; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      seen = as_int(browser->eval(count));
    }
    EXPECT_EQ(seen, after);
    EXPECT_EQ(as_int(browser->eval("return window.hwnasMarker || 0")), 42);
    EXPECT_NE(browser->eval("return document.getElementById('live-status').textContent")->get<std::string>().find("live: updated"),
              std::string::npos);
    auto errors = browser->console_errors();
    ASSERT_TRUE(errors) << errors.error().message;
    EXPECT_TRUE(errors->empty()) << errors->front();
    EXPECT_TRUE(browser->screenshot(artefact("dashboard.png")));
  }
  (*dashboard)->stop();
  server.join();
}

}  // namespace
}  // namespace hwnas::report
