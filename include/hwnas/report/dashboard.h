// The live dashboard: a local HTTP server (cpp-httplib) over an experiment store, read-only,
// serving the report page that redraws itself as trials land, and JSON for scripts.
//
//   auto dashboard = report::Dashboard::bind("run.db", {.port = 8050});  // 127.0.0.1 by default
//   std::cout << "serving " << (*dashboard)->url() << "\n";
//   (*dashboard)->run();                                              // until stop()
//
// Routes: /            the live page (report.h's page, polling /api/summary)
//         /fragment    the page's content, re-rendered from the store
//         /report.html the static report, as `hwnas report` writes it
//         /api/summary counts, best, baseline, front (JSON)
//         /api/trials  every trial (JSON)
//         /api/meta    the store's meta (JSON)
#pragma once

#include <memory>
#include <string>

#include "hwnas/ir/result.h"
#include "hwnas/report/report.h"

namespace hwnas::report {

struct DashboardOptions {
  std::string host = "127.0.0.1";  // anything else only when the caller asked for it explicitly
  int port = 8050;                  // 0: any free port (see port())
  int poll_ms = 2000;               // how often the page asks for news
  CollectOptions collect{};
};

class Dashboard {
 public:
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Checks the store can be read and binds the port; an Error naming the store or the address.
  static Result<std::unique_ptr<Dashboard>> bind(const std::string& store_path, const DashboardOptions& options);

  int port() const;
  std::string url() const;  // "http://127.0.0.1:8050/"
  // Serves until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();

 private:
  struct Impl;
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwnas::report
