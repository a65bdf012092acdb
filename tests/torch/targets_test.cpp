// The "cpu" and "cuda" targets: real timings that order work as expected, kernels as subgraphs,
// the noise report, the thread count, and errors (bad kernels, bad options, no CUDA).
#include "hwnas/torch/targets.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"
#include "hwnas/torch/partition.h"

namespace hwnas::libtorch {
namespace {

using ir::NodeId;

MeasureOptions quick() {
  MeasureOptions options;
  options.warmup_runs = 2;
  options.timed_runs = 9;
  options.time_budget_s = 5;
  return options;
}

// input 1x32x56x56 -> conv 3x3 (32->64) + bn -> relu -> global pool -> flatten -> linear.
ir::Graph conv_network() {
  ir::Graph graph("conv_network");
  ir::Builder b(graph);
  NodeId x = b.input({1, 32, 56, 56}, "x");
  NodeId y = b.conv_bn_act(x, 64, 3, 1, ir::OpKind::Relu, 1, "conv");
  b.linear(b.flatten(b.global_avg_pool(y)), 10);
  EXPECT_TRUE(b.ok());
  return graph;
}

TEST(CpuTarget, NamesAndPartition) {
  auto cpu = make_cpu_target();
  EXPECT_EQ(cpu->name(), "cpu");
  EXPECT_EQ(cpu->kind(), "cpu");
  ir::Graph graph = conv_network();
  auto kernels = cpu->partition(graph);
  ASSERT_EQ(kernels.size(), 5u);  // conv+bn, relu, pool, flatten, linear
  EXPECT_EQ(kernels[0].nodes, (std::vector<NodeId>{1, 2}));
  MeasureOptions unfolded = quick();
  unfolded.fold_batch_norm = false;
  EXPECT_EQ(make_cpu_target(unfolded)->partition(graph).size(), 6u);
}

TEST(CpuTarget, MeasuresTheNetworkWithANoiseReport) {
  auto cpu = make_cpu_target(quick());
  int threads_before = at::get_num_threads();
  auto m = cpu->measure_network(conv_network());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_GT(m->latency_us, 0);
  EXPECT_GE(m->spread_us, 0);
  EXPECT_EQ(m->notes.rfind("cpu, 1 thread, batch norm folded: median ", 0), 0u) << m->notes;
  EXPECT_NE(m->notes.find(" over 9 runs"), std::string::npos) << m->notes;
  EXPECT_NE(m->notes.find("; kernels timed in context"), std::string::npos) << m->notes;
  EXPECT_EQ(at::get_num_threads(), threads_before);
  // Its kernels, timed in context, are the partition's and sum to the network's median.
  const std::vector<hw::Kernel> kernels = cpu->partition(conv_network());
  ASSERT_EQ(m->kernels.size(), kernels.size());
  double sum = 0;
  for (size_t k = 0; k < kernels.size(); ++k) {
    EXPECT_EQ(m->kernels[k].nodes, kernels[k].nodes);
    EXPECT_GT(m->kernels[k].latency_us, 0);
    sum += m->kernels[k].latency_us;
  }
  EXPECT_EQ(m->kernels[0].label, "conv2d+batch_norm");
  EXPECT_EQ(m->kernels[0].macs, analysis::layer_cost(conv_network(), 1).macs);
  EXPECT_NEAR(sum, m->latency_us, 1e-9 * m->latency_us);
  EXPECT_GT(m->kernels[0].latency_us, m->kernels[1].latency_us) << "the conv outweighs its relu";

  MeasureOptions whole_only = quick();
  whole_only.kernels_in_context = false;
  auto whole = make_cpu_target(whole_only)->measure_network(conv_network());
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_TRUE(whole->kernels.empty());
}

// Kernel by kernel in context: one chained run's kernel times sum to that run, and the chained
// runs take about as long as the network run whole (the same ATen calls, a module call more per
// kernel): a generous bound on the fastest runs, since the machine may be loaded.
TEST(TimeGraphInContext, KernelsSumToTheChainedRunsAndMatchTheNetwork) {
  ir::Graph graph = conv_network();
  auto timing = time_graph_in_context(graph, eager_partition(graph, true), Device::Cpu, quick());
  ASSERT_TRUE(timing.ok()) << timing.error().message;
  ASSERT_EQ(timing->kernels.size(), 5u);
  EXPECT_EQ(timing->network.runs, 9);
  EXPECT_EQ(timing->chained.runs, 9);
  double mean_sum = 0;
  for (const TimingStats& k : timing->kernels) {
    EXPECT_EQ(k.runs, 9);
    EXPECT_GT(k.median_us, 0);
    mean_sum += k.mean_us;
  }
  EXPECT_NEAR(mean_sum, timing->chained.mean_us, 1e-6 * timing->chained.mean_us) << "a run's kernels sum to the run";
  // The fastest runs: medians on a loaded machine can differ tenfold between the two.
  EXPECT_GT(timing->chained.min_us, 0.5 * timing->network.min_us);
  EXPECT_LT(timing->chained.min_us, 2.0 * timing->network.min_us);
}

// A graph with two outputs and a tensor read by two later kernels: every kernel gets the right
// tensors (the run would throw on a wrong shape), also unfolded.
TEST(TimeGraphInContext, WiresBranchesAndOutputs) {
  ir::Graph graph("branches");
  ir::Builder b(graph);
  NodeId x = b.input({1, 8, 16, 16}, "x");
  NodeId a = b.conv_bn_act(x, 8, 3, 1, ir::OpKind::Relu, 1, "a");
  NodeId c = b.conv_bn_act(a, 16, 1, 1, ir::OpKind::Relu6, 1, "c");
  NodeId d = b.conv_bn_act(a, 16, 3, 1, ir::OpKind::Input, 1, "d");
  NodeId sum = b.add(c, d);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(graph.set_outputs({sum, a}));
  for (bool fold : {true, false}) {
    MeasureOptions options = quick();
    options.fold_batch_norm = fold;
    auto timing = time_graph_in_context(graph, eager_partition(graph, fold), Device::Cpu, options);
    ASSERT_TRUE(timing.ok()) << timing.error().message;
    EXPECT_EQ(timing->kernels.size(), eager_partition(graph, fold).size());
  }
}

TEST(TimeGraphInContext, APartitionThatMissesOrRepeatsANodeIsAnError) {
  ir::Graph graph = conv_network();
  std::vector<hw::Kernel> kernels = eager_partition(graph, true);
  std::vector<hw::Kernel> missing(kernels.begin() + 1, kernels.end());
  auto a = time_graph_in_context(graph, missing, Device::Cpu, quick());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("is in no kernel"), std::string::npos) << a.error().message;
  std::vector<hw::Kernel> repeated = kernels;
  repeated.push_back(kernels.back());
  auto b = time_graph_in_context(graph, repeated, Device::Cpu, quick());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("is in two kernels"), std::string::npos) << b.error().message;
  std::vector<hw::Kernel> reversed(kernels.rbegin(), kernels.rend());
  auto c = time_graph_in_context(graph, reversed, Device::Cpu, quick());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("not in node order"), std::string::npos) << c.error().message;
}

