#include "cli/kv_paths.h"

namespace arca::cli {

Result<KvMount> KvPreflight(api::Client& client, std::string_view path) {
  // The preflight is never wrapped (as in Vault): -wrap-ttl applies to the KV request itself.
  std::string wrap_ttl = client.config().wrap_ttl;
  client.SetWrapTtl("");
  auto response = client.Request("GET", "sys/internal/ui/mounts/" + std::string(path));
  client.SetWrapTtl(std::move(wrap_ttl));
  ARCA_ASSIGN_OR_RETURN(api::ApiResponse r, std::move(response));
  if (r.status == 404) return KvMount{"", 1};
  if (r.status >= 400) return std::unexpected(api::ResponseError(r));
  if (!r.json.is_object()) return Internal("nil response from pre-flight request");
  const json::object& o = r.json.as_object();
  const json::object* data = &o;
  if (const json::value* d = o.if_contains("data"); d && d->is_object()) data = &d->as_object();
  KvMount m;
  if (const json::value* p = data->if_contains("path"); p && p->is_string()) {
    m.mount_path = std::string(p->as_string());
  }
  if (const json::value* opts = data->if_contains("options"); opts && opts->is_object()) {
    const json::value* v = opts->as_object().if_contains("version");
    if (v && v->is_string() && v->as_string() == "2") m.version = 2;
    if (v && v->is_int64() && v->as_int64() == 2) m.version = 2;
  }
  return m;
}

std::string PathJoin(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    if (!joined.empty()) joined += '/';
    joined += p;
  }
  std::string out;
  for (char c : joined) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string AddPrefixToKvPath(std::string_view path, std::string_view mount_path,
                              std::string_view api_prefix) {
  std::string_view trimmed_mount = mount_path;
  if (trimmed_mount.ends_with('/')) trimmed_mount.remove_suffix(1);
  if (path == mount_path || path == trimmed_mount) return PathJoin({mount_path, api_prefix});
  std::string_view suffix = path;
  std::string_view mount = mount_path;
  for (;;) {
    if (path.starts_with(mount)) {
      suffix = path.substr(mount.size());
      if (suffix != path) break;
    }
    // Drop leading segments of the mount that the path does not repeat (namespaces).
    size_t slash = mount.find('/');
    if (slash == std::string_view::npos) {
      mount = "";
      break;
    }
    mount = mount.substr(slash + 1);
    if (mount.empty()) break;
  }
  return PathJoin({mount, api_prefix, suffix});
}

}  // namespace arca::cli
