// A throw-away PostgreSQL cluster for one test program (scripts/pg-cluster): started at its first
// use, stopped when the program exits. A test that needs it fails, with the script's message,
// when it cannot start (no server installed, initdb refused): it is never skipped.
//
//   const std::string& url = test_support::postgres_url();
//   ASSERT_FALSE(url.empty()) << test_support::postgres_error();
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace test_support {

struct PostgresCluster {
  std::string dir, url, error;
  pid_t owner = getpid();  // a forked child that exits must not stop its parent's server
  PostgresCluster() {
    char pattern[] = "/tmp/hwnas-pg-XXXXXX";
    if (!mkdtemp(pattern)) {
      error = "cannot make a temporary folder for the PostgreSQL cluster";
      return;
    }
    dir = pattern;
    const std::string command = std::string(HWNAS_SOURCE_DIR) + "/scripts/pg-cluster start " + dir + " 2>&1";
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      std::array<char, 512> buffer{};
      while (fgets(buffer.data(), buffer.size(), pipe)) output += buffer.data();
      const int status = pclose(pipe);
      while (!output.empty() && output.back() == '\n') output.pop_back();
      const size_t last = output.rfind('\n');
      const std::string last_line = last == std::string::npos ? output : output.substr(last + 1);
      if (status == 0 && last_line.rfind("postgresql://", 0) == 0) url = last_line;
      else error = "scripts/pg-cluster start failed: " + output;
    } else {
      error = "cannot run scripts/pg-cluster";
    }
  }
  ~PostgresCluster() {
    if (!dir.empty() && getpid() == owner) std::system((std::string(HWNAS_SOURCE_DIR) + "/scripts/pg-cluster stop " + dir + " >/dev/null 2>&1").c_str());
  }
};

inline PostgresCluster& postgres_cluster() {
  static PostgresCluster cluster;
  return cluster;
}
// The cluster's URL ("" when it could not start: postgres_error() says why).
inline const std::string& postgres_url() { return postgres_cluster().url; }
inline const std::string& postgres_error() { return postgres_cluster().error; }

}  // namespace test_support
