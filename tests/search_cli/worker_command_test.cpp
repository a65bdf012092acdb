// `hwnas search --workers` and `hwnas worker`: a study made without local workers is completed by
// workers that join it; the real binary runs local workers over PostgreSQL with the password
// shown and stored nowhere; bad uses are clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../cli/in_process.h"
#include "../common/postgres_cluster.h"
#include "commands.h"
#include "hwnas/search/store.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;
using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_search, register_worker}, args); }

// A shell command; stdout and stderr together in `out`.
RunResult run_shell(const std::string& command_line) {
  RunResult r;
  const std::string command = command_line + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {1, "", "cannot run " + command};
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe)) r.out += buffer.data();
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  return r;
}

// The hwnas binary with `args`.
RunResult run_binary(const std::string& args) { return run_shell(std::string(HWNAS_BINARY) + " " + args); }

class WorkerCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hwnas-worker-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string config(const std::string& extra = "") const {
    {
      std::ofstream space(path("widths.yaml"));
      space << "name: widths\nkind: custom\ndecisions:\n  - {name: width, choices: [64, 32, 16, 8]}\n"
               "  - {name: op, choices: [conv, skip, pool]}\n";
    }
    const std::string file = path("search.yaml");
    std::ofstream out(file);
    out << "space: widths.yaml\nevaluators: [{command: \"" << kCommand << "\", required: [accuracy]}]\n"
        << "objectives: [accuracy, latency_us]\nalgorithm: random\ntrials: 8\nseed: 3\nstore: " << path("s.db") << "\noutput: "
        << path("out") << "\n"
        << extra;
    return file;
  }
  // accuracy 0.875 at width 16, latency the width.
  static constexpr const char* kCommand =
      "w=$(sed -n 's/^  width: //p' {arch}); a=$(( w == 16 ? 875 : 500 )); "
      "printf '{\\\"accuracy\\\": 0.%s, \\\"latency_us\\\": %s}' $a $w";
  fs::path dir_;
};

TEST_F(WorkerCommand, AStudyWithoutLocalWorkersIsCompletedByWorkersThatJoinIt) {
  RunResult made = run({"search", config(), "--workers", "0", "--quiet"});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_NE(made.out.find("no local workers: start them with `hwnas worker"), std::string::npos) << made.out;
  RunResult first = run({"worker", "--store", path("s.db"), "--name", "first", "--max-trials", "3"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.err.find("worker first: trial 0 done"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("worker first: 3 trials evaluated"), std::string::npos) << first.err;
  RunResult second = run({"worker", "--store", "sqlite:///" + path("s.db"), "--name", "second", "--quiet"});
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.err.find("worker second: 5 trials evaluated"), std::string::npos) << second.err;
  RunResult workers = run({"trials", "workers", path("s.db")});
  ASSERT_EQ(workers.status, 0) << workers.err;
  EXPECT_NE(workers.out.find("8 trials: 8 done, 0 failed, 0 running, 0 queued"), std::string::npos) << workers.out;
  EXPECT_NE(workers.out.find("first"), std::string::npos) << workers.out;
  EXPECT_NE(workers.out.find("second"), std::string::npos) << workers.out;
  // The study is complete: one more worker has nothing to do.
  RunResult late = run({"worker", "--store", path("s.db"), "--name", "late"});
  ASSERT_EQ(late.status, 0) << late.err;
  EXPECT_NE(late.err.find("worker late: 0 trials evaluated"), std::string::npos) << late.err;
  // Made again without --resume: refused.
  RunResult again = run({"search", config(), "--workers", "0", "--quiet"});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;
}

TEST_F(WorkerCommand, ASearchAtAFidelityBelowOneHasABestAndListsItsTrials) {
  // The one-process loop listed no best trials at fidelity 0.5; the queue found no best at all.
  auto lists_a_trial = [](const std::string& out) {
    const size_t table = out.find("best trials:");
    return table != std::string::npos && out.find(" ok ", table) != std::string::npos;
  };
  RunResult classic = run({"search", config("fidelity: 0.5\n"), "--quiet"});
  ASSERT_EQ(classic.status, 0) << classic.err;
  EXPECT_TRUE(lists_a_trial(classic.out)) << classic.out;
  RunResult queued = run_binary("search " + config("fidelity: 0.5\n") + " --store " + path("q.db") + " --workers 1 --quiet");
  ASSERT_EQ(queued.status, 0) << queued.out;
  EXPECT_TRUE(lists_a_trial(queued.out)) << queued.out;
}

TEST_F(WorkerCommand, BadUsesAreClearErrors) {
  RunResult classic = run({"search", config(), "--quiet"});
  ASSERT_EQ(classic.status, 0) << classic.err;
  RunResult not_queue = run({"worker", "--store", path("s.db")});
  EXPECT_EQ(not_queue.status, 1);
  EXPECT_NE(not_queue.err.find("not a trial-queue study"), std::string::npos) << not_queue.err;
  RunResult missing = run({"worker", "--store", path("none.db")});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("none.db: no such experiment store"), std::string::npos) << missing.err;
  RunResult asha = run({"search", config("multi_fidelity: {candidates: 9, eta: 3, min_fidelity: 0.111, schedule: asynchronous}\n"),
                        "--store", path("a.db"), "--quiet"});
  EXPECT_EQ(asha.status, 1);
  EXPECT_NE(asha.err.find("schedule: asynchronous (ASHA) runs on the trial queue: add --workers N"), std::string::npos) << asha.err;
  RunResult typo = run({"search", config("multi_fidelity: {candidates: 9, schedule: async}\n"), "--store", path("b.db"), "--quiet"});
  EXPECT_EQ(typo.status, 1);
  EXPECT_NE(typo.err.find("multi_fidelity.schedule"), std::string::npos) << typo.err;
  RunResult study = run({"search", config(), "--store", path("c.db"), "--study", "Bad-Name", "--workers", "0"});
  EXPECT_EQ(study.status, 1);
  EXPECT_NE(study.err.find("a study name is 1 to 40 characters"), std::string::npos) << study.err;
}

