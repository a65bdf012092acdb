// The dashboard over HTTP: JSON for scripts, the live page, trials landing while it serves,
// read-only, and errors for a missing store or a taken port.
#include "hwnas/report/dashboard.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "hwnas/hw/registry.h"
#include "search_fixture.h"

namespace hwnas::report {
namespace {

using test_support::TempDir;

// A dashboard on a free loopback port, served by a thread for the test's lifetime.
class Served {
 public:
  explicit Served(const std::string& store) {
    DashboardOptions options;
    options.port = 0;
    options.collect = test_support::with_targets();
    auto d = Dashboard::bind(store, options);
    EXPECT_TRUE(d) << d.error().message;
    if (!d) return;
    dashboard_ = std::move(*d);
    thread_ = std::thread([this] { dashboard_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", dashboard_->port());
    for (int i = 0; i < 100 && !client_->Get("/api/summary"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ~Served() {
    if (dashboard_) dashboard_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Client& client() { return *client_; }
  Dashboard& dashboard() { return *dashboard_; }

 private:
  std::unique_ptr<Dashboard> dashboard_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

nlohmann::json get_json(httplib::Client& client, const std::string& path) {
  auto res = client.Get(path.c_str());
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

TEST(Dashboard, ServesTheSummaryTrialsAndMetaAsJson) {
  TempDir dir("dashboard-json");
  test_support::run_fixture_search(dir / "s.db", 8);
  Served served(dir / "s.db");
  auto summary = get_json(served.client(), "/api/summary");
  ASSERT_TRUE(summary.is_object()) << summary;
  EXPECT_EQ(summary["trials"], 8);
  EXPECT_TRUE(summary["best"].is_object());
  EXPECT_TRUE(summary["baseline"].is_object());
  auto trials = get_json(served.client(), "/api/trials");
  ASSERT_TRUE(trials.is_array());
  EXPECT_EQ(trials.size(), 8u);
  EXPECT_EQ(trials[0]["status"], "done");
  auto meta = get_json(served.client(), "/api/meta");
  EXPECT_EQ(meta["space"], "fashion_mnist_curated");
  auto page = served.client().Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("data-live=\"1\""), std::string::npos);
  EXPECT_NE(page->body.find("<svg id=\"front-latency_us\""), std::string::npos);
  EXPECT_NE(page->body.find("<svg id=\"stage-latency\""), std::string::npos);
  auto fixed = served.client().Get("/report.html");
  ASSERT_TRUE(fixed);
  EXPECT_NE(fixed->body.find("data-live=\"0\""), std::string::npos);
}

TEST(Dashboard, ShowsTrialsThatASearchWritesWhileItServes) {
  TempDir dir("dashboard-live");
  test_support::run_fixture_search(dir / "s.db", 6);
  Served served(dir / "s.db");
  auto before = get_json(served.client(), "/api/summary");
  ASSERT_EQ(before["trials"], 6);
  test_support::run_fixture_search(dir / "s.db", 9);  // the search resumed: 3 more trials
  auto after = get_json(served.client(), "/api/summary");
  EXPECT_EQ(after["trials"], 9);
  EXPECT_NE(after["version"], before["version"]);
  auto fragment = served.client().Get("/fragment");
  ASSERT_TRUE(fragment);
  EXPECT_NE(fragment->body.find("9 trials: "), std::string::npos);
  EXPECT_NE(fragment->body.find("<td data-v=\"8\">8</td>"), std::string::npos);  // trial 8's row
}

TEST(Dashboard, IsReadOnly) {
  TempDir dir("dashboard-ro");
  test_support::run_fixture_search(dir / "s.db", 4);
  Served served(dir / "s.db");
  auto res = served.client().Post("/api/trials", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST(Dashboard, AMissingStoreIsAnErrorBeforeAnythingListens) {
  auto d = Dashboard::bind("/no/such/run.db", {.port = 0});
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("/no/such/run.db"), std::string::npos);
}

TEST(Dashboard, APortInUseIsAnErrorNamingIt) {
  TempDir dir("dashboard-port");
  test_support::run_fixture_search(dir / "s.db", 2);
  Served first(dir / "s.db");
  auto second = Dashboard::bind(dir / "s.db", {.port = first.dashboard().port()});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(":" + std::to_string(first.dashboard().port())), std::string::npos) << second.error().message;
}

}  // namespace
}  // namespace hwnas::report
