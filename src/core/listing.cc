// LIST pagination (after, limit), recursive SCAN and ACL-filtered listings: applied by the core
// to every backend's LIST responses, so that each engine gets them without its own code.
#include <algorithm>
#include <charconv>
#include <deque>

#include "core/core.h"
#include "core/policy_store.h"

namespace arca::core {
namespace {

using logical::Operation;

// At most this many keys are collected by one SCAN (a guard against unbounded responses; page
// through bigger trees with after/limit on narrower prefixes).
constexpr size_t kMaxScanKeys = 100000;

Result<int64_t> ParseLimit(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= INT64_MAX) return static_cast<int64_t>(v.as_uint64());
  if (v.is_string()) {
    std::string_view s = v.as_string();
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return n;
  }
  return InvalidRequest("limit must be a non-negative integer");
}

std::vector<std::string> KeysOf(const logical::Response& resp) {
  std::vector<std::string> keys;
  auto it = resp.data.find("keys");
  if (it == resp.data.end() || !it->value().is_array()) return keys;
  for (const auto& k : it->value().as_array()) {
    if (k.is_string()) keys.emplace_back(k.as_string());
  }
  return keys;
}

}  // namespace

Result<Core::ListPage> Core::TakeListPage(logical::Request& req) {
  ListPage page;
  if (auto it = req.data.find("after"); it != req.data.end()) {
    if (!it->value().is_string()) return InvalidRequest("after must be a string");
    page.after = std::string(it->value().as_string());
    req.data.erase(it);
  }
  if (auto it = req.data.find("limit"); it != req.data.end()) {
    ARCA_ASSIGN_OR_RETURN(page.limit, ParseLimit(it->value()));
    if (page.limit < 0) return InvalidRequest("limit must be a non-negative integer");
    req.data.erase(it);
  }
  return page;
}

Result<logical::Response> Core::HandleListing(logical::Request& req, logical::Backend& backend,
                                              const MountRoute& route) {
  ARCA_ASSIGN_OR_RETURN(ListPage page, TakeListPage(req));
  const bool filter = route.list_filter_by_acl() && !req.is_root_token;
  if (req.operation == Operation::kList && page.after.empty() && page.limit == 0 && !filter) {
    return backend.HandleRequest(req);  // the common case: nothing to post-process
  }

  std::vector<std::string> keys;
  logical::Response resp;
  if (req.operation == Operation::kList) {
    ARCA_ASSIGN_OR_RETURN(resp, backend.HandleRequest(req));
    if (!resp.data.contains("keys")) return resp;  // not a key listing: leave it alone
    keys = KeysOf(resp);
  } else {
    // SCAN: walk the tree below the path with the backend's own LIST, breadth first.
    std::string base = req.path;
    if (!base.empty() && base.back() != '/') base.push_back('/');
    // The request was authorized for the scanned folder only: each folder below it must be
    // open to the caller too (list or scan on it), whatever list_filter_by_acl says, or a
    // deny on "secret/metadata/hr/*" would not hide the names under hr/.
    std::shared_ptr<const policy::Acl> acl;
    if (!req.is_root_token) {
      ARCA_ASSIGN_OR_RETURN(acl, policies_->AclFor(req.policies, req.entity_id));
    }
    std::string full_base = req.original_path;
    if (!full_base.empty() && full_base.back() != '/') full_base.push_back('/');
    auto may_descend = [&](const std::string& folder) {
      if (!acl || folder.empty()) return true;  // the scanned folder itself was authorized
      const std::string full = full_base + folder;
      return acl->Allowed(full, Operation::kList, {}).allowed ||
             acl->Allowed(full, Operation::kScan, {}).allowed;
    };
    std::deque<std::string> folders{""};
    while (!folders.empty()) {
      std::string folder = std::move(folders.front());
      folders.pop_front();
      if (!may_descend(folder)) continue;
      logical::Request sub = req;
      sub.operation = Operation::kList;
      sub.path = base + folder;
      auto listed = backend.HandleRequest(sub);
      if (!listed) {
        if (listed.error().kind() == ErrorKind::kNotFound) continue;  // vanished meanwhile
        return std::unexpected(listed.error());
      }
      for (std::string& k : KeysOf(*listed)) {
        if (k.ends_with('/')) {
          folders.push_back(folder + k);
        } else {
          keys.push_back(folder + k);
          if (keys.size() > kMaxScanKeys) {
            return InvalidRequest("scan found more than " + std::to_string(kMaxScanKeys) +
                                  " keys; scan a narrower path");
          }
        }
      }
    }
    std::sort(keys.begin(), keys.end());
  }

  if (filter) {
    ARCA_ASSIGN_OR_RETURN(auto acl, policies_->AclFor(req.policies, req.entity_id));
    std::string base = req.original_path;
    if (!base.empty() && base.back() != '/') base.push_back('/');
    // On a KV v2 mount, access to data/<key> counts for metadata/<key> as well.
    std::string alt_base;
    const std::string& mount = route.router_path();
    if (route.type() == "kv" && route.kv_version() == 2 &&
        std::string_view(base).substr(mount.size()).starts_with("metadata/")) {
      alt_base = mount + "data/" + base.substr(mount.size() + 9);
    }
    auto visible = [&](const std::string& full) {
      if (full.ends_with('/')) return acl->AnyAllowedUnder(full);
      uint32_t caps = acl->Capabilities(full);
      return (caps & policy::kDeny) == 0 && caps != 0;
    };
    std::erase_if(keys, [&](const std::string& k) {
      if (visible(base + k)) return false;
      return alt_base.empty() || !visible(alt_base + k);
    });
  }

  if (!page.after.empty()) {
    keys.erase(keys.begin(), std::upper_bound(keys.begin(), keys.end(), page.after));
  }
  if (page.limit > 0 && keys.size() > static_cast<size_t>(page.limit)) keys.resize(page.limit);

  logical::Response out = logical::Response::ListResponse(keys);
  // Keep whatever else the backend said (e.g. key_info), trimmed to the listed keys.
  for (auto& kv : resp.data) {
    if (kv.key() == "keys") continue;
    if (kv.key() == "key_info" && kv.value().is_object()) {
      json::object info;
      for (const auto& k : keys) {
        if (auto it = kv.value().as_object().find(k); it != kv.value().as_object().end()) {
          info[k] = it->value();
        }
      }
      out.data["key_info"] = std::move(info);
      continue;
    }
    out.data[kv.key()] = kv.value();
  }
  out.warnings = std::move(resp.warnings);
  return out;
}

}  // namespace arca::core
