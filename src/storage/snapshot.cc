// The snapshot file: see snapshot.h and docs/formats/snapshot.md.
//
// Writing spools state.bin to an unlinked temporary file (its size must be in the tar header
// before its data), hashing it on the way, then writes the gzip'd tar to the caller's fd.
// Reading decompresses with zlib itself (libarchive does not check the gzip trailer's CRC),
// feeds the tar stream to libarchive, and parses state.bin while it streams through.
#include "storage/snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/json.h"
#include "common/rfc3339.h"
#include "common/uuid.h"

namespace arca::storage::snapshot {
namespace {

constexpr char kMagic[8] = {'A', 'R', 'C', 'A', 'S', 'N', 'A', 'P'};
constexpr uint32_t kStateVersion = 1;
constexpr uint8_t kTagEntry = 0x01;
constexpr uint8_t kTagEnd = 0x00;
constexpr size_t kHeaderSize = sizeof(kMagic) + 4;
constexpr uint32_t kMaxKeySize = 64 * 1024;
constexpr size_t kMaxMetaSize = 64 * 1024;
constexpr size_t kMaxSumsSize = 4 * 1024;
constexpr size_t kBufferSize = 256 * 1024;

const char* const kMembers[] = {"meta.json", "state.bin", "SHA256SUMS"};

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

void PutBe(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBe(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* p, size_t n) {
    if (n > 0 && EVP_DigestUpdate(ctx_, p, n) != 1) std::abort();
  }
  std::string HexDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) std::abort();
    return Hex(md, len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string HexSha256(std::string_view data) {
  Sha256 h;
  h.Update(data.data(), data.size());
  return h.HexDigest();
}

std::unexpected<Error> Corrupt(std::string what) {
  return InvalidRequest("snapshot is corrupted: " + std::move(what));
}
std::unexpected<Error> Truncated(std::string what) {
  return InvalidRequest("snapshot is truncated: " + std::move(what));
}

// An fd closed on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// An unlinked temporary file for the spooled state.bin.
Result<int> OpenSpool() {
  const char* base = std::getenv("TMPDIR");
  std::string dir = base != nullptr && *base != '\0' ? base : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string tmpl = dir + "/arca-snapshot-XXXXXX";
  fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Internal("snapshot: cannot create a temporary file in " + dir + ": " +
                              std::strerror(errno));
  ::unlink(tmpl.c_str());
  return fd;
}

Status WriteAllFd(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Internal(std::string("snapshot: write: ") + std::strerror(errno));
    p += w;
    n -= static_cast<size_t>(w);
  }
  return OkStatus();
}

// Buffered writer of state.bin into the spool, hashing and counting.
class SpoolWriter {
 public:
  explicit SpoolWriter(int fd) : fd_(fd) { buf_.reserve(kBufferSize); }
  Status Append(std::string_view s) {
    sha_.Update(s.data(), s.size());
    size_ += s.size();
    if (buf_.size() + s.size() > kBufferSize) {
      ARCA_RETURN_IF_ERROR(Flush());
      if (s.size() > kBufferSize) return WriteAllFd(fd_, s.data(), s.size());
    }
    buf_.append(s);
    return OkStatus();
  }
  Status Flush() {
    Status s = WriteAllFd(fd_, buf_.data(), buf_.size());
    buf_.clear();
    return s;
  }
  uint64_t size() const { return size_; }
  std::string HexDigest() { return sha_.HexDigest(); }

 private:
  int fd_;
  std::string buf_;
  Sha256 sha_;
  uint64_t size_ = 0;
};

std::string MetaJson(const Meta& meta) {
  json::object o;
  o["format"] = "arca-snapshot";
  o["version"] = meta.version;
  o["id"] = meta.id;
  o["created"] = meta.created;
  o["backend"] = meta.backend;
  o["entries"] = meta.entries;
  o["state_bytes"] = meta.state_bytes;
  return ToJson(o) + "\n";
}

struct ArchiveWriteFree {
  archive* a;
  ~ArchiveWriteFree() { archive_write_free(a); }
};

std::unexpected<Error> ArchiveError(archive* a, std::string_view what) {
  const char* e = archive_error_string(a);
  return Internal("snapshot: " + std::string(what) + ": " + (e != nullptr ? e : "unknown error"));
}

Status WriteMemberHeader(archive* a, const char* name, uint64_t size, time_t mtime) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name);
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0600);
  archive_entry_set_size(entry, static_cast<la_int64_t>(size));
  archive_entry_set_mtime(entry, mtime, 0);
  int rc = archive_write_header(a, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) return ArchiveError(a, "write header");
  return OkStatus();
}

