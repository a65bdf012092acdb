// The supernet's search evaluators (inherited accuracy; the chosen subnet fine-tuned) and its training or reloading from a file.
#include "hwnas/supernet/search_evaluators.h"

#include <torch/serialize.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>

namespace hwnas::supernet {
namespace {

double monotonic_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Every parameter's and buffer's shape, by name.
std::map<std::string, std::vector<int64_t>> shapes(Supernet& net) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& p : net->named_parameters()) out[p.key()] = p.value().sizes().vec();
  for (const auto& b : net->named_buffers()) out["buffer:" + b.key()] = b.value().sizes().vec();
  return out;
}

}  // namespace

InheritedAccuracyEvaluator::InheritedAccuracyEvaluator(Supernet net, TensorSet calibration, TensorSet validation, std::string version)
    : net_(std::move(net)), calibration_(std::move(calibration)), validation_(std::move(validation)), version_(std::move(version)) {}

Result<search::Metrics> InheritedAccuracyEvaluator::evaluate(const search::EvaluationRequest& request) {
  if (Status s = net_->check(request.arch); !s) return s.error();
  auto accuracy = inherited_accuracy(net_, request.arch, calibration_, validation_);
  if (!accuracy) return accuracy.error();
  return search::Metrics{{kInheritedAccuracy, *accuracy}};
}

FineTunedSubnetEvaluator::FineTunedSubnetEvaluator(Supernet net, TensorSet calibration, TensorSet train_set, TensorSet held_out,
                                                   Options options)
    : net_(std::move(net)),
      calibration_(std::move(calibration)),
      train_set_(std::move(train_set)),
      held_out_(std::move(held_out)),
      options_(options) {}

std::string FineTunedSubnetEvaluator::version() const {
  std::ostringstream out;
  out << "fine-tune(epochs=" << options_.epochs << " batch=" << options_.batch_size << " lr=" << options_.learning_rate
      << " train=" << train_set_.size() << " held_out=" << held_out_.size() << ")";
  return out.str();
}

Result<search::Metrics> FineTunedSubnetEvaluator::evaluate(const search::EvaluationRequest& request) {
  if (Status s = net_->check(request.arch); !s) return s.error();
  if (Status s = net_->recalibrate(request.arch, calibration_.image_batches(100)); !s) return s.error();
  auto graph = net_->extract(request.arch);
  if (!graph) return graph.error();
  auto inherited = graph_accuracy(*graph, held_out_);
  if (!inherited) return inherited.error();
  const double start = monotonic_s();
  if (options_.epochs > 0) {
    auto report = train_graph(*graph, train_set_,
                              {.epochs = options_.epochs, .batch_size = options_.batch_size, .learning_rate = options_.learning_rate,
                               .seed = request.seed});
    if (!report) return report.error();
  }
  const double seconds = monotonic_s() - start;
  auto accuracy = graph_accuracy(*graph, held_out_);
  if (!accuracy) return accuracy.error();
  last_ = std::move(*graph);
  return search::Metrics{{"accuracy", *accuracy},
                         {kInheritedAccuracy, *inherited},
                         {"fine_tune_seconds", seconds},
                         {"fine_tune_epochs", static_cast<double>(options_.epochs)}};
}

Result<LoadedSupernet> load_or_train_supernet(const space::SearchSpace& space, const TensorSet& train_set, const SupernetSource& source) {
  auto made = make_supernet(space, source.init);
  if (!made) return made.error();
  LoadedSupernet loaded;
  loaded.net = *made;
  std::error_code ec;
  if (source.reuse && !source.path.empty() && std::filesystem::exists(source.path, ec)) {
    const auto expected = shapes(loaded.net);
    try {
      ::torch::load(loaded.net, source.path);
    } catch (const c10::Error& e) {
      return Error{source.path + ": cannot read the supernet: " + std::string(e.what_without_backtrace())};
    }
    if (shapes(loaded.net) != expected)
      return Error{source.path + ": the saved supernet is not the supernet of space '" + space.name() + "' (its weights' shapes differ)"};
    return loaded;
  }
  auto report = train(loaded.net, train_set, source.train);
  if (!report) return report.error();
  loaded.report = *report;
  loaded.trained = true;
  if (!source.path.empty()) {
    try {
      ::torch::save(loaded.net, source.path);
    } catch (const c10::Error& e) {
      return Error{source.path + ": cannot save the supernet: " + std::string(e.what_without_backtrace())};
    }
  }
  return loaded;
}

}  // namespace hwnas::supernet
