#include "config/migrate.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "config/decoders.h"
#include "config/key_table.h"
#include "hcl/parser.h"

namespace arca::config {

Result<MigrateConfig> ParseMigrate(std::string_view text, std::string_view filename) {
  ARCA_ASSIGN_OR_RETURN(hcl::NodePtr root, hcl::Parse(text, filename));
  std::optional<StorageConfig> source, destination;
  MigrateConfig out;
  std::vector<std::string> warnings;  // the table below ignores nothing
  auto stanza = [](std::optional<StorageConfig>* slot) {
    return [slot](const hcl::Entry& e) -> Status {
      if (slot->has_value()) {
        return InvalidRequest(KeyWhere(e) + ": exactly one \"" + e.key +
                              "\" block is required (the first is at line " +
                              std::to_string((*slot)->line) + ")");
      }
      ARCA_ASSIGN_OR_RETURN(*slot, DecodeStorage(e));
      return OkStatus();
    };
  };
  KeyTable table("the migrator configuration", &warnings);
  table.On("storage_source", stanza(&source))
      .On("storage_destination", stanza(&destination))
      .On("cluster_addr", [&](const hcl::Entry& e) -> Status {
        ARCA_ASSIGN_OR_RETURN(out.cluster_addr, hcl::AsString(*e.value, e.key));
        return OkStatus();
      });
  ARCA_RETURN_IF_ERROR(table.Run(*root));
  if (!source) {
    return InvalidRequest(std::string(filename) +
                          ": exactly one \"storage_source\" block is required");
  }
  if (!destination) {
    return InvalidRequest(std::string(filename) +
                          ": exactly one \"storage_destination\" block is required");
  }
  out.source = std::move(*source);
  out.destination = std::move(*destination);
  return out;
}

Result<MigrateConfig> LoadMigrate(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return InvalidRequest("config file \"" + path + "\" does not exist");
  if (fs::is_directory(st)) return InvalidRequest("location is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidRequest("cannot read config file \"" + path + "\"");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return InvalidRequest("cannot read config file \"" + path + "\"");
  return ParseMigrate(buf.str(), path);
}

}  // namespace arca::config
