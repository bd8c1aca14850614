// sys/storage/raft/snapshot (Vault's path, on every storage that can take snapshots) and its
// Arca-named alias sys/storage/snapshot: GET streams a snapshot of the physical storage
// (docs/snapshots.md, docs/formats/snapshot.md). The POST (restore) and the -force variants are
// answered by the core itself (pipeline.cc, snapshot.cc), because a restore replaces everything
// under the state lock; the paths are declared here for help and for 405 on other methods.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr size_t kChunk = 1 << 20;

// Streams a finished snapshot file (an unlinked temporary file) to the client, chunk by chunk.
class FileSource final : public logical::StreamSource {
 public:
  explicit FileSource(int fd) : fd_(fd) {}
  ~FileSource() override { ::close(fd_); }
  std::string content_type() const override { return "application/gzip"; }
  bool Read(std::string& out) override {
    const size_t at = out.size();
    out.resize(at + kChunk);
    ssize_t n;
    do {
      n = ::pread(fd_, out.data() + at, kChunk, offset_);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      out.resize(at);
      return false;  // the end (a read error ends the stream short: the gzip check catches it)
    }
    out.resize(at + static_cast<size_t>(n));
    offset_ += n;
    return true;
  }
  void SetWaker(std::function<void()>) override {}  // always ready

 private:
  int fd_;
  off_t offset_ = 0;
};

Result<int> TempFile() {
  const char* base = std::getenv("TMPDIR");
  std::string dir = base != nullptr && *base != '\0' ? base : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Internal("cannot create a temporary file in " + dir + ": " + std::strerror(errno));
  }
  return fd;
}

fw::OperationSpec Save(Core& core) {
  return {[&core](Request& req, fw::FieldData&) -> Result<Response> {
            if (req.wrap_ttl.count() > 0) return InvalidRequest("snapshots cannot be response-wrapped");
            ARCA_ASSIGN_OR_RETURN(int fd, TempFile());
            auto meta = core.WriteSnapshot(fd);
            if (!meta) {
              ::close(fd);
              return std::unexpected(meta.error());
            }
            Response resp;
            resp.stream = std::make_shared<FileSource>(fd);
            return resp;
          },
          "Returns a snapshot of the storage (a gzip'd tar)."};
}

// Never reached: the core answers the POST before routing (pipeline.cc).
fw::OperationSpec Restore() {
  return {[](Request&, fw::FieldData&) -> Result<Response> {
            return Internal("snapshot restore reached the system backend");
          },
          "Restores a snapshot."};
}

}  // namespace

std::vector<fw::Path> SnapshotPaths(Core& core) {
  std::vector<fw::Path> out;
  for (const char* prefix : {"storage/raft/snapshot", "storage/snapshot"}) {
    fw::Path p;
    p.pattern = prefix;
    p.help_synopsis = "Saves (GET) and restores (POST) snapshots of the storage.";
    p.help_description =
        "GET streams a gzip'd tar of every storage entry (encrypted as stored). POST restores "
        "one; its keyring must open with this cluster's root key (see the -force path).";
    p.operations[Operation::kRead] = Save(core);
    p.operations[Operation::kUpdate] = Restore();
    out.push_back(std::move(p));
    fw::Path f;
    f.pattern = std::string(prefix) + "-force";
    f.help_synopsis = "Restores a snapshot without the keyring check.";
    f.operations[Operation::kUpdate] = Restore();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace arca::core::sys
