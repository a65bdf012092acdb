// posix_spawn of a shell command with captured output and a timeout that kills its process group.
#include "run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace hwnas::hw::detail {
namespace {

void append_capped(std::string& buffer, const char* data, size_t size, size_t cap) {
  buffer.append(data, size);
  if (buffer.size() > cap) buffer.erase(0, buffer.size() - cap);
}

// The words of `command` when a shell would do nothing with it but split it: plain words of
// characters that are never special to sh, and single-quoted words (what shell_quote makes), not
// starting with a shell builtin or an assignment. Anything else (a pipe, $, a glob, `echo`,
// `cd`...) is nullopt and goes to /bin/sh.
std::optional<std::vector<std::string>> plain_words(const std::string& command) {
  static const std::string plain = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-+,:@%^=";
  std::vector<std::string> words;
  size_t i = 0;
  while (i < command.size()) {
    if (command[i] == ' ') {
      ++i;
      continue;
    }
    std::string word;
    while (i < command.size() && command[i] != ' ') {
      if (command[i] == '\'') {
        const size_t end = command.find('\'', i + 1);
        if (end == std::string::npos) return std::nullopt;
        word += command.substr(i + 1, end - i - 1);
        i = end + 1;
      } else if (plain.find(command[i]) != std::string::npos) {
        word += command[i++];
      } else {
        return std::nullopt;
      }
    }
    words.push_back(word);
  }
  if (words.empty() || words[0].find('=') != std::string::npos || words[0].empty()) return std::nullopt;
  static const char* builtins[] = {"echo", "printf", "test", "[", "true", "false", "exit", "cd", "export", "set", "unset",
                                   "exec", "eval", "read", "shift", "trap", "wait", "ulimit", "umask", "alias", "command",
                                   "type", "kill", "pwd", "times", "return", "break", "continue", ".", ":", "local"};
  for (const char* b : builtins)
    if (words[0] == b) return std::nullopt;
  return words;
}

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

Result<CommandRun> run_shell_command(const std::string& command, double timeout_s, size_t max_output_bytes) {
  // Close-on-exec pipes: a command started at the same time by another thread never holds them.
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Error{"cannot create a pipe: " + std::string(std::strerror(errno))};
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Error{"cannot create a pipe: " + std::string(std::strerror(errno))};
  }
  // posix_spawn (vfork-like: no copy of this process's page tables, which with libtorch loaded
  // are hundreds of MB) of /bin/sh -c in its own process group, so a timeout kills all it started.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  // A command the shell would only split is started directly (the shell's start costs about
  // 0.7 ms, more than a fast evaluator's answer); when its program is not found, through sh,
  // which then reports it the shell's way.
  pid_t pid = -1;
  int spawned = -1;
  if (auto words = plain_words(command)) {
    std::vector<char*> argv;
    for (std::string& w : *words) argv.push_back(w.data());
    argv.push_back(nullptr);
    spawned = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  }
  if (spawned != 0) {
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
    spawned = posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), environ);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Error{"cannot start a process: " + std::string(std::strerror(spawned))};
  }

  CommandRun run;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[4096];
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (left <= 0) {
      run.timed_out = true;
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        append_capped(i == 0 ? run.out : run.err, buffer, static_cast<size_t>(n), max_output_bytes);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& fd : fds)
    if (fd.fd >= 0) close(fd.fd);
  // The command may close its output and go on running: wait for it within the deadline too.
  // Polled with a growing pause (20 us to 2 ms): a command that exits as it closes its output,
  // the usual case, is reaped within microseconds.
  int status = 0;
  useconds_t pause_us = 20;
  while (!run.timed_out) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      run.timed_out = true;
      break;
    }
    usleep(pause_us);
    pause_us = std::min<useconds_t>(2000, pause_us * 2);
  }
  if (run.timed_out) {
    kill(-pid, SIGKILL);  // the group we created: the shell and whatever it started
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (WIFEXITED(status)) run.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  return run;
}

}  // namespace hwnas::hw::detail
