#include "cli/kv_target.h"

#include <ostream>

#include "cli/commands.h"
#include "cli/output.h"

namespace arca::cli {

std::optional<KvTarget> ResolveKvTarget(Ctx& ctx, api::Client& client,
                                        const std::string& mount_flag, const std::string& arg,
                                        int* code) {
  KvTarget t;
  t.partial = SanitizePath(arg);
  t.mount_flag = !mount_flag.empty();
  auto m = KvPreflight(client, t.mount_flag ? SanitizePath(mount_flag) : t.partial);
  if (!m) {
    ctx.err() << m.error().message() << "\n";
    *code = 2;
    return std::nullopt;
  }
  t.mount = *m;
  if (t.mount_flag) {
    if (t.v2()) {
      t.partial = PathJoin({t.mount.mount_path, t.partial});
    } else {
      // v1 with -mount: the mount path as given (the preflight may be unavailable).
      std::string mount =
          t.mount.mount_path.empty() ? SanitizePath(mount_flag) : t.mount.mount_path;
      t.partial = PathJoin({mount, t.partial});
    }
  }
  return t;
}

std::string KvFullPath(const KvTarget& t, std::string_view api_prefix) {
  if (!t.v2()) return t.partial;
  return AddPrefixToKvPath(t.partial, t.mount.mount_path, api_prefix);
}

void OutputKvPath(Ctx& ctx, const std::string& path, std::string_view title) {
  ctx.out() << PadEqualSigns(title, path.size()) << "\n" << path << "\n\n";
}

const json::object* KvObjectAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

json::array ParseKvVersions(std::string_view versions) {
  json::array list;
  size_t pos = 0;
  while (pos <= versions.size()) {
    size_t comma = versions.find(',', pos);
    std::string_view v =
        versions.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    if (!v.empty()) list.emplace_back(json::string(v));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return list;
}

}  // namespace arca::cli