Status WriteMemberData(archive* a, const char* p, size_t n) {
  while (n > 0) {
    la_ssize_t w = archive_write_data(a, p, n);
    if (w <= 0) return ArchiveError(a, "write");
    p += w;
    n -= static_cast<size_t>(w);
  }
  return OkStatus();
}

// ---- Reading ----

// The gzip layer: zlib inflate of the file, verifying the CRC-32 and length of the trailer, and
// refusing anything after the gzip stream. Feeds libarchive (tar only, no filter).
class GzSource {
 public:
  explicit GzSource(int fd) : fd_(fd), in_(kBufferSize), out_(kBufferSize) {
    std::memset(&zs_, 0, sizeof(zs_));
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) std::abort();
  }
  ~GzSource() { inflateEnd(&zs_); }
  GzSource(const GzSource&) = delete;
  GzSource& operator=(const GzSource&) = delete;

  // The next decompressed chunk (empty at the end of the stream), or -1 with error() set.
  la_ssize_t Next(const void** buff) {
    if (!error_.empty()) return -1;
    while (!stream_end_) {
      if (zs_.avail_in == 0) {
        ssize_t r = ::read(fd_, in_.data(), in_.size());
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
          error_ = std::string("snapshot: read: ") + std::strerror(errno);
          internal_ = true;
          return -1;
        }
        if (r == 0) {
          error_ = total_in_ == 0 ? "not a snapshot: the file is empty"
                                  : "snapshot is truncated: the gzip stream ends early";
          return -1;
        }
        total_in_ += static_cast<uint64_t>(r);
        zs_.next_in = in_.data();
        zs_.avail_in = static_cast<uInt>(r);
      }
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        stream_end_ = true;
        if (!CheckNothingAfter()) return -1;
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
        const bool header = total_out_ == 0 && zs_.total_out == 0 && zs_.total_in < 10;
        error_ = header ? "not a snapshot: not gzip data"
                        : std::string("snapshot is corrupted: gzip: ") +
                              (zs_.msg != nullptr ? zs_.msg : "invalid data");
        return -1;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        error_ = "snapshot: gzip: inflate failed";
        internal_ = true;
        return -1;
      }
      size_t produced = out_.size() - zs_.avail_out;
      if (produced > 0) {
        total_out_ += produced;
        *buff = out_.data();
        return static_cast<la_ssize_t>(produced);
      }
    }
    return 0;
  }

  // Reads the rest of the stream (after tar's end); everything left must be zero padding.
  Status Drain() {
    for (;;) {
      const void* p = nullptr;
      la_ssize_t n = Next(&p);
      if (n < 0) return Failure();
      if (n == 0) return OkStatus();
      const auto* b = static_cast<const unsigned char*>(p);
      for (la_ssize_t i = 0; i < n; ++i) {
        if (b[i] != 0) return Corrupt("data after the end of the archive");
      }
    }
  }

  bool failed() const { return !error_.empty(); }
  std::unexpected<Error> Failure() const {
    return MakeError(internal_ ? ErrorKind::kInternal : ErrorKind::kInvalidRequest, error_);
  }

 private:
  bool CheckNothingAfter() {
    if (zs_.avail_in > 0) {
      error_ = "snapshot is corrupted: data after the end of the gzip stream";
      return false;
    }
    char c;
    for (;;) {
      ssize_t r = ::read(fd_, &c, 1);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return true;
      error_ = r < 0 ? std::string("snapshot: read: ") + std::strerror(errno)
                     : "snapshot is corrupted: data after the end of the gzip stream";
      internal_ = r < 0;
      return false;
    }
  }

  int fd_;
  z_stream zs_;
  std::vector<unsigned char> in_;
  std::vector<unsigned char> out_;
  bool stream_end_ = false;
  uint64_t total_in_ = 0;
  uint64_t total_out_ = 0;
  std::string error_;
  bool internal_ = false;
};

