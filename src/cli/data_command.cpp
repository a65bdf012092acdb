// `hwnas data export composite`: the composite demo scenes written as COCO or VOC files, for the loaders
// --data reads.
#include <memory>
#include <sstream>
#include <string>

#include "commands.h"
#include "hwnas/data/export.h"

namespace hwnas::cli {
namespace {

struct ExportArgs {
  std::string source;  // "composite", the only one so far
  std::string format;  // "coco" or "voc"
  data::CompositeExportOptions options;
};

int run_export(ExportArgs& args, Streams streams) {
  if (args.source != "composite")
    return report_error(*streams.err,
                        "data export: '" + args.source + "' is unknown; the source is composite", kExitUsage);
  if (args.format == "coco") {
    args.options.format = data::ExportFormat::Coco;
  } else if (args.format == "voc") {
    args.options.format = data::ExportFormat::Voc;
  } else {
    return report_error(*streams.err, "--format '" + args.format + "' is unknown (coco, voc)", kExitUsage);
  }
  if (Status written = data::export_composite(args.options); !written)
    return report_error(*streams.err, written.error().message);
  const std::string& out = args.options.out;
  std::ostringstream report;
  report << "wrote " << args.options.count << " train and " << args.options.count
         << " val composite scenes of " << args.options.size << "x" << args.options.size << " to " << out
         << "\n";
  if (args.options.format == data::ExportFormat::Coco)
    report << "  train with --task detection --data coco:" << out << "/annotations/instances_train.json\n";
  else
    report << "  train with --task segmentation --data voc:" << out << "\n";
  *streams.out << report.str();
  return kExitSuccess;
}

}  // namespace

void register_data(CLI::App& app, Streams streams) {
  CLI::App* data = app.add_subcommand("data", "data sets: write the composite scenes as COCO or VOC files");
  data->require_subcommand(1);
  auto args = std::make_shared<ExportArgs>();
  CLI::App* command = data->add_subcommand(
      "export", "write composite scenes (train and val) in COCO (detection) or VOC (segmentation) layout");
  command->add_option("source", args->source, "what to write: composite")->type_name("SOURCE")->required();
  command->add_option("--format", args->format, "coco (detection boxes) or voc (segmentation masks)")
      ->required();
  command->add_option("--out", args->options.out, "the directory to write")->type_name("DIR")->required();
  command->add_option("--count", args->options.count, "scenes per split (default 100)")
      ->check(CLI::PositiveNumber);
  command->add_option("--size", args->options.size, "canvas side in pixels (default 96, at least 96)")
      ->check(CLI::Range(int64_t{96}, int64_t{4096}));
  command->add_option("--channels", args->options.channels, "1 (default) or 3 (grey replicated)")
      ->check(CLI::Range(1, 3));
  command->add_option("--seed", args->options.seed, "scene seed (default 0)");
  command->add_option("--data-dir", args->options.directory,
                      "where Fashion-MNIST's files are (default: the Debian package's)");
  command->callback([args, streams] { finish(run_export(*args, streams)); });
}

}  // namespace hwnas::cli
