// run_shell_command: the same results whether a command goes through /bin/sh or, being only
// words, is started directly; timeouts, exit statuses and missing programs.
#include "../../src/hw/run_command.h"

#include <gtest/gtest.h>

namespace hwnas::hw::detail {
namespace {

CommandRun run(const std::string& command, double timeout_s = 10) {
  auto r = run_shell_command(command, timeout_s);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : CommandRun{};
}

TEST(RunShellCommand, WordsAndQuotedWordsReachTheProgramAsTheShellWouldPassThem) {
  // started directly: the quoted word keeps its spaces and its $ unexpanded, as sh would
  EXPECT_EQ(run("/bin/echo plain " + shell_quote("two words $HOME it's")).out, "plain two words $HOME it's\n");
  EXPECT_EQ(run("env -i /bin/echo x=1").out, "x=1\n");
}

TEST(RunShellCommand, ShellSyntaxAndBuiltinsGoThroughTheShell) {
  EXPECT_EQ(run("echo hi | tr h H").out, "Hi\n");
  EXPECT_EQ(run("X=5; echo $X").out, "5\n");
  EXPECT_EQ(run("exit 3").exit_status, 3);
  EXPECT_EQ(run("printf 'a\\nb'").out, "a\nb");  // the builtin's escapes
  CommandRun both = run("echo out; echo err >&2");
  EXPECT_EQ(both.out, "out\n");
  EXPECT_EQ(both.err, "err\n");
}

TEST(RunShellCommand, AMissingProgramIsTheShellsExit127) {
  CommandRun missing = run("no-such-program-hwnas " + shell_quote("arg"));
  EXPECT_EQ(missing.exit_status, 127);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
}

TEST(RunShellCommand, ATimeoutKillsTheCommandStartedDirectlyOrNot) {
  CommandRun direct = run("sleep 5", 0.2);
  EXPECT_TRUE(direct.timed_out);
  CommandRun shell = run("sleep 5; echo never", 0.2);
  EXPECT_TRUE(shell.timed_out);
  EXPECT_EQ(shell.out, "");
}

}  // namespace
}  // namespace hwnas::hw::detail
