// `arca operator raft snapshot save <file>` and `arca operator raft snapshot restore [-force]
// <file>` (sys/storage/raft/snapshot[-force]), with Vault's messages and exit codes: nothing is
// printed on success; usage errors exit 1, request errors exit 2.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "api/api_response.h"
#include "cli/commands.h"

namespace arca::cli {
namespace {

// One positional argument, trimmed, not empty (Vault's checks and messages).
std::optional<std::string> FileArg(Ctx& ctx, const std::vector<std::string>& args,
                                   std::string_view empty_message) {
  if (args.size() != 1) {
    ctx.err() << "Incorrect arguments (expected 1, got " << args.size() << ")\n";
    return std::nullopt;
  }
  std::string file = TrimSpace(args[0]);
  if (file.empty()) {
    ctx.err() << empty_message << "\n";
    return std::nullopt;
  }
  return file;
}

}  // namespace

int RunOperatorRaftSnapshotSave(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  auto file = FileArg(ctx, *args, "Output file name is required");
  if (!file) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 2;
  // As Vault: the file is created (0644, truncated) when the first bytes arrive, so a refused
  // request leaves no empty file behind.
  int fd = -1;
  std::string write_error;
  auto r = client->Stream("sys/storage/raft/snapshot", {}, [&](std::string_view data) {
    if (fd < 0) {
      fd = ::open(file->c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) {
        write_error = "open " + *file + ": " + std::strerror(errno);
        return false;
      }
    }
    while (!data.empty()) {
      ssize_t w = ::write(fd, data.data(), data.size());
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        write_error = "write " + *file + ": " + std::strerror(errno);
        return false;
      }
      data.remove_prefix(static_cast<size_t>(w));
    }
    return true;
  });
  bool closed_ok = true;
  if (fd >= 0) closed_ok = ::fsync(fd) == 0 && ::close(fd) == 0;
  if (!write_error.empty()) {
    ctx.err() << "Error taking the snapshot: " << write_error << "\n";
    return 2;
  }
  if (!r) return ServerError(ctx, "Error taking the snapshot", r.error());
  if (r->status >= 300) return ServerError(ctx, "Error taking the snapshot", api::ResponseError(*r));
  if (!closed_ok) {
    ctx.err() << "Error taking the snapshot: close " << *file << ": " << std::strerror(errno)
              << "\n";
    return 2;
  }
  if (fd < 0) {  // an empty answer: Vault's lazy writer would not have created the file either
    ctx.err() << "Error taking the snapshot: the server sent no data\n";
    return 2;
  }
  return 0;
}

int RunOperatorRaftSnapshotRestore(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool force = false;
  ctx.flags.Bool("force", &force,
                 "Installs the provided snapshot regardless of whether it was taken with this "
                 "cluster's keys (its keyring); the node is then sealed and opens with the "
                 "snapshot's unseal keys.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  auto file = FileArg(ctx, *args, "Snapshot file name is required");
  if (!file) return 1;
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    // Vault's wording (sic).
    ctx.err() << "Error opening policy file: open " << *file << ": " << std::strerror(errno)
              << "\n";
    return 2;
  }
  std::ostringstream body;
  body << in.rdbuf();
  api::Client* client = ctx.client();
  if (client == nullptr) return 2;
  auto r = client->RequestRaw("POST",
                              force ? "sys/storage/raft/snapshot-force" : "sys/storage/raft/snapshot",
                              std::move(body).str(), "application/octet-stream");
  if (!r) return ServerError(ctx, "Error installing the snapshot", r.error());
  if (r->status >= 300) {
    return ServerError(ctx, "Error installing the snapshot", api::ResponseError(*r));
  }
  return 0;
}

}  // namespace arca::cli
