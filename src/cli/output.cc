#include "cli/output.h"

#include <algorithm>
#include <ostream>

#include "cli/format.h"

namespace arca::cli {
namespace {

const json::value kNull;

const json::value& Get(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? *v : kNull;
}

int64_t GetInt(const json::object& o, std::string_view key) {
  const json::value& v = Get(o, key);
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.as_double());
  return 0;
}

bool GetBool(const json::object& o, std::string_view key) {
  const json::value& v = Get(o, key);
  return v.is_bool() && v.as_bool();
}

std::string GetString(const json::object& o, std::string_view key) {
  const json::value& v = Get(o, key);
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

std::string Rendered(Ctx& ctx, const json::value& v) {
  if (ctx.format() == "yaml") return ToYaml(v);
  return GoJsonIndent(v);
}

std::vector<std::string> Row(std::string k, std::string v) { return {std::move(k), std::move(v)}; }

}  // namespace

json::value SecretForJson(const json::object& secret) {
  json::object out;
  out["request_id"] = GetString(secret, "request_id");
  out["lease_id"] = GetString(secret, "lease_id");
  out["lease_duration"] = GetInt(secret, "lease_duration");
  out["renewable"] = GetBool(secret, "renewable");
  out["data"] = SortKeysDeep(Get(secret, "data"));
  const json::value& warnings = Get(secret, "warnings");
  out["warnings"] = warnings.is_array() ? warnings : json::value();
  if (const json::value& auth = Get(secret, "auth"); !auth.is_null()) {
    out["auth"] = SortKeysDeep(auth);
  }
  if (const json::value& wrap = Get(secret, "wrap_info"); !wrap.is_null()) {
    out["wrap_info"] = SortKeysDeep(wrap);
  }
  if (std::string mt = GetString(secret, "mount_type"); !mt.empty()) out["mount_type"] = mt;
  return out;
}

void PrintWarnings(Ctx& ctx, const json::object& secret) {
  const json::value& w = Get(secret, "warnings");
  if (!w.is_array() || w.as_array().empty()) return;
  ctx.err() << "WARNING! The following warnings were returned from Arca:\n\n";
  for (const auto& warning : w.as_array()) {
    ctx.err() << WrapAtLength("* " + GoValue(warning), 2) << "\n\n";
  }
}

int OutputSecret(Ctx& ctx, const json::object& secret) {
  if (ctx.format() != "table") {
    ctx.out() << Rendered(ctx, SecretForJson(secret));
    return 0;
  }
  PrintWarnings(ctx, secret);
  std::vector<std::vector<std::string>> rows;
  int64_t lease_duration = GetInt(secret, "lease_duration");
  if (lease_duration > 0) {
    std::string lease_id = GetString(secret, "lease_id");
    if (!lease_id.empty()) {
      rows.push_back(Row("lease_id", lease_id));
      rows.push_back(Row("lease_duration", HumanDuration(lease_duration)));
      rows.push_back(Row("lease_renewable", GetBool(secret, "renewable") ? "true" : "false"));
    } else {
      rows.push_back(Row("refresh_interval", HumanDuration(lease_duration)));
    }
  }
  if (const json::object* auth = GetObject(secret, "auth")) {
    rows.push_back(Row("token", GetString(*auth, "client_token")));
    rows.push_back(Row("token_accessor", GetString(*auth, "accessor")));
    int64_t ttl = GetInt(*auth, "lease_duration");
    rows.push_back(Row("token_duration", ttl == 0 ? "∞" : HumanDuration(ttl)));
    rows.push_back(Row("token_renewable", GetBool(*auth, "renewable") ? "true" : "false"));
    rows.push_back(Row("token_policies", GoQuotedList(Get(*auth, "token_policies"))));
    rows.push_back(Row("identity_policies", GoQuotedList(Get(*auth, "identity_policies"))));
    rows.push_back(Row("policies", GoQuotedList(Get(*auth, "policies"))));
    if (const json::object* meta = GetObject(*auth, "metadata")) {
      std::vector<std::string> keys;
      for (const auto& kv : *meta) keys.emplace_back(kv.key());
      std::sort(keys.begin(), keys.end());
      for (const auto& k : keys) rows.push_back(Row("token_meta_" + k, GoValue(meta->at(k))));
    }
  }
  if (const json::object* wrap = GetObject(secret, "wrap_info")) {
    rows.push_back(Row("wrapping_token:", GetString(*wrap, "token")));
    rows.push_back(Row("wrapping_accessor:", GetString(*wrap, "accessor")));
    rows.push_back(Row("wrapping_token_ttl:", HumanDuration(GetInt(*wrap, "ttl"))));
    rows.push_back(Row("wrapping_token_creation_time:", GetString(*wrap, "creation_time")));
    rows.push_back(Row("wrapping_token_creation_path:", GetString(*wrap, "creation_path")));
    if (std::string wa = GetString(*wrap, "wrapped_accessor"); !wa.empty()) {
      rows.push_back(Row("wrapped_accessor:", wa));
    }
  }
  if (const json::object* data = GetObject(secret, "data")) {
    std::vector<std::string> keys;
    for (const auto& kv : *data) keys.emplace_back(kv.key());
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) {
      json::value v = data->at(k);
      if (LooksLikeDuration(k)) v = HumanDurationValue(v);
      rows.push_back(Row(k, GoValue(v)));
    }
  }
  if (rows.empty()) return 0;
  rows.insert(rows.begin(), Row("Key", "Value"));
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int OutputList(Ctx& ctx, const json::object& secret) {
  const json::value* keys = nullptr;
  if (const json::object* data = GetObject(secret, "data")) keys = data->if_contains("keys");
  json::array list = keys && keys->is_array() ? keys->as_array() : json::array();
  if (ctx.format() != "table") {
    ctx.out() << Rendered(ctx, list);
    return 0;
  }
  PrintWarnings(ctx, secret);
  std::vector<std::string> names;
  for (const auto& k : list) names.push_back(GoValue(k));
  std::sort(names.begin(), names.end());
  if (names.empty()) return 0;
  // `list -detailed`: the key_info of a ListResponseWithInfo endpoint as more columns (the
  // union of its fields, sorted), as Vault's table formatter prints it.
  const json::object* data = GetObject(secret, "data");
  const json::object* info = ctx.detailed_list && data ? GetObject(*data, "key_info") : nullptr;
  std::vector<std::string> columns;
  if (info != nullptr) {
    for (const auto& entry : *info) {
      if (!entry.value().is_object()) continue;
      for (const auto& f : entry.value().as_object()) columns.emplace_back(f.key());
    }
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  }
  std::vector<std::vector<std::string>> rows{{"Keys"}};
  rows[0].insert(rows[0].end(), columns.begin(), columns.end());
  for (auto& n : names) {
    std::vector<std::string> row{n};
    const json::value* entry = info ? info->if_contains(n) : nullptr;
    for (const auto& c : columns) {
      const json::value* v = entry && entry->is_object() ? entry->as_object().if_contains(c) : nullptr;
      row.push_back(v == nullptr || v->is_null() ? "" : GoValue(*v));
    }
    rows.push_back(std::move(row));
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int OutputData(Ctx& ctx, const json::value& data) {
  if (ctx.format() != "table") {
    ctx.out() << Rendered(ctx, SortKeysDeep(data));
    return 0;
  }
  if (!data.is_object()) {
    ctx.out() << GoValue(data) << "\n";
    return 0;
  }
  const json::object& o = data.as_object();
  if (o.empty()) return 0;
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  std::sort(keys.begin(), keys.end());
  std::vector<std::vector<std::string>> rows{Row("Key", "Value")};
  for (const auto& k : keys) {
    json::value v = o.at(k);
    if (LooksLikeDuration(k)) v = HumanDurationValue(v);
    rows.push_back(Row(k, GoValue(v)));
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

json::value RawField(const json::object& secret, std::string_view field) {
  const json::object* data = GetObject(secret, "data");
  auto from_data = [&]() -> json::value {
    if (data == nullptr) return nullptr;
    return Get(*data, field);
  };
  if (const json::object* auth = GetObject(secret, "auth")) {
    if (field == "token") return Get(*auth, "client_token");
    if (field == "token_accessor") return Get(*auth, "accessor");
    if (field == "token_duration") return Get(*auth, "lease_duration");
    if (field == "token_renewable") return Get(*auth, "renewable");
    if (field == "token_policies") return Get(*auth, "token_policies");
    if (field == "identity_policies") return Get(*auth, "identity_policies");
    if (field == "policies") return Get(*auth, "policies");
    return from_data();
  }
  if (const json::object* wrap = GetObject(secret, "wrap_info")) {
    if (field == "wrapping_token") return Get(*wrap, "token");
    if (field == "wrapping_accessor") return Get(*wrap, "accessor");
    if (field == "wrapping_token_ttl") return Get(*wrap, "ttl");
    if (field == "wrapping_token_creation_time") return Get(*wrap, "creation_time");
    if (field == "wrapping_token_creation_path") return Get(*wrap, "creation_path");
    if (field == "wrapped_accessor") return Get(*wrap, "wrapped_accessor");
    return from_data();
  }
  if (field == "lease_duration" || field == "refresh_interval") {
    return GetInt(secret, "lease_duration");
  }
  if (field == "lease_id") return json::string(GetString(secret, "lease_id"));
  if (field == "request_id") return json::string(GetString(secret, "request_id"));
  if (field == "renewable") return GetBool(secret, "renewable");
  if (field == "data" && data != nullptr) {
    if (const json::value* inner = data->if_contains("data")) return *inner;
    return *data;
  }
  return from_data();
}

int PrintRawField(Ctx& ctx, const json::value& value, std::string_view field) {
  if (value.is_null()) {
    ctx.err() << "Field \"" << field << "\" not present in secret\n";
    return 1;
  }
  if (ctx.format() == "table" || ctx.format() == "raw") {
    ctx.out() << GoValue(value);
    if (ctx.env().stdout_is_terminal) ctx.out() << "\n";
    return 0;
  }
  ctx.out() << Rendered(ctx, SortKeysDeep(value));
  return 0;
}

int PrintSecretField(Ctx& ctx, const json::object& secret, std::string_view field) {
  return PrintRawField(ctx, RawField(secret, field), field);
}

int PrintMapField(Ctx& ctx, const json::object& map, std::string_view field) {
  return PrintRawField(ctx, Get(map, field), field);
}

std::string PadEqualSigns(std::string_view header, size_t total_len) {
  long equal_signs = static_cast<long>(total_len) - static_cast<long>(header.size() + 2);
  if (equal_signs <= 0) equal_signs = 4;
  if (equal_signs % 2 != 0) ++equal_signs;
  std::string side(static_cast<size_t>(equal_signs / 2), '=');
  return side + " " + std::string(header) + " " + side;
}

std::string HeaderForMap(std::string_view header, const json::object& data) {
  size_t max_key = 0;
  for (const auto& kv : data) max_key = std::max(max_key, kv.key().size());
  return PadEqualSigns(header, max_key + 4 + 5);
}

const json::object* GetObject(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::string CellText(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? "" : GoValue(*v);
}

}  // namespace arca::cli
