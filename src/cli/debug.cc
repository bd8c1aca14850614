// arca debug: collects the server's state over a period into a directory and, by default, a
// .tar.gz of it, in the layout of Vault's `vault debug` (index.json, config.json,
// host_info.json, metrics.json, server_status.json, requests.json, vault.log).
//
// The static target (config) is read once; host, metrics, server-status and requests are
// polled every -interval (-metrics-interval for metrics) for -duration; log streams
// sys/monitor at trace level for the whole duration on a second connection. Arca has no pprof
// or replication status: those targets are ignored with a notice, as Vault does for targets
// it does not know.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"
#include "common/duration.h"
#include "common/rfc3339.h"

namespace arca::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

constexpr std::chrono::seconds kMinInterval{5};
constexpr std::chrono::seconds kDurationGrace{1};
constexpr std::array<std::string_view, 6> kTargets = {"config", "host", "requests",
                                                       "metrics", "server-status", "log"};

std::string Now() {
  return FormatRfc3339Nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                Clock::now().time_since_epoch())
                                .count());
}

// "2006-01-02T15-04-05Z" (Vault's file-friendly time).
std::string FileTime(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H-%M-%SZ", &tm);
  return buf;
}

std::string GoDuration(std::chrono::seconds s) {
  std::string out;
  int64_t v = s.count();
  if (v >= 3600) out += std::to_string(v / 3600) + "h";
  if (v >= 60) out += std::to_string(v / 60 % 60) + "m";
  out += std::to_string(v % 60) + "s";
  return out;
}

Status WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  f.close();
  if (!f) return InvalidRequest("cannot write " + path.string());
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return OkStatus();
}

// The files of `dir` (and its subdirectories) as a tar.gz at `dst`, named "<dir name>/...".
Status Compress(const fs::path& dir, const fs::path& dst) {
  archive* a = archive_write_new();
  struct Free {
    archive* a;
    ~Free() { archive_write_free(a); }
  } free_a{a};
  if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
    return Internal(std::string("archive: ") + archive_error_string(a));
  }
  const mode_t old_mask = ::umask(077);
  const int opened = archive_write_open_filename(a, dst.c_str());
  ::umask(old_mask);
  if (opened != ARCHIVE_OK) {
    return InvalidRequest("failed to open output archive for writing: " +
                          std::string(archive_error_string(a)));
  }
  std::vector<fs::path> paths{dir};
  for (const auto& e : fs::recursive_directory_iterator(dir)) paths.push_back(e.path());
  std::sort(paths.begin() + 1, paths.end());
  const fs::path base = dir.parent_path();
  for (const auto& p : paths) {
    const bool is_dir = fs::is_directory(p);
    std::string name = fs::relative(p, base.empty() ? fs::path(".") : base).string();
    if (is_dir) name += "/";
    std::string data;
    if (!is_dir) {
      std::ifstream in(p, std::ios::binary);
      data.assign(std::istreambuf_iterator<char>(in), {});
    }
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry, is_dir ? 0700 : 0600);
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    archive_entry_set_mtime(entry, Clock::to_time_t(Clock::now()), 0);
    int rc = archive_write_header(a, entry);
    archive_entry_free(entry);
    if (rc != ARCHIVE_OK) return Internal(std::string("archive: ") + archive_error_string(a));
    if (!data.empty() &&
        archive_write_data(a, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) {
      return Internal(std::string("archive: ") + archive_error_string(a));
    }
  }
  if (archive_write_close(a) != ARCHIVE_OK) {
    return Internal(std::string("archive: ") + archive_error_string(a));
  }
  return OkStatus();
}

class Capture {
 public:
  Capture(Ctx& ctx, api::Client& client, fs::path out) : ctx_(ctx), client_(client), out_(out) {}

  void Error(std::string_view target, const std::string& message) {
    std::lock_guard lock(mu_);
    errors_.push_back(json::object{{"error", message}, {"target", target}, {"timestamp", Now()}});
  }
  json::array errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

