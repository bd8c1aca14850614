#include "cli/kv_target.h"

#include <ostream>

#include "cli/commands.h"
#include "cli/kv_args.h"
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

std::optional<KvWrite> ParseKvWrite(Ctx& ctx, const std::vector<std::string>& raw_args,
                                    std::string_view cas_help, int* code, bool allow_no_data) {
  std::string mount;
  KvWrite w;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.Int("cas", &w.cas, std::string(cas_help));
  auto args = ctx.Parse(raw_args);
  if (!args) {
    *code = args.error();
    return std::nullopt;
  }
  *code = 1;
  if (args->empty()) {
    ctx.err() << "Not enough arguments (expected >1, got 0)\n";
    return std::nullopt;
  }
  if (args->size() == 1 && !allow_no_data) {
    ctx.err() << "Must supply data\n";
    return std::nullopt;
  }
  auto data = ParseKvArgs({args->begin() + 1, args->end()}, &ctx.in());
  if (!data) {
    ctx.err() << "Failed to parse K=V data: " << data.error().message() << "\n";
    return std::nullopt;
  }
  w.data = std::move(*data);
  w.client = ctx.client();
  if (w.client == nullptr) return std::nullopt;
  auto t = ResolveKvTarget(ctx, *w.client, mount, (*args)[0], code);
  if (!t) return std::nullopt;
  w.target = std::move(*t);
  *code = 0;
  return w;
}

}  // namespace arca::cli