TEST(CpuTarget, KernelsAreTimedAloneAndAConvOutweighsItsRelu) {
  // The fastest of the timed runs: other processes on a shared machine only ever slow a run down,
  // so the minimum compares the two kernels' own costs.
  MeasureOptions fastest = quick();
  fastest.latency_quantile = 0;
  auto cpu = make_cpu_target(fastest);
  ir::Graph graph = conv_network();
  auto kernels = cpu->partition(graph);
  auto conv = cpu->measure_kernel(graph, kernels[0]);
  auto relu = cpu->measure_kernel(graph, kernels[1]);
  ASSERT_TRUE(conv.ok()) << conv.error().message;
  ASSERT_TRUE(relu.ok()) << relu.error().message;
  EXPECT_EQ(conv->label, "conv2d+batch_norm");
  EXPECT_EQ(conv->nodes, kernels[0].nodes);
  EXPECT_EQ(conv->macs, analysis::layer_cost(graph, 1).macs);
  EXPECT_EQ(relu->label, "relu");
  EXPECT_EQ(relu->macs, 0);
  // 57.8 M MACs against 0.2 M elements: the conv takes far longer on any CPU. Under a sanitizer
  // hwnas's own (instrumented) code around each kernel costs ~0.3 ms, which a relu cannot hide.
#if defined(__SANITIZE_ADDRESS__)
  const double factor = 2;
#else
  const double factor = 5;
#endif
  EXPECT_GT(conv->latency_us, factor * relu->latency_us) << conv->latency_us << " vs " << relu->latency_us;
}

TEST(CpuTarget, BadKernelsAndOptionsAreErrors) {
  auto cpu = make_cpu_target(quick());
  ir::Graph graph = conv_network();
  auto empty = cpu->measure_kernel(graph, hw::Kernel{});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("has no nodes"), std::string::npos);
  auto input = cpu->measure_kernel(graph, hw::Kernel{{0}});
  ASSERT_FALSE(input.ok());
  EXPECT_NE(input.error().message.find("node 'x' (input) is an input"), std::string::npos) << input.error().message;
  auto outside = cpu->measure_kernel(graph, hw::Kernel{{99}});
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.error().message.find("node id 99"), std::string::npos);
  MeasureOptions bad = quick();
  bad.threads = 0;
  auto no_threads = make_cpu_target(bad)->measure_network(graph);
  ASSERT_FALSE(no_threads.ok());
  EXPECT_NE(no_threads.error().message.find("threads must be positive"), std::string::npos);
  auto no_graph = cpu->measure_network(ir::Graph("empty"));
  EXPECT_FALSE(no_graph.ok());
}

