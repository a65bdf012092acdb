// The command target: ONNX handed to a user's script, its JSON validated, misbehaving scripts reported.
#include "hwnas/hw/command_target.h"

#include <gtest/gtest.h>

#include <chrono>

#include "hwnas/ir/builder.h"

namespace hwnas::hw {
namespace {

using ir::OpKind;

std::string device(const std::string& mode) {
  return "sh '" + std::string(HWNAS_TEST_DATA) + "/hw/fake_device.sh' " + mode + " {onnx}";
}

ir::Graph small_graph(const std::string& name = "small") {
  ir::Graph g(name);
  ir::Builder b(g);
  auto x = b.input({1, 3, 16, 16});
  auto y = b.conv_bn_act(x, 8, 3, 2, OpKind::Relu6);
  y = b.global_avg_pool(y);
  b.linear(b.flatten(y), 10);
  EXPECT_TRUE(b.ok());
  return g;
}

std::unique_ptr<CommandTarget> make(const std::string& command, double timeout_s = 30) {
  CommandOptions options;
  options.timeout_s = timeout_s;
  auto target = CommandTarget::create(command, options);
  EXPECT_TRUE(target.ok()) << (target.ok() ? "" : target.error().message);
  return target.ok() ? std::move(*target) : nullptr;
}

std::string network_error(const std::string& mode, double timeout_s = 30) {
  auto target = make(device(mode), timeout_s);
  auto m = target->measure_network(small_graph());
  EXPECT_FALSE(m.ok()) << mode << " was accepted";
  return m.ok() ? "" : m.error().message;
}

TEST(CommandTarget, ReadsMillisecondsAndMicroseconds) {
  auto ms = make(device("ok_ms"));
  auto m = ms->measure_network(small_graph());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_DOUBLE_EQ(m->latency_us, 3200.0);
  EXPECT_DOUBLE_EQ(m->spread_us, 100.0);
  EXPECT_DOUBLE_EQ(m->energy_uj, 2000.0);
  EXPECT_EQ(m->notes.rfind("bytes=", 0), 0u);  // the script saw a non-empty ONNX file
  EXPECT_GT(std::stol(m->notes.substr(6)), 100);
  EXPECT_EQ(ms->kind(), "command");
  EXPECT_EQ(ms->name(), "command:" + device("ok_ms"));

  auto us = make(device("ok_us"));
  auto n = us->measure_network(small_graph());
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_DOUBLE_EQ(n->latency_us, 850.0);
  EXPECT_DOUBLE_EQ(n->spread_us, 12.5);

  auto multi = make(device("multiline"));
  auto p = multi->measure_network(small_graph());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_DOUBLE_EQ(p->latency_us, 1500.0);
}

TEST(CommandTarget, MeasuresAKernelAsAnExportedSubgraph) {
  auto target = make(device("ok_us"));
  ir::Graph g = small_graph();
  auto kernels = target->partition(g);
  ASSERT_EQ(kernels.size(), 3u);  // conv+bn+relu6, pool+flatten, linear
  auto k = target->measure_kernel(g, kernels[0]);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->label, "conv2d+batch_norm+relu6");
  EXPECT_DOUBLE_EQ(k->latency_us, 850.0);
  EXPECT_FALSE(target->measure_kernel(g, Kernel{}).ok());
}

TEST(CommandTarget, RejectsOutputWithoutAValidLatency) {
  struct Case {
    std::string mode;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"missing", {"no 'latency_ms' or 'latency_us'", "\"latency\""}},
      {"typo", {"'latency_msec'", "did you mean 'latency_ms'"}},
      {"not_number", {"'latency_ms' must be a number", "\"fast\""}},
      {"negative", {"'latency_ms' must be positive", "-1"}},
      {"zero", {"'latency_us' must be positive"}},
      {"both", {"not both"}},
      {"bad_spread", {"'spread_ms' must be non-negative"}},
      {"garbage", {"no JSON object", "about three milliseconds"}},
      {"silent", {"no JSON object", "(nothing)"}},
      {"fail", {"exited with status 3", "adb: device offline", "retry later"}},
      {"nonsense", {"exited with status 2", "unknown mode 'nonsense'"}},
  };
  for (const Case& c : cases) {
    const std::string message = network_error(c.mode);
    for (const std::string& part : c.expected)
      EXPECT_NE(message.find(part), std::string::npos)
          << c.mode << ": '" << message << "' lacks '" << part << "'";
    EXPECT_NE(message.find("command"), std::string::npos) << message;
  }
}

TEST(CommandTarget, KillsACommandThatRunsPastItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const std::string message = network_error("sleep", 0.5);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(message.find("timed out"), std::string::npos) << message;
  EXPECT_LT(seconds, 10.0);
}

// File and graph names reach the command as single shell words: no injection.
TEST(CommandTarget, NamesCannotInjectShellSyntax) {
  const std::string nasty = "net'; echo INJECTED; echo '$(whoami)";
  auto target = make("sh '" + std::string(HWNAS_TEST_DATA) + "/hw/fake_device.sh' echo_name {onnx} {name}");
  auto m = target->measure_network(small_graph(nasty));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->notes, nasty);
}

TEST(CommandTarget, RejectsTemplatesWithoutOnnxAndBadTimeouts) {
  auto no_onnx = CommandTarget::create("./bench.sh model.onnx");
  ASSERT_FALSE(no_onnx.ok());
  EXPECT_NE(no_onnx.error().message.find("{onnx}"), std::string::npos);
  CommandOptions options;
  options.timeout_s = 0;
  EXPECT_FALSE(CommandTarget::create("./bench.sh {onnx}", options).ok());
}

TEST(CommandTarget, ParsesTheLastJsonLine) {
  auto r =
      parse_command_output("{\"latency_ms\": 9}\nlog line\n{\"latency_us\": 7, \"energy_uj\": 1.5}\n", "x");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->latency_us, 7.0);
  EXPECT_DOUBLE_EQ(r->energy_uj, 1.5);
  EXPECT_FALSE(parse_command_output("[1, 2]", "x").ok());
  EXPECT_FALSE(parse_command_output("{\"latency_ms\": null}", "x").ok());
}

}  // namespace
}  // namespace hwnas::hw
