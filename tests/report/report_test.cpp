// collect_report and render_report_html over a real search's store: the trials, best, front and
// baseline as recorded, the networks rebuilt and costed per stage, interrupted searches.
#include "hwnas/report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "hwnas/hw/registry.h"
#include "hwnas/search/search.h"
#include "search_fixture.h"

namespace hwnas::report {
namespace {

using test_support::TempDir;
using test_support::with_targets;
using test_support::count_matches;

class ReportOfASearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("report");
    test_support::run_fixture_search(*dir_ / "s.db", 14);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string store() { return *dir_ / "s.db"; }
  static TempDir* dir_;
};
TempDir* ReportOfASearch::dir_ = nullptr;

TEST_F(ReportOfASearch, ReadsTheTrialsBestFrontAndBaselineTheStoreRecords) {
  auto data = collect_report(store(), with_targets());
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(data->trials.size(), 14u);
  EXPECT_EQ(data->best, search::best_trial(data->trials));
  ASSERT_GE(data->best, 0);
  ASSERT_EQ(data->objectives.size(), 2u);
  EXPECT_EQ(data->objectives[0].metric, "accuracy");
  EXPECT_EQ(data->objectives[0].direction, search::Direction::Maximize);
  ASSERT_TRUE(data->baseline_metrics);
  EXPECT_GT(data->baseline_metrics->at("latency_us"), 0);
  ASSERT_FALSE(data->front.empty());
  // No front member is dominated by a feasible trial on (accuracy max, latency min).
  for (size_t i : data->front) {
    const auto& a = data->trials[i];
    for (const auto& b : data->trials) {
      if (b.status != "done" || !b.feasible) continue;
      const bool dominates = b.metrics.at("accuracy") >= a.metrics.at("accuracy") && b.metrics.at("latency_us") <= a.metrics.at("latency_us") &&
                             (b.metrics.at("accuracy") > a.metrics.at("accuracy") || b.metrics.at("latency_us") < a.metrics.at("latency_us"));
      EXPECT_FALSE(dominates) << "trial " << b.id << " dominates front trial " << a.id;
    }
  }
}

TEST_F(ReportOfASearch, RebuildsTheBestAndTheBaselinePerStageOnTheTarget) {
  auto data = collect_report(store(), with_targets());
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->networks_note, "");
  ASSERT_TRUE(data->best_view);
  ASSERT_TRUE(data->baseline_view);
  for (const NetworkView* v : {&*data->best_view, &*data->baseline_view}) {
    ASSERT_FALSE(v->stages.empty()) << v->name;
    double sum = 0;
    for (const StageCost& s : v->stages) sum += s.latency_us;
    EXPECT_NEAR(sum, v->latency_us, 1e-6 * v->latency_us) << v->name;  // every kernel in one stage
    EXPECT_EQ(v->stages.front().stage, "stem") << v->name;
    EXPECT_EQ(v->stages.back().stage, "head") << v->name;
    // input, stem, five stages, head; each stage drawn with its block type.
    ASSERT_EQ(v->drawing.size(), 8u) << v->name;
    EXPECT_EQ(v->drawing[2].stage, "stage1");
    EXPECT_FALSE(v->drawing[2].block.empty());
  }
  // The search's own latency of the best is the simulator's total for its network.
  const auto& best = data->trials[static_cast<size_t>(data->best)];
  EXPECT_NEAR(data->best_view->latency_us, best.metrics.at("latency_us"), 1e-6 * data->best_view->latency_us);
  EXPECT_NEAR(data->baseline_view->latency_us, data->baseline_metrics->at("latency_us"), 1e-6 * data->baseline_view->latency_us);
}