TEST_F(WorkerCommand, TheMpirunLauncherExampleStartsWorkersThatCompleteTheStudy) {
  ASSERT_EQ(system("command -v mpirun >/dev/null"), 0) << "mpirun is missing: scripts/deps installs Debian's openmpi-bin";
  RunResult made = run({"search", config(), "--workers", "0", "--quiet"});
  ASSERT_EQ(made.status, 0) << made.err;
  // As root (CI), Open MPI wants to be told that is intended.
  RunResult mpirun = run_shell("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HWNAS=" + std::string(HWNAS_BINARY) +
                               " HWNAS_STORE=" + path("s.db") + " " + HWNAS_SOURCE_DIR +
                               "/docs/examples/launchers/mpirun-workers.sh 2 --oversubscribe");
  ASSERT_EQ(mpirun.status, 0) << mpirun.out;
  RunResult workers = run({"trials", "workers", path("s.db")});
  ASSERT_EQ(workers.status, 0) << workers.err;
  EXPECT_NE(workers.out.find("8 trials: 8 done"), std::string::npos) << workers.out;
  int exited = 0;
  for (size_t at = workers.out.find("exited"); at != std::string::npos; at = workers.out.find("exited", at + 1)) ++exited;
  EXPECT_EQ(exited, 2) << workers.out;
}

TEST_F(WorkerCommand, LocalWorkersOverPostgresqlShowAndStoreNoPassword) {
  ASSERT_FALSE(::test_support::postgres_url().empty()) << ::test_support::postgres_error();
  std::string url = ::test_support::postgres_url();
  url.replace(url.find("hwnas@"), 6, "hwnas:s3cret@");  // trust authentication ignores it; nothing may show it
  const std::string study = "cli_" + std::to_string(getpid());
  RunResult r = run_binary("search " + config("multi_fidelity: {candidates: 6, eta: 2, min_fidelity: 0.25, schedule: asynchronous}\n") +
                           " --store '" + url + "' --study " + study + " --workers 2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos) << r.out;
  const size_t brace = r.out.find('{');
  ASSERT_NE(brace, std::string::npos) << r.out;
  auto summary = nlohmann::json::parse(r.out.substr(r.out.find("\n{") == std::string::npos ? brace : r.out.find("\n{") + 1), nullptr, false);
  ASSERT_TRUE(summary.is_object()) << r.out;
  EXPECT_GE(summary["counts"]["done"].get<int>(), 6 + 3 + 1);  // rungs of 6, 3 and at least 1
  EXPECT_EQ(summary["store"].get<std::string>().find("s3cret"), std::string::npos);
  ASSERT_TRUE(summary["best"].is_object()) << r.out;
  EXPECT_EQ(summary["best"]["fidelity"].get<double>(), 1.0) << "the best of a halving study is a full-fidelity trial";
  auto store = search::ExperimentStore::open(url, search::ExperimentStore::Access::ReadOnly, study);
  ASSERT_TRUE(store.ok()) << store.error().message;
  for (const auto& [k, v] : store->meta()) EXPECT_EQ(v.find("s3cret"), std::string::npos) << k;
  RunResult workers = run_binary("trials workers '" + url + "' --study " + study);
  ASSERT_EQ(workers.status, 0) << workers.out;
  EXPECT_NE(workers.out.find("exited"), std::string::npos) << workers.out;
  EXPECT_EQ(workers.out.find("s3cret"), std::string::npos) << workers.out;
}

}  // namespace
}  // namespace hwnas::cli
