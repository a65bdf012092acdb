// Training checkpoints: the torch archive of weights, optimizer state, position and graph YAML (see checkpoint.h).
#include "hwnas/train/checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdio>
#include <filesystem>

#include "hwnas/text/yaml_format.h"

namespace hwnas::train {
namespace {

torch::Tensor float_tensor(const std::vector<float>& values) {
  return torch::tensor(values.empty() ? std::vector<float>{} : values, torch::kFloat);
}

std::vector<float> float_values(const torch::Tensor& tensor) {
  torch::Tensor t = tensor.to(torch::kFloat).contiguous();
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

// Reads key `key` of `archive` as an IValue; an Error naming the file and key when it is absent.
Result<c10::IValue> read_value(torch::serialize::InputArchive& archive, const std::string& key,
                               const std::string& path) {
  c10::IValue value;
  if (!archive.try_read(key, value))
    return Error{"checkpoint '" + path + "': has no key '" + key + "' (not an hwnas checkpoint?)"};
  return value;
}

Status open_archive(torch::serialize::InputArchive& archive, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error{"checkpoint '" + path + "': no such file"};
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    return Error{"checkpoint '" + path + "': cannot be read as a torch archive: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{"checkpoint '" + path + "': cannot be read as a torch archive: " + e.what()};
  }
  return {};
}

}  // namespace

std::string structure_yaml(const ir::Graph& graph) {
  ir::Graph structure = graph;
  for (const ir::Node& node : graph.nodes())
    for (size_t p = 0; p < node.params.size(); ++p) structure.param(node.id, p).data.clear();
  return text::to_yaml(structure);
}

Status save_checkpoint(const std::string& path, const CheckpointInfo& info, const libtorch::GraphModule& module,
                       const torch::optim::Optimizer* optimizer) {
  const std::string temporary = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kCheckpointFormat)));
    archive.write("graph_yaml", c10::IValue(info.graph_yaml));
    archive.write("task", c10::IValue(info.task));
    archive.write("num_classes", c10::IValue(info.num_classes));
    archive.write("epoch", c10::IValue(info.epoch));
    archive.write("batch_in_epoch", c10::IValue(info.batch_in_epoch));
    archive.write("step", c10::IValue(info.step));
    archive.write("epoch_loss_sum", c10::IValue(info.epoch_loss_sum));
    archive.write("epoch_steps", c10::IValue(info.epoch_steps));
    // The seed as two 32-bit halves: IValue integers are signed 64-bit.
    archive.write("seed_high", c10::IValue(static_cast<int64_t>(info.seed >> 32)));
    archive.write("seed_low", c10::IValue(static_cast<int64_t>(info.seed & 0xffffffffull)));
    archive.write("batch_size", c10::IValue(info.batch_size));
    archive.write("epochs", c10::IValue(info.epochs));
    archive.write("resolution", c10::IValue(info.resolution));
    archive.write("data_fraction", c10::IValue(info.data_fraction));
    archive.write("optimizer_name", c10::IValue(info.optimizer));
    archive.write("mean", float_tensor(info.mean));
    archive.write("std", float_tensor(info.std));
    torch::serialize::OutputArchive module_archive;
    module->save(module_archive);
    archive.write("module", module_archive);
    if (optimizer) {
      torch::serialize::OutputArchive optimizer_archive;
      optimizer->save(optimizer_archive);
      archive.write("optimizer", optimizer_archive);
    }
    archive.save_to(temporary);
  } catch (const c10::Error& e) {
    return Error{"checkpoint '" + path + "': cannot be written: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{"checkpoint '" + path + "': cannot be written: " + e.what()};
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return Error{"checkpoint '" + path + "': cannot be written: " + ec.message()};
  return {};
}

Result<CheckpointInfo> read_checkpoint_info(const std::string& path) {
  torch::serialize::InputArchive archive;
  if (Status opened = open_archive(archive, path); !opened) return opened.error();
  auto format = read_value(archive, "format", path);
  if (!format) return format.error();
  if (!format->isString() || format->toStringRef() != kCheckpointFormat)
    return Error{"checkpoint '" + path + "': format is not '" + std::string(kCheckpointFormat) + "'"};
  CheckpointInfo info;
  try {
    auto text = [&](const char* key, std::string& out) -> Status {
      auto v = read_value(archive, key, path);
      if (!v) return v.error();
      if (!v->isString()) return Error{"checkpoint '" + path + "': key '" + key + "' is not a string"};
      out = v->toStringRef();
      return {};
    };
    auto integer = [&](const char* key, int64_t& out) -> Status {
      auto v = read_value(archive, key, path);
      if (!v) return v.error();
      if (!v->isInt()) return Error{"checkpoint '" + path + "': key '" + key + "' is not an integer"};
      out = v->toInt();
      return {};
    };
    auto real = [&](const char* key, double& out) -> Status {
      auto v = read_value(archive, key, path);
      if (!v) return v.error();
      if (!v->isDouble()) return Error{"checkpoint '" + path + "': key '" + key + "' is not a number"};
      out = v->toDouble();
      return {};
    };
    int64_t seed_high = 0, seed_low = 0;
    for (Status s : {text("graph_yaml", info.graph_yaml), text("task", info.task),
                     integer("num_classes", info.num_classes), integer("epoch", info.epoch),
                     integer("batch_in_epoch", info.batch_in_epoch), integer("step", info.step),
                     real("epoch_loss_sum", info.epoch_loss_sum), integer("epoch_steps", info.epoch_steps),
                     integer("seed_high", seed_high), integer("seed_low", seed_low),
                     integer("batch_size", info.batch_size), integer("epochs", info.epochs),
                     integer("resolution", info.resolution), real("data_fraction", info.data_fraction),
                     text("optimizer_name", info.optimizer)})
      if (!s) return s.error();
    info.seed = (static_cast<uint64_t>(seed_high) << 32) | static_cast<uint64_t>(seed_low);
    torch::Tensor mean, std;
    if (!archive.try_read("mean", mean) || !archive.try_read("std", std))
      return Error{"checkpoint '" + path + "': has no key 'mean' or 'std'"};
    info.mean = float_values(mean);
    info.std = float_values(std);
  } catch (const c10::Error& e) {
    return Error{"checkpoint '" + path + "': " + e.what_without_backtrace()};
  }
  return info;
}

Status load_checkpoint_state(const std::string& path, libtorch::GraphModule& module,
                             torch::optim::Optimizer* optimizer) {
  torch::serialize::InputArchive archive;
  if (Status opened = open_archive(archive, path); !opened) return opened.error();
  try {
    torch::serialize::InputArchive module_archive;
    if (!archive.try_read("module", module_archive))
      return Error{"checkpoint '" + path + "': has no key 'module' (the weights)"};
    module->load(module_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      if (!archive.try_read("optimizer", optimizer_archive))
        return Error{"checkpoint '" + path + "': has no optimizer state; it cannot resume training"};
      optimizer->load(optimizer_archive);
    }
  } catch (const c10::Error& e) {
    return Error{"checkpoint '" + path + "': does not fit the network: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{"checkpoint '" + path + "': does not fit the network: " + e.what()};
  }
  return {};
}

Result<LoadedCheckpoint> load_checkpoint(const std::string& path) {
  auto info = read_checkpoint_info(path);
  if (!info) return info.error();
  auto graph = text::from_yaml(info->graph_yaml, path + " (graph_yaml)");
  if (!graph) return graph.error();
  auto module = libtorch::make_graph_module(*graph, {.use_graph_weights = false});
  if (!module) return Error{"checkpoint '" + path + "': " + module.error().message};
  if (Status loaded = load_checkpoint_state(path, *module, nullptr); !loaded) return loaded.error();
  (*module)->eval();
  if (Status exported = (*module)->export_weights(*graph); !exported)
    return Error{"checkpoint '" + path + "': " + exported.error().message};
  return LoadedCheckpoint{std::move(*info), std::move(*graph), std::move(*module)};
}

}  // namespace hwnas::train