TEST_F(ReportOfASearch, ThePagePlotsEveryFinishedTrialTheBestAndTheBaseline) {
  auto data = collect_report(store(), with_targets());
  ASSERT_TRUE(data) << data.error().message;
  const std::string html = render_report_html(*data);
  const auto plotted = static_cast<size_t>(test_support::plotted_trials(data->trials));
  EXPECT_GE(plotted, 5u);  // enough points for the plot to mean something
  const size_t start = html.find("<svg id=\"front-latency_us\"");
  ASSERT_NE(start, std::string::npos);
  const std::string plot = html.substr(start, html.find("</svg>", start) - start);
  EXPECT_EQ(count_matches(plot, "<circle class=\"trial( infeasible)?\""), plotted);
  EXPECT_EQ(count_matches(plot, "<circle class=\"best\""), 1u);
  EXPECT_EQ(count_matches(plot, "<path class=\"baseline\""), 1u);
  EXPECT_NE(html.find("<svg id=\"front-memory_bytes\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"best-over-trials\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"best-over-time\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"stage-latency\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"arch-best\""), std::string::npos);
  EXPECT_EQ(count_matches(html, "<tr class=\"trial-row"), data->trials.size());
  // Self-contained: nothing fetched when the file is opened.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_NE(html.find("data-live=\"0\""), std::string::npos);
  EXPECT_NE(html.find("fashion_mnist_curated"), std::string::npos);
}

TEST_F(ReportOfASearch, AnInterruptedSearchIsReportedWithItsRunningTrial) {
  TempDir dir("report-interrupted");
  std::filesystem::copy_file(store(), dir / "s.db");
  {
    auto s = search::ExperimentStore::open(dir / "s.db");
    ASSERT_TRUE(s) << s.error().message;
    search::TrialRecord running;
    running.id = 14;
    running.arch = (*s->trials())[0].arch;
    running.key = "running-one";
    running.started_at = 1;
    ASSERT_TRUE(s->begin_trial(running));  // a crash leaves it "running"
  }
  auto data = collect_report(dir / "s.db", with_targets());
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(data->trials.size(), 15u);
  const std::string html = render_report_html(*data);
  EXPECT_NE(html.find("1 running"), std::string::npos);
  EXPECT_EQ(html.find("data-id=\"14\""), std::string::npos);  // counted, not plotted
}

TEST_F(ReportOfASearch, WithoutATargetFactoryTheNetworksAreDrawnButNotCosted) {
  auto data = collect_report(store(), {});
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_TRUE(data->best_view);
  EXPECT_TRUE(data->best_view->stages.empty());
  EXPECT_FALSE(data->best_view->drawing.empty());
  EXPECT_NE(data->networks_note.find("no target"), std::string::npos) << data->networks_note;
}

TEST(Report, AStoreThatIsNotThereIsAnErrorNamingIt) {
  auto data = collect_report("/no/such/store.db");
  ASSERT_FALSE(data);
  EXPECT_NE(data.error().message.find("/no/such/store.db"), std::string::npos);
}

TEST(Report, AStoreWithoutARecordedConfigIsReportedWithANote) {
  TempDir dir("report-old");
  {
    auto s = search::ExperimentStore::create(dir / "old.db", {{"objectives", "latency_us:min"}, {"space", "x"}});
    ASSERT_TRUE(s) << s.error().message;
    search::TrialRecord t;
    t.id = 0;
    t.arch = "0";
    t.key = "a=1";
    ASSERT_TRUE(s->begin_trial(t));
    t.status = "done";
    t.feasible = true;
    t.metrics = {{"latency_us", 10.0}, {"memory_bytes", 2000.0}};
    ASSERT_TRUE(s->finish_trial(t));
  }
  auto data = collect_report(dir / "old.db", with_targets());
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->best, 0);
  EXPECT_NE(data->networks_note.find("records no search config"), std::string::npos) << data->networks_note;
  const std::string html = render_report_html(*data);
  EXPECT_NE(html.find("<svg id=\"front-latency_us\""), std::string::npos);  // latency vs memory
}

TEST(Report, ReadingAStoreNeverWritesIt) {
  TempDir dir("report-ro");
  {
    auto s = search::ExperimentStore::create(dir / "ro.db", {{"objectives", "latency_us:min"}});
    ASSERT_TRUE(s);
  }
  auto read = search::ExperimentStore::open(dir / "ro.db", search::ExperimentStore::Access::ReadOnly);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_FALSE(read->set_meta("x", "y"));  // a read-only connection refuses writes
}

}  // namespace
}  // namespace hwnas::report