la_ssize_t ReadCallback(archive* /*a*/, void* client, const void** buff) {
  return static_cast<GzSource*>(client)->Next(buff);
}

// An open snapshot: the file, the gzip layer and libarchive reading the tar inside.
class TarStream {
 public:
  static Result<std::unique_ptr<TarStream>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return InvalidRequest("cannot open snapshot " + path + ": " + std::strerror(errno));
    }
    auto t = std::unique_ptr<TarStream>(new TarStream(fd));
    t->a_ = archive_read_new();
    archive_read_support_format_tar(t->a_);
    archive_read_support_filter_none(t->a_);
    if (archive_read_open(t->a_, t->gz_.get(), nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
      return t->Fail("not a snapshot: not a tar archive");
    }
    return t;
  }
  ~TarStream() {
    if (a_ != nullptr) archive_read_free(a_);
  }

  // The next member's header: its name and size; nullopt at the end of the archive.
  Result<std::optional<std::pair<std::string, uint64_t>>> NextMember() {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a_, &entry);
    if (rc == ARCHIVE_EOF) return std::optional<std::pair<std::string, uint64_t>>();
    if (rc != ARCHIVE_OK) return Fail("not a snapshot: not a valid tar archive");
    const char* name = archive_entry_pathname(entry);
    if (archive_entry_filetype(entry) != AE_IFREG || !archive_entry_size_is_set(entry) ||
        archive_entry_size(entry) < 0) {
      return Corrupt(std::string("member ") + (name ? name : "?") + " is not a regular file");
    }
    return std::optional<std::pair<std::string, uint64_t>>(
        std::pair<std::string, uint64_t>(name ? name : "", archive_entry_size(entry)));
  }

  // Reads exactly n bytes of the current member; false at the member's end.
  Result<bool> ReadExact(void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
      la_ssize_t r = archive_read_data(a_, p, n);
      if (r < 0) return Fail("not a snapshot: not a valid tar archive");
      if (r == 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  // Reads the whole current member, at most `limit` bytes.
  Result<std::string> ReadSmall(uint64_t size, size_t limit, std::string_view name) {
    if (size > limit) return Corrupt(std::string(name) + " is too large");
    std::string s(size, '\0');
    ARCA_ASSIGN_OR_RETURN(bool full, ReadExact(s.data(), s.size()));
    if (!full) return Truncated(std::string(name) + " is incomplete");
    return s;
  }

  // After the last member: the end of the tar, then of the gzip stream.
  Status Finish() { return gz_->Drain(); }

  // The gzip layer's error when it failed (it explains libarchive's), else `fallback`.
  std::unexpected<Error> Fail(std::string fallback) {
    if (gz_->failed()) return gz_->Failure();
    const char* e = archive_error_string(a_);
    if (e != nullptr && std::strstr(e, "Truncated") != nullptr) {
      return Truncated("the tar archive ends early");
    }
    return InvalidRequest(std::move(fallback));
  }

 private:
  explicit TarStream(int fd) : fd_(fd), gz_(std::make_unique<GzSource>(fd)) {}
  Fd fd_;
  std::unique_ptr<GzSource> gz_;
  archive* a_ = nullptr;
};

// Parses state.bin from a TarStream positioned at its data, hashing everything read.
class StateParser {
 public:
  StateParser(TarStream& tar, uint64_t size) : tar_(tar), remaining_(size) {}

  Status Header() {
    unsigned char h[kHeaderSize];
    ARCA_RETURN_IF_ERROR(Read(h, sizeof(h), "the header"));
    if (std::memcmp(h, kMagic, sizeof(kMagic)) != 0) return Corrupt("state.bin has a wrong magic");
    uint32_t version = static_cast<uint32_t>(GetBe(h + sizeof(kMagic), 4));
    if (version != kStateVersion) {
      return InvalidRequest("snapshot format version " + std::to_string(version) +
                            " is not supported (this build reads version " +
                            std::to_string(kStateVersion) + ")");
    }
    return OkStatus();
  }

  // The next entry (true), or the end marker (false). With `value` null the value is skipped.
  Result<bool> Next(std::string* key, std::string* value) {
    if (done_) return false;
    unsigned char tag;
    ARCA_RETURN_IF_ERROR(Read(&tag, 1, "an entry"));
    if (tag == kTagEnd) {
      unsigned char c[8];
      ARCA_RETURN_IF_ERROR(Read(c, 8, "the end marker"));
      uint64_t count = GetBe(c, 8);
      if (count != count_) {
        return Corrupt("state.bin's end marker counts " + std::to_string(count) +
                       " entries, it holds " + std::to_string(count_));
      }
      if (remaining_ != 0) return Corrupt("data after state.bin's end marker");
      done_ = true;
      return false;
    }
    if (tag != kTagEntry) return Corrupt("state.bin has an unknown record type");
    unsigned char kl[4];
    ARCA_RETURN_IF_ERROR(Read(kl, 4, "an entry"));
    uint32_t klen = static_cast<uint32_t>(GetBe(kl, 4));
    if (klen == 0 || klen > kMaxKeySize) return Corrupt("state.bin has an invalid key length");
    if (klen > remaining_) return Truncated("state.bin ends inside an entry");
    std::string k(klen, '\0');
    ARCA_RETURN_IF_ERROR(Read(k.data(), klen, "an entry"));
    if (count_ > 0 && !(k > last_key_)) {
      return Corrupt("state.bin's keys are not in ascending order");
    }
    unsigned char vl[8];
    ARCA_RETURN_IF_ERROR(Read(vl, 8, "an entry"));
    uint64_t vlen = GetBe(vl, 8);
    if (vlen > remaining_) return Truncated("state.bin ends inside an entry");
    if (value != nullptr) {
      value->resize(vlen);
      ARCA_RETURN_IF_ERROR(Read(value->data(), vlen, "an entry"));
    } else {
      char buf[16 * 1024];
      while (vlen > 0) {
        size_t n = std::min<uint64_t>(vlen, sizeof(buf));
        ARCA_RETURN_IF_ERROR(Read(buf, n, "an entry"));
        vlen -= n;
      }
    }
    last_key_ = std::move(k);
    if (key != nullptr) *key = last_key_;
    ++count_;
    return true;
  }

  uint64_t count() const { return count_; }
  std::string HexDigest() { return sha_.HexDigest(); }

 private:
  Status Read(void* p, size_t n, std::string_view what) {
    if (n > remaining_) return Truncated("state.bin ends inside " + std::string(what));
    ARCA_ASSIGN_OR_RETURN(bool full, tar_.ReadExact(p, n));
    if (!full) return Truncated("state.bin ends inside " + std::string(what));
    sha_.Update(p, n);
    remaining_ -= n;
    return OkStatus();
  }

  TarStream& tar_;
  uint64_t remaining_;
  Sha256 sha_;
  uint64_t count_ = 0;
  std::string last_key_;
  bool done_ = false;
};

// Parses SHA256SUMS: exactly one "<64 hex>  <name>" line per member meta.json and state.bin.
Status ParseSums(std::string_view text, std::string* meta_sum, std::string* state_sum) {
  meta_sum->clear();
  state_sum->clear();
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return Corrupt("SHA256SUMS is malformed");
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.size() < 67 || line.substr(64, 2) != "  ") return Corrupt("SHA256SUMS is malformed");
    std::string_view sum = line.substr(0, 64);
    std::string_view name = line.substr(66);
    for (char c : sum) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return Corrupt("SHA256SUMS is malformed");
      }
    }
    std::string* slot = name == "meta.json" ? meta_sum : name == "state.bin" ? state_sum : nullptr;
    if (slot == nullptr || !slot->empty()) return Corrupt("SHA256SUMS is malformed");
    *slot = std::string(sum);
  }
  if (meta_sum->empty() || state_sum->empty()) return Corrupt("SHA256SUMS is malformed");
  return OkStatus();
}

