// `hwnas report` over the store `hwnas search` writes: the page from the recorded config, a
// missing store named, and the dashboard's refusal of a non-loopback address without the flag.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "../cli/in_process.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;
using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_search, register_report}, args); }

class ReportCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hwnas-report-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "configs");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ReportCommand, WritesThePageOfASearchFromTheConfigItRecorded) {
  // A space file next to the config, found through the recorded config folder whatever the
  // report's working directory.
  {
    std::ofstream(path("configs/search.yaml")) << "space: fashion_mnist_curated\ntarget: ethos-u55-256\nevaluators: [hardware]\n"
                                                  "objectives: [latency_us]\nbudgets: {memory_bytes: {max: 1000000}}\n"
                                                  "algorithm: random\ntrials: 10\nseed: 2\n";
  }
  RunResult search = run({"search", path("configs/search.yaml"), "--store", path("s.db"), "--output", path("out"), "--quiet"});
  ASSERT_EQ(search.status, 0) << search.err;
  RunResult report = run({"report", path("s.db"), "-o", path("report.html")});
  ASSERT_EQ(report.status, 0) << report.err;
  EXPECT_NE(report.out.find("report: " + path("report.html") + " (10 trials, best trial "), std::string::npos) << report.out;
  EXPECT_EQ(report.err, "");  // the networks were rebuilt: no note
  std::stringstream html;
  html << std::ifstream(path("report.html")).rdbuf();
  EXPECT_NE(html.str().find("<svg id=\"front-latency_us\""), std::string::npos);  // latency vs memory: no accuracy
  EXPECT_NE(html.str().find("<svg id=\"stage-latency\""), std::string::npos);
  EXPECT_NE(html.str().find("<svg id=\"arch-best\""), std::string::npos);
}

TEST_F(ReportCommand, AMissingStoreIsAnErrorNamingIt) {
  RunResult r = run({"report", path("none.db"), "-o", path("r.html")});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(path("none.db") + ": no such experiment store"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("r.html")));
}

TEST_F(ReportCommand, TheDashboardRefusesAnAddressOtherMachinesReachWithoutTheFlag) {
  RunResult r = run({"dashboard", path("s.db"), "--host", "0.0.0.0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--allow-remote"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hwnas::cli
