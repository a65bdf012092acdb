// Dashboard: the report served live over HTTP from a store that a search may be writing.
#include "hwnas/report/dashboard.h"

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "hwnas/search/store.h"

namespace hwnas::report {

struct Dashboard::Impl {
  std::string store_path;
  DashboardOptions options;
  httplib::Server server;
  int port = 0;
  // The rebuilt networks of the last best trial: a new trial that does not change the best
  // costs one store read, not a decode and a simulation.
  std::mutex mutex;
  std::optional<std::string> cached_best_key;  // unset: nothing cached yet
  ReportData cached;                           // its best_view, baseline_view and networks_note

  Result<ReportData> collect(bool networks) {
    auto data = read_report(store_path, options.collect.study);
    if (!data || !networks) return data;
    const std::string best_key = data->best >= 0 ? data->trials[static_cast<size_t>(data->best)].key : "";
    std::lock_guard<std::mutex> lock(mutex);
    if (cached_best_key != best_key) {
      add_networks(*data, options.collect);
      cached_best_key = best_key;
      cached.best_view = data->best_view;
      cached.baseline_view = data->baseline_view;
      cached.networks_note = data->networks_note;
      return data;
    }
    data->best_view = cached.best_view;
    data->baseline_view = cached.baseline_view;
    data->networks_note = cached.networks_note;
    return data;
  }

  void route() {
    auto fail = [](httplib::Response& res, const std::string& message) {
      res.status = 500;
      res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
    };
    auto page = [this, fail](bool live) {
      return [this, fail, live](const httplib::Request&, httplib::Response& res) {
        auto data = collect(true);
        if (!data) return fail(res, data.error().message);
        res.set_content(render_report_html(*data, {.live = live, .poll_ms = options.poll_ms}), "text/html; charset=utf-8");
      };
    };
    server.Get("/", page(true));
    server.Get("/report.html", page(false));
    server.Get("/fragment", [this, fail](const httplib::Request&, httplib::Response& res) {
      auto data = collect(true);
      if (!data) return fail(res, data.error().message);
      res.set_content(render_report_body(*data), "text/html; charset=utf-8");
    });
    // The JSON routes: the store read alone, no network rebuilt.
    auto json = [this, fail](std::string (*render)(const ReportData&)) {
      return [this, fail, render](const httplib::Request&, httplib::Response& res) {
        auto data = collect(false);
        if (!data) return fail(res, data.error().message);
        res.set_content(render(*data), "application/json");
      };
    };
    server.Get("/api/summary", json(summary_json));
    server.Get("/api/trials", json(trials_json));
    server.Get("/api/meta", json([](const ReportData& data) { return nlohmann::json(data.meta).dump(); }));
    // Read-only: everything but GET and HEAD is refused.
    auto refuse = [](const httplib::Request&, httplib::Response& res) {
      res.status = 405;
      res.set_content("the hwnas dashboard is read-only", "text/plain");
    };
    server.Post(".*", refuse);
    server.Put(".*", refuse);
    server.Delete(".*", refuse);
    server.Patch(".*", refuse);
  }
};

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dashboard::~Dashboard() { stop(); }

Result<std::unique_ptr<Dashboard>> Dashboard::bind(const std::string& store_path, const DashboardOptions& options) {
  // Fail now, not on the first request, when the store cannot be read.
  auto store = search::ExperimentStore::open(store_path, search::ExperimentStore::Access::ReadOnly, options.collect.study);
  if (!store) return store.error();
  auto impl = std::make_unique<Impl>();
  impl->store_path = store_path;
  impl->options = options;
  impl->route();
  // httplib's default also sets SO_REUSEPORT, which would let a second dashboard share a port
  // silently; SO_REUSEADDR alone still allows a quick restart.
  impl->server.set_socket_options([](auto sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof yes);
  });
  if (options.port == 0) {
    impl->port = impl->server.bind_to_any_port(options.host.c_str());
  } else {
    impl->port = impl->server.bind_to_port(options.host.c_str(), options.port) ? options.port : -1;
  }
  if (impl->port <= 0)
    return Error{"cannot listen on " + options.host + ":" + std::to_string(options.port) + " (in use, or not an address of this machine)"};
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

int Dashboard::port() const { return impl_->port; }

std::string Dashboard::url() const {
  const std::string host = impl_->options.host.find(':') != std::string::npos ? "[" + impl_->options.host + "]" : impl_->options.host;
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

void Dashboard::run() { impl_->server.listen_after_bind(); }

void Dashboard::stop() {
  if (impl_) impl_->server.stop();
}

}  // namespace hwnas::report