Result<Meta> ParseMeta(std::string_view text) {
  auto o = ParseJsonObject(text);
  if (!o) return Corrupt("meta.json is not a JSON object");
  Meta m;
  auto version = GetIntField(*o, "version");
  auto entries = GetIntField(*o, "entries");
  auto bytes = GetIntField(*o, "state_bytes");
  if (!version || !*version || !entries || !*entries || !bytes || !*bytes || **entries < 0 ||
      **bytes < 0) {
    return Corrupt("meta.json lacks version, entries or state_bytes");
  }
  m.version = static_cast<int>(**version);
  m.entries = static_cast<uint64_t>(**entries);
  m.state_bytes = static_cast<uint64_t>(**bytes);
  m.id = StringOr(*o, "id");
  m.created = StringOr(*o, "created");
  m.backend = StringOr(*o, "backend");
  return m;
}

class FileReader final : public Reader {
 public:
  FileReader(std::string path, Meta meta, std::string state_sum)
      : path_(std::move(path)), meta_(std::move(meta)), state_sum_(std::move(state_sum)) {}

  const Meta& meta() const override { return meta_; }

  Result<std::optional<std::string>> Find(std::string_view key) override {
    EntrySource source = Entries();
    std::string k, v;
    for (;;) {
      ARCA_ASSIGN_OR_RETURN(bool more, source(&k, &v));
      if (!more) return std::optional<std::string>();
      if (k == key) return std::optional<std::string>(std::move(v));
      if (k > key) return std::optional<std::string>();
    }
  }

