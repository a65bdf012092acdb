// Running the hwnas app: parse errors, command exit codes and escaped exceptions become exit statuses.
#include <exception>
#include <string>

#include "commands.h"

namespace hwnas::cli {

int report_error(std::ostream& err, const std::string& message, int code) {
  err << "hwnas: error: " << message << '\n';
  return code;
}

void finish(int code) {
  if (code != kExitSuccess) throw CLI::RuntimeError(code);
}

int run_app(CLI::App& app, int argc, const char* const* argv, Streams streams) {
  try {
    // CLI11 would call an unknown first word a missing subcommand; name it instead.
    if (argc > 1 && argv[1][0] != '-') {
      const std::string word = argv[1];
      std::string known;
      bool found = false;
      for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
        known += (known.empty() ? "" : ", ") + command->get_name();
        found = found || command->get_name() == word;
      }
      if (!found) {
        report_error(*streams.err, "unknown command '" + word + "' (commands: " + known + ")", kExitUsage);
        *streams.err << "Run 'hwnas --help' for usage.\n";
        return kExitUsage;
      }
    }
    app.parse(argc, argv);
    return kExitSuccess;
  } catch (const CLI::RuntimeError& e) {  // a command's finish(code); it printed its error
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))  // --help, --version
      return app.exit(e, *streams.out, *streams.err);
    std::string command = "hwnas";
    for (const CLI::App* sub = &app; !sub->get_subcommands().empty();) {
      sub = sub->get_subcommands().front();
      command += " " + sub->get_name();
    }
    report_error(*streams.err, e.what(), kExitUsage);
    *streams.err << "Run '" << command << " --help' for usage.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    return report_error(*streams.err, std::string("internal error: ") + e.what());
  } catch (...) {
    return report_error(*streams.err, "internal error: an unknown exception");
  }
}

}  // namespace hwnas::cli