  // The `data` of a GET, or nullopt (error recorded under `target`).
  std::optional<json::value> Data(std::string_view target, const std::string& path) {
    auto r = client_.Read(path);
    if (!r) {
      Error(target, r.error().message());
      return std::nullopt;
    }
    if (!*r) return json::value(nullptr);
    const json::value* d = (*r)->if_contains("data");
    return d ? *d : json::value(nullptr);
  }
  // A whole JSON body (sys/health, sys/seal-status, sys/metrics), or nullopt.
  std::optional<json::value> Body(std::string_view target, const std::string& path) {
    auto r = client_.Request("GET", path);
    if (!r) {
      Error(target, r.error().message());
      return std::nullopt;
    }
    if (r->status >= 400 && path != "sys/health") {  // health answers 429/503/501 by state
      Error(target, api::FormatResponseError(*r));
      return std::nullopt;
    }
    if (r->json.is_null()) {
      Error(target, "response from " + path + " is not JSON");
      return std::nullopt;
    }
    return r->json;
  }

  Status Persist(const json::array& collection, const std::string& file) {
    if (collection.empty()) return OkStatus();
    return WriteFile(out_ / file, GoJsonIndent(collection));
  }

 private:
  Ctx& ctx_;
  api::Client& client_;
  fs::path out_;
  std::mutex mu_;
  json::array errors_;  // guarded by mu_
};

}  // namespace

