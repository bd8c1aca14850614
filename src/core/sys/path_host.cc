// sys/host-info: CPU, CPU times, disk usage, host and memory figures of the machine, read from
// /proc, uname and statvfs, with the field names Vault reports (gopsutil's).
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

int64_t ToInt(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (...) {
    return 0;
  }
}

double ToDouble(const std::string& s) {
  try {
    return std::stod(s);
  } catch (...) {
    return 0;
  }
}

// One object per processor of /proc/cpuinfo.
json::array CpuInfo() {
  json::array out;
  std::ifstream in("/proc/cpuinfo");
  json::object cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur = json::object{};
  };
  std::string line;
  while (std::getline(in, line)) {
    if (Trim(line).empty()) {
      flush();
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = Trim(line.substr(0, colon));
    std::string val = Trim(line.substr(colon + 1));
    if (key == "processor") cur["cpu"] = ToInt(val);
    else if (key == "vendor_id") cur["vendorId"] = val;
    else if (key == "cpu family") cur["family"] = val;
    else if (key == "model") cur["model"] = val;
    else if (key == "stepping") cur["stepping"] = ToInt(val);
    else if (key == "physical id") cur["physicalId"] = val;
    else if (key == "core id") cur["coreId"] = val;
    else if (key == "cpu cores") cur["cores"] = ToInt(val);
    else if (key == "model name") cur["modelName"] = val;
    else if (key == "cpu MHz") cur["mhz"] = ToDouble(val);
    else if (key == "cache size") cur["cacheSize"] = ToInt(val);  // "512 KB" -> 512
    else if (key == "microcode") cur["microcode"] = val;
    else if (key == "flags" || key == "Features") {
      json::array flags;
      std::istringstream fs(val);
      for (std::string f; fs >> f;) flags.emplace_back(f);
      cur["flags"] = std::move(flags);
    }
  }
  flush();
  return out;
}

// The aggregate "cpu" line of /proc/stat, in seconds.
json::array CpuTimes() {
  json::array out;
  std::ifstream in("/proc/stat");
  std::string line;
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100);
  while (std::getline(in, line)) {
    if (!line.starts_with("cpu ")) continue;
    std::istringstream ls(line);
    std::string name;
    ls >> name;
    static constexpr const char* kFields[] = {"user", "nice", "system", "idle", "iowait",
                                              "irq", "softirq", "steal", "guest", "guestNice"};
    json::object t;
    t["cpu"] = name;
    for (const char* f : kFields) {
      double v = 0;
      ls >> v;
      t[f] = v / hz;
    }
    out.push_back(std::move(t));
  }
  return out;
}

// Usage of each mounted block device (what gopsutil calls physical partitions).
json::array Disks() {
  json::array out;
  std::ifstream in("/proc/mounts");
  std::string line;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string dev, path, fstype;
    ls >> dev >> path >> fstype;
    if (!dev.starts_with("/") || !seen.insert(path).second) continue;
    struct statvfs st {};
    if (statvfs(path.c_str(), &st) != 0) continue;
    const uint64_t total = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
    const uint64_t free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    const uint64_t used = (static_cast<uint64_t>(st.f_blocks) - st.f_bfree) * st.f_frsize;
    json::object d;
    d["path"] = path;
    d["fstype"] = fstype;
    d["total"] = total;
    d["free"] = free;
    d["used"] = used;
    d["usedPercent"] = used + free > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(used + free) : 0.0;
    d["inodesTotal"] = static_cast<uint64_t>(st.f_files);
    d["inodesFree"] = static_cast<uint64_t>(st.f_ffree);
    d["inodesUsed"] = static_cast<uint64_t>(st.f_files - st.f_ffree);
    d["inodesUsedPercent"] =
        st.f_files > 0 ? 100.0 * static_cast<double>(st.f_files - st.f_ffree) / static_cast<double>(st.f_files) : 0.0;
    out.push_back(std::move(d));
  }
  return out;
}

std::string ReadFirstLine(const char* path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return Trim(s);
}

json::object Host() {
  json::object h;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) h["hostname"] = std::string(name);
  std::istringstream up(ReadFirstLine("/proc/uptime"));
  double uptime = 0;
  up >> uptime;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  h["uptime"] = static_cast<uint64_t>(uptime);
  h["bootTime"] = static_cast<uint64_t>(now - static_cast<int64_t>(uptime));
  int64_t procs = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string n = e.path().filename().string();
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos) ++procs;
  }
  h["procs"] = procs;
  struct utsname u {};
  if (uname(&u) == 0) {
    std::string os = u.sysname;
    for (auto& c : os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    h["os"] = os;
    h["kernelVersion"] = std::string(u.release);
    h["kernelArch"] = std::string(u.machine);
  }
  // /etc/os-release: ID and VERSION_ID.
  std::ifstream rel("/etc/os-release");
  std::string line, platform, version, family;
  while (std::getline(rel, line)) {
    auto val = [&](std::string_view key) -> std::optional<std::string> {
      if (!line.starts_with(key)) return std::nullopt;
      std::string v = line.substr(key.size());
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    };
    if (auto v = val("ID=")) platform = *v;
    else if (auto v2 = val("VERSION_ID=")) version = *v2;
    else if (auto v3 = val("ID_LIKE=")) family = *v3;
  }
  h["platform"] = platform;
  h["platformFamily"] = family.empty() ? platform : family;
  h["platformVersion"] = version;
  h["hostid"] = ReadFirstLine("/etc/machine-id");
  return h;
}

json::object Memory() {
  std::map<std::string, uint64_t> kb;
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    kb[line.substr(0, colon)] = static_cast<uint64_t>(ToInt(Trim(line.substr(colon + 1))));
  }
  auto b = [&](const char* k) { return kb.count(k) ? kb[k] * 1024 : uint64_t{0}; };
  json::object m;
  const uint64_t total = b("MemTotal"), free = b("MemFree"), buffers = b("Buffers"),
                 cached = b("Cached") + b("SReclaimable");
  const uint64_t available = kb.count("MemAvailable") ? b("MemAvailable") : free + buffers + cached;
  const uint64_t used = total > free + buffers + cached ? total - free - buffers - cached : 0;
  m["total"] = total;
  m["available"] = available;
  m["used"] = used;
  m["usedPercent"] = total > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(total) : 0.0;
  m["free"] = free;
  m["buffers"] = buffers;
  m["cached"] = cached;
  m["shared"] = b("Shmem");
  m["swapTotal"] = b("SwapTotal");
  m["swapFree"] = b("SwapFree");
  m["swapCached"] = b("SwapCached");
  return m;
}

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(us));
  return std::string(buf) + frac;
}

}  // namespace

std::vector<fw::Path> HostPaths(Core&) {
  fw::Path p;
  p.pattern = "host-info";
  p.help_synopsis = "Information about the host instance that this Arca server is running on.";
  p.operations[Operation::kRead] = {[](Request&, fw::FieldData&) -> Result<Response> {
    json::object d;
    d["cpu"] = CpuInfo();
    d["cpu_times"] = CpuTimes();
    d["disk"] = Disks();
    d["host"] = Host();
    d["memory"] = Memory();
    d["timestamp"] = NowRfc3339();
    return Response::WithData(std::move(d));
  }, "Collect host information."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