  EntrySource Entries() override {
    struct State {
      std::unique_ptr<TarStream> tar;
      std::unique_ptr<StateParser> parser;
      bool finished = false;
    };
    auto st = std::make_shared<State>();
    return [this, st](std::string* key, std::string* value) -> Result<bool> {
      if (st->finished) return false;
      if (st->tar == nullptr) {
        // The file was verified by Open; read it again and check again on the way.
        ARCA_ASSIGN_OR_RETURN(st->tar, TarStream::Open(path_));
        for (;;) {
          ARCA_ASSIGN_OR_RETURN(auto member, st->tar->NextMember());
          if (!member) return Corrupt("state.bin is missing");
          if (member->first == "state.bin") {
            st->parser = std::make_unique<StateParser>(*st->tar, member->second);
            break;
          }
        }
        ARCA_RETURN_IF_ERROR(st->parser->Header());
      }
      ARCA_ASSIGN_OR_RETURN(bool more, st->parser->Next(key, value));
      if (more) return true;
      st->finished = true;
      if (st->parser->HexDigest() != state_sum_ || st->parser->count() != meta_.entries) {
        return Corrupt("state.bin changed since the snapshot was verified");
      }
      return false;
    };
  }

 private:
  const std::string path_;
  const Meta meta_;
  const std::string state_sum_;
};

}  // namespace

Result<Meta> Write(Snapshottable& source, std::string_view backend_type, int out_fd) {
  ARCA_ASSIGN_OR_RETURN(int spool_fd, OpenSpool());
  Fd spool(spool_fd);
  SpoolWriter state(spool.fd);

  std::string header(kMagic, sizeof(kMagic));
  PutBe(header, kStateVersion, 4);
  ARCA_RETURN_IF_ERROR(state.Append(header));
  uint64_t count = 0;
  std::string last_key;
  std::string frame;
  Status visited = source.VisitAll([&](std::string_view key, std::string_view value) -> Status {
    if (key.empty() || key.size() > kMaxKeySize) {
      return Internal("snapshot: the storage holds a key of " + std::to_string(key.size()) +
                      " bytes; snapshots hold keys of 1.." + std::to_string(kMaxKeySize));
    }
    if (count > 0 && !(key > std::string_view(last_key))) {
      return Internal("snapshot: the storage returned its keys out of order");
    }
    frame.clear();
    frame.push_back(static_cast<char>(kTagEntry));
    PutBe(frame, key.size(), 4);
    frame.append(key);
    PutBe(frame, value.size(), 8);
    ARCA_RETURN_IF_ERROR(state.Append(frame));
    ARCA_RETURN_IF_ERROR(state.Append(value));
    last_key.assign(key);
    ++count;
    return OkStatus();
  });
  ARCA_RETURN_IF_ERROR(visited);
  std::string end(1, static_cast<char>(kTagEnd));
  PutBe(end, count, 8);
  ARCA_RETURN_IF_ERROR(state.Append(end));
  ARCA_RETURN_IF_ERROR(state.Flush());

  const auto now = std::chrono::system_clock::now();
  Meta meta;
  meta.version = static_cast<int>(kStateVersion);
  meta.id = GenerateUuid();
  meta.created = FormatRfc3339Nanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  meta.backend = std::string(backend_type);
  meta.entries = count;
  meta.state_bytes = state.size();
  const std::string meta_json = MetaJson(meta);
  const std::string sums = HexSha256(meta_json) + "  meta.json\n" + state.HexDigest() +
                           "  state.bin\n";
  const time_t mtime = std::chrono::system_clock::to_time_t(now);

  archive* a = archive_write_new();
  ArchiveWriteFree free_a{a};
  if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
    return ArchiveError(a, "setup");
  }
  if (archive_write_open_fd(a, out_fd) != ARCHIVE_OK) return ArchiveError(a, "open");
  ARCA_RETURN_IF_ERROR(WriteMemberHeader(a, kMembers[0], meta_json.size(), mtime));
  ARCA_RETURN_IF_ERROR(WriteMemberData(a, meta_json.data(), meta_json.size()));
  ARCA_RETURN_IF_ERROR(WriteMemberHeader(a, kMembers[1], meta.state_bytes, mtime));
  std::vector<char> buf(kBufferSize);
  uint64_t off = 0;
  while (off < meta.state_bytes) {
    ssize_t r = ::pread(spool.fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return Internal(std::string("snapshot: read the spool: ") + std::strerror(errno));
    ARCA_RETURN_IF_ERROR(WriteMemberData(a, buf.data(), static_cast<size_t>(r)));
    off += static_cast<uint64_t>(r);
  }
  ARCA_RETURN_IF_ERROR(WriteMemberHeader(a, kMembers[2], sums.size(), mtime));
  ARCA_RETURN_IF_ERROR(WriteMemberData(a, sums.data(), sums.size()));
  if (archive_write_close(a) != ARCHIVE_OK) return ArchiveError(a, "close");
  return meta;
}

