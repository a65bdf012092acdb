// Estimator prediction throughput on one core, in networks per second, beside running the simulator on the same networks.
//
// An estimator of each preset (fitted from sampled networks) predicts the latency, its
// uncertainty, energy and parameters of held-out sampled networks as a search asks: each
// network's IR graph is built (a search builds its candidates anyway; building is timed
// apart), then predicted. Reported: the first pass (every kernel new to the memo), the steady
// state (the memo warm), a pool of built graphs cycled through, and the simulator's
// measure_network on the same graphs.
//
//   bench_estimator_throughput                # 1,000 networks per preset
//   bench_estimator_throughput --networks 300 --targets ethos-u55-256
//   bench_estimator_throughput --clock wall     # wall time instead of the thread's CPU time
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hwnas/estimator/estimator.h"
#include "hwnas/estimator/sampling.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"

using namespace hwnas;

namespace {

// The clock of the rates: this thread's CPU time (default: on a shared machine the time the
// thread waits for a core is not its work), or wall time (--clock wall). A CPU-time read is a
// system call; its own cost, measured once, is taken off each interval.
bool use_cpu_clock = true;
double clock_overhead_s = 0;

double now_s() {
  if (!use_cpu_clock) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double seconds_since(double start) { return std::max(0.0, now_s() - start - clock_overhead_s); }

void calibrate_clock() {
  std::vector<double> gaps;
  for (int i = 0; i < 2001; ++i) {
    const double a = now_s();
    gaps.push_back(now_s() - a);
  }
  std::nth_element(gaps.begin(), gaps.begin() + 1000, gaps.end());
  clock_overhead_s = gaps[1000];
}

// Runs `pass` over all graphs repeatedly for at least `min_seconds`; returns graphs per second.
template <class Pass>
double rate(const std::vector<ir::Graph>& graphs, double min_seconds, Pass pass) {
  size_t done = 0;
  const double start = now_s();
  do {
    for (const ir::Graph& g : graphs) pass(g);
    done += graphs.size();
  } while (seconds_since(start) < min_seconds);
  return static_cast<double>(done) / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  size_t networks = 1000, train = 300;
  std::vector<std::string> targets;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--clock" && i + 1 < argc && (std::string(argv[i + 1]) == "cpu" || std::string(argv[i + 1]) == "wall")) {
      use_cpu_clock = std::string(argv[++i]) == "cpu";
    } else if ((a == "--networks" || a == "--train") && i + 1 < argc) {
      (a == "--networks" ? networks : train) = static_cast<size_t>(std::strtol(argv[++i], nullptr, 10));
    } else if (a == "--targets" && i + 1 < argc) {
      std::string list = argv[++i];
      for (size_t start = 0; start <= list.size();) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        targets.push_back(list.substr(start, end - start));
        start = end + 1;
      }
    } else {
      std::fprintf(stderr, "usage: %s [--networks N] [--train N] [--targets a,b] [--clock cpu|wall]\n", argv[0]);
      return 2;
    }
  }
  if (targets.empty()) targets = hw::preset_names();
  calibrate_clock();
  std::printf("estimator throughput, one thread: %zu held-out sampled networks per preset, estimators fitted on %zu; "
              "clock: %s (%.0f ns per read taken off)\n",
              networks, train, use_cpu_clock ? "the thread's CPU time" : "wall time", 1e9 * clock_overhead_s);
  std::printf("%-16s %7s %8s %12s %12s %12s %12s %10s %9s\n", "target", "nodes", "kernels", "first/s", "search/s",
              "pool/s", "simulator/s", "speed-up", "build/s");
  for (const std::string& name : targets) {
    hw::SimulatorTarget target(*hw::load_preset(name));
    const estimator::TargetInfo info = estimator::describe_target(target);
    estimator::MeasureOptions kernels_only;
    kernels_only.network_rows = false;
    auto data = estimator::measure_sources(target, info, estimator::sampled_sources(1, train), kernels_only);
    if (!data) {
      std::fprintf(stderr, "%s\n", data.error().message.c_str());
      return 1;
    }
    auto fitted = estimator::fit_estimator(info, data->data, estimator::TrainOptions{});
    if (!fitted) {
      std::fprintf(stderr, "%s\n", fitted.error().message.c_str());
      return 1;
    }
    const auto sources = estimator::sampled_sources(777, networks);
    const estimator::Estimator& estimator = *fitted;
    double sink = 0;
    // A search's pattern: build a candidate's graph, then ask the estimator (only the asking is
    // timed). The first pass finds every kernel new to the memo; the second, over the same
    // networks built again, is the steady state of a search that keeps sampling one space.
    size_t nodes = 0, kernels = 0;
    double build_seconds = 0, predict_seconds[2] = {0, 0};
    for (int pass = 0; pass < 2; ++pass)
      for (const estimator::NetworkSource& s : sources) {
        double start = now_s();
        const ir::Graph graph = *s.build();
        build_seconds += seconds_since(start);
        start = now_s();
        const estimator::NetworkPrediction p = estimator.predict(graph);
        predict_seconds[pass] += seconds_since(start);
        sink += p.latency_us + p.latency_std_us + p.energy_uj + static_cast<double>(p.params);
        if (pass == 0) {
          nodes += graph.size();
          kernels += p.kernel_count;
        }
      }
    const auto count = static_cast<double>(sources.size());
    const double first = count / predict_seconds[0], warm = count / predict_seconds[1];
    const double build_rate = 2 * count / build_seconds;
    // The same networks kept as a pool of built graphs and cycled through (their memory is
    // cold by the time each comes round again), and the simulator on that pool.
    std::vector<ir::Graph> graphs;
    for (const estimator::NetworkSource& s : sources) graphs.push_back(*s.build());
    const double pooled = rate(graphs, 2.0, [&](const ir::Graph& g) { sink += estimator.predict(g).latency_us; });
    const double simulated = rate(graphs, 2.0, [&](const ir::Graph& g) { sink += target.measure_network(g)->latency_us; });
    std::printf("%-16s %7.1f %8.1f %12.0f %12.0f %12.0f %12.0f %9.1fx %9.0f\n", name.c_str(), static_cast<double>(nodes) / count,
                static_cast<double>(kernels) / count, first, warm, pooled, simulated, warm / simulated, build_rate);
    if (sink == 42) std::printf(" ");  // keeps the work observable
  }
  std::printf("\nnetworks per second on one thread. first: each network built, then predicted, every kernel new to\n"
              "the memo (trees evaluated); search: the same networks built again and predicted, the memo warm (the\n"
              "steady state of a search over one space); pool: the built graphs cycled through, their memory cold;\n"
              "simulator: hw::SimulatorTarget::measure_network on the pool; speed-up: search over simulator;\n"
              "build/s: building the IR graphs (not included in the rates).\n");
  return 0;
}