int RunDebug(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool compress = true;
  std::string duration_text = "2m", interval_text = "30s", metrics_interval_text = "10s";
  std::string output, log_format = "standard";
  std::vector<std::string> targets;
  ctx.flags.Bool("compress", &compress,
                 "Pack the output into a .tar.gz (else a directory). Default: true.");
  ctx.flags.String("duration", &duration_text,
                   "How long to capture. Default: 2m; at least 5s.");
  ctx.flags.String("interval", &interval_text,
                   "How often to poll the server's state. Default: 30s.");
  ctx.flags.String("metrics-interval", &metrics_interval_text,
                   "How often to poll the metrics. Default: 10s.");
  ctx.flags.String("output", &output,
                   "Where to write the package. Default: vault-debug-<time>.tar.gz in the "
                   "current directory.");
  ctx.flags.StringList("target", &targets,
                       "A target to capture (repeatable): config, host, requests, metrics, "
                       "server-status, log. Default: all of them.");
  ctx.flags.String("log-format", &log_format,
                   "Format of the captured log: standard or json. Default: standard.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;

  std::chrono::seconds durations[3];
  const std::string* texts[3] = {&duration_text, &interval_text, &metrics_interval_text};
  const char* names[3] = {"duration", "interval", "metrics-interval"};
  for (int i = 0; i < 3; ++i) {
    auto d = ParseDuration(*texts[i]);
    if (!d) {
      ctx.err() << "invalid value \"" << *texts[i] << "\" for flag -" << names[i] << ": "
                << d.error().message() << "\n";
      return 1;
    }
    durations[i] = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
  auto& [duration, interval, metrics_interval] = durations;
  auto raise = [&](std::chrono::seconds& v, const char* what, std::chrono::seconds to,
                   const char* why) {
    ctx.out() << "Overwriting " << what << " value \"" << GoDuration(v) << "\" to the " << why
              << " \"" << GoDuration(to) << "\"\n";
    v = to;
  };
  if (duration < kMinInterval) raise(duration, "duration", kMinInterval, "minimum value of");
  if (interval < kMinInterval) raise(interval, "interval", kMinInterval, "minimum value of");
  if (metrics_interval < kMinInterval) {
    raise(metrics_interval, "metrics interval", kMinInterval, "minimum value of");
  }
  if (interval > duration) raise(interval, "interval", duration, "duration value");
  if (metrics_interval > duration) {
    raise(metrics_interval, "metrics interval", duration, "duration value");
  }
  if (log_format != "standard" && log_format != "json") {
    ctx.err() << "Error during validation: invalid log format \"" << log_format << "\"\n";
    return 1;
  }
  if (targets.empty()) {
    targets.assign(kTargets.begin(), kTargets.end());
  } else {
    std::vector<std::string> valid, invalid;
    for (const auto& t : targets) {
      (std::find(kTargets.begin(), kTargets.end(), t) != kTargets.end() ? valid : invalid)
          .push_back(t);
    }
    if (!invalid.empty()) {
      std::string list;
      for (const auto& t : invalid) list += (list.empty() ? "" : ", ") + t;
      ctx.out() << "Ignoring invalid targets: " << list << "\n";
    }
    targets = std::move(valid);
  }
  auto wants = [&](std::string_view t) {
    return std::find(targets.begin(), targets.end(), t) != targets.end();
  };

  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto health = client->Request("GET", "sys/health");
  if (!health) {
    ctx.err() << "Error during validation: unable to connect to the server: "
              << health.error().message() << "\n";
    return 1;
  }
  std::string server_version;
  if (health->json.is_object()) server_version = CellText(health->json.as_object(), "version");

  const auto capture_time = Clock::now();
  if (output.empty()) output = "vault-debug-" + FileTime(capture_time);
  while (output.size() > 1 && output.back() == '/') output.pop_back();
  std::string dst = output;
  if (compress) {
    if (!dst.ends_with(".tar.gz") && !dst.ends_with(".tgz")) dst += ".tar.gz";
    if (fs::exists(dst)) {
      ctx.err() << "Error during validation: output file already exists: " << dst << "\n";
      return 1;
    }
    if (output.ends_with(".tar.gz")) output.resize(output.size() - 7);
    if (output.ends_with(".tgz")) output.resize(output.size() - 4);
  }
  std::error_code ec;
  if (fs::exists(output, ec)) {
    ctx.err() << "Error during validation: output directory already exists: " << output << "\n";
    return 1;
  }
  if (!fs::create_directories(output, ec) || ec) {
    ctx.err() << "Error during validation: unable to create output directory: " << ec.message()
              << "\n";
    return 1;
  }
  fs::permissions(output, fs::perms::owner_all, fs::perm_options::replace, ec);
  const fs::path out_dir(output);

  std::string target_list;
  for (const auto& t : targets) target_list += (target_list.empty() ? "" : ", ") + t;
  ctx.out() << "==> Starting debug capture...\n"
            << "         Arca Address: " << client->config().address << "\n"
            << "       Client Version: " << ARCA_VERSION << "\n"
            << "       Server Version: " << server_version << "\n"
            << "             Duration: " << GoDuration(duration) << "\n"
            << "             Interval: " << GoDuration(interval) << "\n"
            << "     Metrics Interval: " << GoDuration(metrics_interval) << "\n"
            << "              Targets: " << target_list << "\n"
            << "               Output: " << dst << "\n\n";

  Capture cap(ctx, *client, out_dir);
  ctx.out() << "==> Capturing static information...\n";
  if (wants("config")) {
    if (auto c = cap.Data("config", "sys/config/state/sanitized")) {
      json::array collection{json::object{{"timestamp", Now()}, {"config", *c}}};
      if (auto s = cap.Persist(collection, "config.json"); !s) cap.Error("config", s.error().message());
    }
  }

  ctx.out() << "\n==> Capturing dynamic information...\n";
  ctx.out().flush();
  // The log on its own connection, for the whole period.
  std::thread log_thread;
  if (wants("log")) {
    log_thread = std::thread([&, cfg = client->config()] {
      api::Client log_client(cfg);
      std::ofstream log(out_dir / "vault.log", std::ios::binary);
      auto r = log_client.Stream(
          "sys/monitor", {{"log_format", log_format}, {"log_level", "trace"}},
          [&](std::string_view data) {
            log << data;
            return static_cast<bool>(log);
          },
          std::chrono::duration_cast<std::chrono::milliseconds>(duration + kDurationGrace));
      if (!r) cap.Error("log", r.error().message());
      else if (r->status >= 400) cap.Error("log", api::FormatResponseError(*r));
    });
  }
  json::array host_info, metrics, server_status, requests;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + duration + kDurationGrace;
  auto next_poll = start, next_metrics = start;
  while (std::chrono::steady_clock::now() < end) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_poll) {
      next_poll += interval;
      if (wants("host")) {
        if (auto d = cap.Data("host", "sys/host-info"); d && !d->is_null()) host_info.push_back(*d);
      }
      if (wants("server-status")) {
        auto h = cap.Body("server-status.health", "sys/health");
        auto s = cap.Body("server-status.seal", "sys/seal-status");
        if (h || s) {
          server_status.push_back(json::object{{"timestamp", Now()},
                                               {"health", h ? *h : json::value(nullptr)},
                                               {"seal", s ? *s : json::value(nullptr)}});
        }
      }
      if (wants("requests")) {
        if (auto d = cap.Data("requests", "sys/in-flight-req")) {
          requests.push_back(json::object{{"timestamp", Now()}, {"in_flight_requests", *d}});
        }
      }
    }
    if (now >= next_metrics && wants("metrics")) {
      next_metrics += metrics_interval;
      if (auto m = cap.Body("metrics", "sys/metrics")) metrics.push_back(*m);
    }
    const auto wake = std::min({next_poll, wants("metrics") ? next_metrics : next_poll, end});
    std::this_thread::sleep_until(wake);
  }
  if (log_thread.joinable()) log_thread.join();
  for (auto [collection, file] : {std::pair{&metrics, "metrics.json"},
                                  std::pair{&server_status, "server_status.json"},
                                  std::pair{&host_info, "host_info.json"},
                                  std::pair{&requests, "requests.json"}}) {
    if (auto s = cap.Persist(*collection, file); !s) {
      ctx.err() << "Error writing data to " << file << ": " << s.error().message() << "\n";
    }
  }

  ctx.out() << "\nFinished capturing information, bundling files...\n";
  // index.json: what was captured and the files written.
  json::object layout;
  json::array files;
  std::vector<std::string> names_sorted;
  for (const auto& e : fs::directory_iterator(out_dir)) {
    if (e.is_regular_file()) names_sorted.push_back(e.path().filename().string());
  }
  std::sort(names_sorted.begin(), names_sorted.end());
  for (auto& n : names_sorted) files.push_back(json::string(n));
  layout["files"] = std::move(files);
  json::array raw;
  for (const auto& a : raw_args) raw.push_back(json::string(a));
  json::array target_json;
  for (const auto& t : targets) target_json.push_back(json::string(t));
  json::object index;
  index["version"] = 1;
  index["vault_address"] = client->config().address;
  index["client_version"] = ARCA_VERSION;
  index["server_version"] = server_version;
  index["timestamp"] = FormatRfc3339Nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              capture_time.time_since_epoch())
                                              .count());
  index["duration_seconds"] = duration.count();
  index["interval_seconds"] = interval.count();
  index["metrics_interval_seconds"] = metrics_interval.count();
  index["compress"] = compress;
  index["raw_args"] = std::move(raw);
  index["targets"] = std::move(target_json);
  index["output"] = std::move(layout);
  index["errors"] = cap.errors();
  if (auto s = WriteFile(out_dir / "index.json", GoJsonIndent(index)); !s) {
    ctx.err() << "Error generating index: " << s.error().message() << "\n";
    return 1;
  }
  if (compress) {
    if (auto s = Compress(out_dir, dst); !s) {
      ctx.err() << "Error encountered during bundle compression: " << s.error().message() << "\n";
      ctx.out() << "Data written to: " << output << "\n";
      return 1;
    }
    fs::remove_all(out_dir, ec);
  }
  ctx.out() << "Success! Bundle written to: " << dst << "\n";
  return 0;
}

}  // namespace arca::cli