Result<std::unique_ptr<Reader>> Reader::Open(const std::string& path) {
  ARCA_ASSIGN_OR_RETURN(auto tar, TarStream::Open(path));
  std::string meta_json, meta_sum, state_sum, sums_text;
  uint64_t state_bytes = 0, state_count = 0;
  std::string computed_state_sum;
  for (int i = 0; i < 3; ++i) {
    ARCA_ASSIGN_OR_RETURN(auto member, tar->NextMember());
    if (!member) {
      if (i == 0) return InvalidRequest("not a snapshot: the archive is empty");
      return Truncated(std::string(kMembers[i]) + " is missing");
    }
    if (member->first != kMembers[i]) {
      return Corrupt("expected member " + std::string(kMembers[i]) + ", found " + member->first);
    }
    if (i == 0) {
      ARCA_ASSIGN_OR_RETURN(meta_json, tar->ReadSmall(member->second, kMaxMetaSize, "meta.json"));
    } else if (i == 1) {
      state_bytes = member->second;
      StateParser parser(*tar, state_bytes);
      ARCA_RETURN_IF_ERROR(parser.Header());
      for (;;) {
        ARCA_ASSIGN_OR_RETURN(bool more, parser.Next(nullptr, nullptr));
        if (!more) break;
      }
      state_count = parser.count();
      computed_state_sum = parser.HexDigest();
    } else {
      ARCA_ASSIGN_OR_RETURN(sums_text, tar->ReadSmall(member->second, kMaxSumsSize, "SHA256SUMS"));
    }
  }
  ARCA_ASSIGN_OR_RETURN(auto extra, tar->NextMember());
  if (extra) return Corrupt("unexpected member " + extra->first);
  ARCA_RETURN_IF_ERROR(tar->Finish());

  ARCA_RETURN_IF_ERROR(ParseSums(sums_text, &meta_sum, &state_sum));
  if (HexSha256(meta_json) != meta_sum) return Corrupt("checksum mismatch for meta.json");
  if (computed_state_sum != state_sum) return Corrupt("checksum mismatch for state.bin");
  ARCA_ASSIGN_OR_RETURN(Meta meta, ParseMeta(meta_json));
  if (meta.version != static_cast<int>(kStateVersion)) {
    return InvalidRequest("snapshot format version " + std::to_string(meta.version) +
                          " is not supported");
  }
  if (meta.entries != state_count || meta.state_bytes != state_bytes) {
    return Corrupt("meta.json does not match state.bin");
  }
  return std::unique_ptr<Reader>(new FileReader(path, std::move(meta), std::move(state_sum)));
}

}  // namespace arca::storage::snapshot
