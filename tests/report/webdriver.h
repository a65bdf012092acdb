// A headless Chromium driven over WebDriver (Debian's chromium and chromium-driver) for the
// report's browser tests: open a page, run a script in it, read its console, take a screenshot.
//
//   auto browser = Browser::start();               // an Error when chromium/chromedriver are missing
//   browser->open("file:///tmp/report.html");
//   auto n = browser->eval("return document.querySelectorAll('circle.trial').length");
//   auto errors = browser->console_errors();
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hwnas/ir/result.h"

extern char** environ;

namespace hwnas::report::test_support {

inline constexpr const char* kChromium = "/usr/bin/chromium";
inline constexpr const char* kChromedriver = "/usr/bin/chromedriver";

inline int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

inline std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, buffer = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

class Browser {
 public:
  ~Browser() {
    if (client_ && !session_.empty()) client_->Delete(("/session/" + session_).c_str());
    if (driver_ > 0) {
      kill(driver_, SIGTERM);
      waitpid(driver_, nullptr, 0);
    }
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  static Result<std::unique_ptr<Browser>> start() {
    for (const char* binary : {kChromium, kChromedriver})
      if (access(binary, X_OK) != 0)
        return Error{std::string(binary) + " is missing: the browser tests need Debian's chromium and chromium-driver (scripts/deps installs them)"};
    std::unique_ptr<Browser> b(new Browser());
    const int port = free_loopback_port();
    const std::string port_arg = "--port=" + std::to_string(port);
    std::vector<char*> argv{const_cast<char*>(kChromedriver), const_cast<char*>(port_arg.c_str()), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawn(&b->driver_, kChromedriver, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return Error{std::string("cannot start ") + kChromedriver};
    b->client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    b->client_->set_read_timeout(120, 0);
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      auto res = b->client_->Get("/status");
      if (res && res->status == 200) {
        auto status = nlohmann::json::parse(res->body, nullptr, false);
        ready = status.is_object() && status["value"].is_object() && status["value"].value("ready", false);
      }
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!ready) return Error{std::string(kChromedriver) + " did not become ready on port " + std::to_string(port)};
    nlohmann::json caps = {
        {"capabilities",
         {{"alwaysMatch",
           {{"browserName", "chrome"},
            {"goog:chromeOptions",
             {{"binary", kChromium},
              {"args", {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2400"}}}},
            {"goog:loggingPrefs", {{"browser", "ALL"}}}}}}}};
    auto session = b->post("/session", caps);
    if (!session) return Error{"cannot open a Chromium session: " + session.error().message};
    b->session_ = (*session)["sessionId"].get<std::string>();
    return b;
  }

  Status open(const std::string& url) {
    auto r = post(path("/url"), {{"url", url}});
    if (!r) return r.error();
    return {};
  }

  // Runs `script` (a function body: `return ...`) in the page; its value as JSON.
  Result<nlohmann::json> eval(const std::string& script) { return post(path("/execute/sync"), {{"script", script}, {"args", nlohmann::json::array()}}); }

  // The console's entries of level SEVERE (errors and uncaught exceptions) since the last call.
  Result<std::vector<std::string>> console_errors() {
    auto r = post(path("/se/log"), {{"type", "browser"}});
    if (!r) return r.error();
    std::vector<std::string> errors;
    for (const auto& entry : *r)
      if (entry.value("level", "") == "SEVERE") errors.push_back(entry.value("message", ""));
    return errors;
  }

  Status screenshot(const std::string& file) {
    auto res = client_->Get(path("/screenshot").c_str());
    if (!res || res->status != 200) return Error{"screenshot failed"};
    auto json = nlohmann::json::parse(res->body, nullptr, false);
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    std::ofstream(file, std::ios::binary) << base64_decode(json["value"].get<std::string>());
    return {};
  }

 private:
  Browser() = default;
  std::string path(const std::string& tail) const { return "/session/" + session_ + tail; }

  // The "value" of a WebDriver command's answer; an Error with its message.
  Result<nlohmann::json> post(const std::string& where, const nlohmann::json& body) {
    auto res = client_->Post(where.c_str(), body.dump(), "application/json");
    if (!res) return Error{"no answer from chromedriver to " + where};
    auto json = nlohmann::json::parse(res->body, nullptr, false);
    if (res->status != 200) return Error{where + ": " + (json.is_object() ? json["value"].value("message", res->body) : res->body)};
    return json["value"];
  }

  pid_t driver_ = -1;
  std::unique_ptr<httplib::Client> client_;
  std::string session_;
};

}  // namespace hwnas::report::test_support
