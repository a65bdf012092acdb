// `hwnas report STORE -o report.html` (one self-contained page) and `hwnas dashboard STORE`
// (the same page served live from a store a search may be writing).
#include <csignal>
#include <fstream>
#include <memory>
#include <pthread.h>
#include <thread>

#include "commands.h"
#include "hwnas/hw/registry.h"
#include "hwnas/report/dashboard.h"
#include "hwnas/report/report.h"
#include "hwnas/search/store.h"

namespace hwnas::cli {

hw::TargetRegistry cli_target_registry();  // cmd_targets.cpp: presets, files, commands, libtorch

namespace {

report::CollectOptions collect_options(const std::string& config_file, const std::string& study) {
  report::CollectOptions options;
  options.config_file = config_file;
  options.study = study;
  options.make_target = [](const std::string& name) { return cli_target_registry().make(name); };
  return options;
}

struct ReportArgs {
  std::string store, study, output = "report.html", config;
};

int run_report(const ReportArgs& args, Streams streams) {
  auto data = report::collect_report(args.store, collect_options(args.config, args.study));
  if (!data) return report_error(*streams.err, data.error().message);
  const std::string html = report::render_report_html(*data);
  {
    std::ofstream out(args.output, std::ios::binary);
    if (!(out << html)) return report_error(*streams.err, args.output + ": cannot write the report");
  }
  *streams.out << "report: " << args.output << " (" << data->trials.size() << " trials";
  if (data->best >= 0) *streams.out << ", best trial " << data->trials[static_cast<size_t>(data->best)].id;
  *streams.out << ")\n";
  if (!data->networks_note.empty()) *streams.err << "hwnas: note: " << data->networks_note << "\n";
  return kExitSuccess;
}

struct DashboardArgs {
  std::string store, study, config, host = "127.0.0.1";
  int port = 8050;
  int poll_ms = 2000;
  bool allow_remote = false;
};

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

int run_dashboard(const DashboardArgs& args, Streams streams) {
  if (!is_loopback(args.host) && !args.allow_remote)
    return report_error(*streams.err,
                        "--host " + args.host + " is not a loopback address: the dashboard would be reachable from other machines; "
                        "add --allow-remote to mean it",
                        kExitUsage);
  report::DashboardOptions options;
  options.host = args.host;
  options.port = args.port;
  options.poll_ms = args.poll_ms;
  options.collect = collect_options(args.config, args.study);
  auto dashboard = report::Dashboard::bind(args.store, options);
  if (!dashboard) return report_error(*streams.err, dashboard.error().message);
  // SIGINT and SIGTERM are taken by a waiting thread, which stops the server cleanly.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  *streams.out << "dashboard: " << (*dashboard)->url() << " (read-only over " << search::mask_password(args.store) << "; Ctrl-C stops)" << std::endl;
  report::Dashboard* served = dashboard->get();
  std::thread server([served] { served->run(); });
  int signal = 0;
  sigwait(&signals, &signal);
  served->stop();
  server.join();
  return kExitSuccess;
}

}  // namespace

void register_report(CLI::App& app, Streams streams) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* report = app.add_subcommand("report", "write an experiment store as one self-contained HTML report (plots, per-stage costs, trials)");
  report->add_option("store", args->store, "experiment store (a SQLite path or postgresql:// URL), finished or not")->required();
  report->add_option("--study", args->study, "the study in the store (default 'default')");
  report->add_option("-o,--output", args->output, "the HTML file to write")->capture_default_str();
  report->add_option("--config", args->config, "the search config to rebuild networks from (default: the one the store records)");
  report->callback([args, streams] { finish(run_report(*args, streams)); });

  auto dargs = std::make_shared<DashboardArgs>();
  CLI::App* dashboard = app.add_subcommand("dashboard", "serve the report live while a search writes the store (read-only)");
  dashboard->add_option("store", dargs->store, "experiment store (a SQLite path or postgresql:// URL)")->required();
  dashboard->add_option("--study", dargs->study, "the study in the store (default 'default')");
  dashboard->add_option("--port", dargs->port, "port (0: any free one)")->capture_default_str()->check(CLI::Range(0, 65535));
  dashboard->add_option("--host", dargs->host, "address to listen on")->capture_default_str();
  dashboard->add_flag("--allow-remote", dargs->allow_remote, "allow a --host other machines can reach");
  dashboard->add_option("--poll-ms", dargs->poll_ms, "how often the page asks for new trials")->capture_default_str()->check(CLI::Range(100, 600000));
  dashboard->add_option("--config", dargs->config, "the search config to rebuild networks from (default: the one the store records)");
  dashboard->callback([dargs, streams] { finish(run_dashboard(*dargs, streams)); });
}

}  // namespace hwnas::cli
