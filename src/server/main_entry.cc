// The `arca` binary: server, CLI and (later) agent in one.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "server/diagnose.h"
#include "server/migrate.h"
#include "server/server.h"

int main(int argc, char** argv) {
  std::map<std::string, std::function<int(std::vector<std::string>)>> extra = {
      {"server", [](std::vector<std::string> args) {
         return arca::server::RunServerCommand(args);
       }},
      {"operator diagnose", [](std::vector<std::string> args) {
         return arca::server::RunDiagnoseCommand(args);
       }},
      {"operator migrate", [](std::vector<std::string> args) {
         return arca::server::RunMigrateCommand(args);
       }},
  };
  return arca::cli::Run(argc, argv, extra);
}