TEST(CpuTarget, TimesWithTheRequestedThreadCount) {
  MeasureOptions two = quick();
  two.threads = 2;
  auto m = make_cpu_target(two)->measure_network(conv_network());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->notes.rfind("cpu, 2 threads", 0), 0u) << m->notes;
}

TEST(CudaTarget, WithoutADeviceMeasurementsAreAClearError) {
  if (device_available(Device::Cuda).ok()) GTEST_SKIP() << "a CUDA device is present";
  auto cuda = make_cuda_target(quick());
  EXPECT_EQ(cuda->name(), "cuda");
  EXPECT_EQ(cuda->kind(), "cuda");
  ir::Graph graph = conv_network();
  EXPECT_EQ(cuda->partition(graph).size(), 5u);  // partitioning needs no device
  auto m = cuda->measure_network(graph);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("CUDA is not available in this libtorch build / on this machine"),
            std::string::npos)
      << m.error().message;
  EXPECT_FALSE(cuda->measure_kernel(graph, cuda->partition(graph)[0]).ok());
}

TEST(CudaTarget, MeasuresOnADevice) {
  if (!device_available(Device::Cuda).ok()) GTEST_SKIP() << device_available(Device::Cuda).error().message;
  auto cuda = make_cuda_target(quick());
  ir::Graph graph = conv_network();
  auto net = cuda->measure_network(graph);
  ASSERT_TRUE(net.ok()) << net.error().message;
  EXPECT_GT(net->latency_us, 0);
  EXPECT_EQ(net->notes.rfind("cuda:0", 0), 0u) << net->notes;
  auto kernel = cuda->measure_kernel(graph, cuda->partition(graph)[0]);
  ASSERT_TRUE(kernel.ok()) << kernel.error().message;
  EXPECT_GT(kernel->latency_us, 0);
  MeasureOptions missing = quick();
  missing.cuda_device = 64;
  EXPECT_FALSE(make_cuda_target(missing)->measure_network(graph).ok());
}

TEST(TorchTargets, RegisterCpuAndCudaInTheRegistry) {
  hw::TargetRegistry registry = hw::builtin_target_registry();
  ASSERT_TRUE(register_torch_targets(registry).ok());
  std::vector<std::string> names;
  for (const hw::TargetInfo& info : registry.list()) names.push_back(info.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "cpu"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "cuda"), names.end());
  EXPECT_FALSE(register_torch_targets(registry).ok());  // a name registered twice

  hw::TargetOptions options;
  options.timed_runs = 5;
  options.warmup_runs = 1;
  auto cpu = registry.make("cpu:2", options);
  ASSERT_TRUE(cpu.ok()) << cpu.error().message;
  EXPECT_EQ((*cpu)->kind(), "cpu");
  auto m = (*cpu)->measure_network(conv_network());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->notes.rfind("cpu, 2 threads", 0), 0u) << m->notes;
  EXPECT_NE(m->notes.find("over 5 runs"), std::string::npos) << m->notes;
  for (const char* bad : {"cpu:0", "cpu:x", "cpu:", "cuda:-1"}) {
    auto made = registry.make(bad);
    ASSERT_FALSE(made.ok()) << bad;
    EXPECT_NE(made.error().message.find("expected"), std::string::npos) << made.error().message;
  }
  auto cuda = registry.make("cuda:1");
  ASSERT_TRUE(cuda.ok());
  EXPECT_EQ((*cuda)->name(), "cuda:1");
}

TEST(TorchTargets, OptionsFromTheRegistryKeepDefaultsWhereUnset) {
  MeasureOptions defaults;
  MeasureOptions unset = measure_options_from(hw::TargetOptions{});
  EXPECT_EQ(unset.threads, defaults.threads);
  EXPECT_EQ(unset.warmup_runs, defaults.warmup_runs);
  EXPECT_EQ(unset.timed_runs, defaults.timed_runs);
  hw::TargetOptions set;
  set.threads = 3, set.warmup_runs = 0, set.timed_runs = 7, set.seed = 5;
  MeasureOptions m = measure_options_from(set);
  EXPECT_EQ(m.threads, 3);
  EXPECT_EQ(m.warmup_runs, 0);
  EXPECT_EQ(m.timed_runs, 7);
  EXPECT_EQ(m.seed, 5u);
}

}  // namespace
}  // namespace hwnas::libtorch
