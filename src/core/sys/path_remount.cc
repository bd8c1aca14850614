// sys/remount (move a mount) and sys/remount/status/:migration_id. The move runs before the
// answer (Vault runs it in the background), so a status reads "success" or "failure" at once.
#include <chrono>
#include <map>
#include <mutex>

#include "common/uuid.h"
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

struct Migration {
  std::string source, target, status;
};

// The migrations since the process started (Vault keeps them in memory too), oldest dropped
// past kMaxKept.
class MigrationLog {
 public:
  static constexpr size_t kMaxKept = 1000;
  void Add(const std::string& id, Migration m) {
    std::lock_guard lock(mu_);
    if (order_.size() >= kMaxKept) {
      by_id_.erase(order_.front());
      order_.erase(order_.begin());
    }
    order_.push_back(id);
    by_id_[id] = std::move(m);
  }
  std::optional<Migration> Find(const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Migration> by_id_;  // guarded by mu_
  std::vector<std::string> order_;           // guarded by mu_
};

}  // namespace

std::vector<fw::Path> RemountPaths(Core& core) {
  auto log = std::make_shared<MigrationLog>();
  std::vector<fw::Path> paths;

  fw::Path remount;
  remount.pattern = "remount";
  remount.help_synopsis = "Move the mount point of an already-mounted backend.";
  remount.fields["from"] = Field(fw::FieldType::kString, "The previous mount point.");
  remount.fields["to"] = Field(fw::FieldType::kString, "The new mount point.");
  remount.operations[Operation::kUpdate] = {[&core, log](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string from = d.GetString("from");
    const std::string to = d.GetString("to");
    if (from.empty() || to.empty()) {
      return InvalidRequest("both \"from\" and \"to\" must be specified as mount paths");
    }
    // Bad input is refused before a migration id exists (Vault answers 400 too).
    ARCA_RETURN_IF_ERROR(core.RemountMount(from, to));
    const std::string id = GenerateUuid();
    log->Add(id, Migration{from, to, "success"});
    json::object out;
    out["migration_id"] = id;
    return Response::WithData(std::move(out));
  }, "Move a mount."};
  paths.push_back(std::move(remount));

  fw::Path status;
  status.pattern = "remount/status/(?<migration_id>.+)";
  status.help_synopsis = "The status of a mount migration.";
  status.fields["migration_id"] = Field(fw::FieldType::kString, "The ID of the migration.");
  status.operations[Operation::kRead] = {[log](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string id = d.GetString("migration_id");
    auto m = log->Find(id);
    if (!m) return NotFound("no migration with ID \"" + id + "\"");
    json::object info;
    info["source_mount"] = m->source;
    info["target_mount"] = m->target;
    info["status"] = m->status;
    json::object out;
    out["migration_id"] = id;
    out["migration_info"] = std::move(info);
    return Response::WithData(std::move(out));
  }, "Read a migration's status."};
  paths.push_back(std::move(status));
  return paths;
}

}  // namespace arca::core::sys
