// `hwnas zoo`: lists the names of the built-in models.
#include "commands.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::cli {

void register_zoo(CLI::App& app, Streams streams) {
  CLI::App* command = app.add_subcommand("zoo", "list the built-in models (names for MODEL arguments)");
  command->callback([streams] {
    for (const std::string& name : zoo::model_names()) *streams.out << name << '\n';
  });
}

}  // namespace hwnas::cli
