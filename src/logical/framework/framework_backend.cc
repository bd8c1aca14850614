#include "logical/framework/framework_backend.h"

#include <algorithm>
#include <boost/regex.hpp>
#include <exception>
#include <optional>

#include "common/log.h"
#include "logical/framework/help.h"
#include "logical/framework/path.h"

namespace arca::logical::framework {

namespace {

// The two commonest pattern shapes are matched without the regex engine: the literal prefix
// followed by one capture of the rest, either MatchAllRegex ("data/(?<path>.*)") or
// GenericNameRegex ("encrypt/(?<name>...)"). kRegex: anything else.
enum class Shape { kRegex, kRest, kName };

// Whether `rest` (the path after the prefix) matches the shape; nullopt when the regex must
// decide (bytes the fast matchers might judge differently from Boost.Regex: controls, non-ASCII).
std::optional<bool> FastMatch(Shape shape, std::string_view rest) {
  for (char c : rest) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return std::nullopt;
    }
  }
  return shape == Shape::kRest || IsGenericName(rest);
}

}  // namespace

struct FrameworkBackend::Compiled {
  std::string prefix;  // LiteralPrefix of the pattern: paths without it cannot match
  boost::regex re;
  std::vector<std::string> captures;
  std::shared_ptr<const json::object> defaults;  // FieldData::SchemaDefaults of the fields
  bool ok = false;
  Shape shape = Shape::kRegex;
};

namespace {

// The existence check's routing and parameters, kept in Request::backend_scratch for the
// HandleRequest call that follows.
struct Routed {
  const void* owner;  // the FrameworkBackend
  std::string path;   // req.path it was routed for
  const Path* route;
  FieldData fd;
};

}  // namespace

Result<FieldData> FrameworkBackend::MakeFieldData(size_t index, json::object raw) const {
  const Path& path = options_.paths[index];
  if (path.fields.empty()) return FieldData::Unchecked(std::move(raw));
  return FieldData::Create(path.fields, std::move(raw), compiled_[index]->defaults);
}

namespace {

// Runs a callback, turning a stray exception into an Internal error so that none crosses the
// backend boundary.
template <typename T, typename F>
Result<T> Guarded(std::string_view what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Internal(std::string(what) + " failed: " + e.what());
  } catch (...) {
    return Internal(std::string(what) + " failed");
  }
}

std::string IgnoredWarning(const json::object& data, const FieldMap& fields) {
  std::vector<std::string> ignored;
  for (const auto& kv : data) {
    if (!fields.contains(std::string(kv.key()))) ignored.emplace_back(kv.key());
  }
  if (ignored.empty()) return {};
  std::sort(ignored.begin(), ignored.end());
  std::string list;
  for (const auto& k : ignored) list += (list.empty() ? "" : " ") + k;
  return "Endpoint ignored these unrecognized parameters: [" + list + "]";
}

}  // namespace

FrameworkBackend::FrameworkBackend(Options options) : options_(std::move(options)) {
  auto fail = [this](std::string msg) {
    if (init_status_) init_status_ = Internal(std::move(msg));
  };
  for (const Path& p : options_.paths) {
    auto c = std::make_unique<Compiled>();
    c->captures = CaptureNames(p.pattern);
    c->prefix = LiteralPrefix(p.pattern);
    if (c->captures.size() == 1) {
      if (p.pattern == c->prefix + MatchAllRegex(c->captures[0])) {
        c->shape = Shape::kRest;
      } else if (p.pattern == c->prefix + GenericNameRegex(c->captures[0])) {
        c->shape = Shape::kName;
      }
    }
    try {
      c->re.assign(NormalizePattern(p.pattern), boost::regex::perl);
      c->ok = true;
    } catch (const std::exception& e) {
      fail("backend " + options_.type + ": invalid path pattern \"" + p.pattern +
           "\": " + e.what());
    }
    if (auto d = FieldData::SchemaDefaults(p.fields)) {
      c->defaults = std::make_shared<const json::object>(std::move(*d));
    } else {
      fail("backend " + options_.type + " path \"" + p.pattern + "\": " + d.error().message());
    }
    compiled_.push_back(std::move(c));
  }
}

FrameworkBackend::~FrameworkBackend() = default;

Result<std::unique_ptr<FrameworkBackend>> FrameworkBackend::Create(Options options) {
  auto b = std::make_unique<FrameworkBackend>(std::move(options));
  if (!b->InitStatus()) return std::unexpected(b->InitStatus().error());
  return b;
}

const Path* FrameworkBackend::Route(const Request& req, json::object* fields,
                                    size_t* index) const {
  for (size_t i = 0; i < compiled_.size(); ++i) {
    const Compiled& c = *compiled_[i];
    if (!c.ok || !req.path.starts_with(c.prefix)) continue;
    const std::string_view rest = std::string_view(req.path).substr(c.prefix.size());
    const std::optional<bool> fast =
        c.shape == Shape::kRegex ? std::nullopt : FastMatch(c.shape, rest);
    boost::smatch m;
    if (fast) {
      if (!*fast) continue;
    } else {
      bool matched = false;
      try {
        matched = boost::regex_match(req.path, m, c.re);
      } catch (const std::exception& e) {  // pathological pattern/input: treat as no match
        spdlog::warn("path pattern \"{}\" failed on a request: {}", options_.paths[i].pattern,
                     e.what());
      }
      if (!matched) continue;
    }
    *fields = req.data;
    if (fast) {
      (*fields)[c.captures[0]] = rest;
    } else {
      for (const auto& name : c.captures) {
        const auto& sub = m[name];
        if (sub.matched) (*fields)[name] = sub.str();
      }
    }
    if (index != nullptr) *index = i;
    return &options_.paths[i];
  }
  return nullptr;
}

Result<Response> FrameworkBackend::Help(const Request& req, const Path* path) const {
  Response resp;
  std::vector<const Path*> doc_paths;
  if (path != nullptr) {
    resp.data["help"] = PathHelpMarkdown(*path, req.path);
    doc_paths.push_back(path);
  } else {
    resp.data["help"] = BackendHelpMarkdown(options_.help, options_.paths);
    for (const Path& p : options_.paths) doc_paths.push_back(&p);
  }
  resp.data["openapi"] = OpenApiDocument(doc_paths, req.mount_point);
  resp.data["see_also"] = nullptr;  // Vault's logical.HelpResponse has it (nil)
  return resp;
}

json::object SecretInternal(std::string_view type, json::object extra) {
  extra["secret_type"] = type;
  return extra;
}

Result<Response> FrameworkBackend::HandleRequest(Request& req) {
  if (!init_status_) return std::unexpected(init_status_.error());
  if ((req.operation == Operation::kRenew || req.operation == Operation::kRevoke) &&
      !options_.secrets.empty()) {
    auto t = req.secret_internal.find("secret_type");
    if (t == req.secret_internal.end() || !t->value().is_string()) {
      return InvalidRequest("lease has no secret type");
    }
    auto it = options_.secrets.find(std::string(t->value().as_string()));
    if (it == options_.secrets.end()) {
      return InvalidRequest("unknown secret type \"" + std::string(t->value().as_string()) + "\"");
    }
    const auto& fn = req.operation == Operation::kRenew ? it->second.renew : it->second.revoke;
    if (!fn) {
      if (req.operation == Operation::kRenew) return InvalidRequest("lease is not renewable");
      return Internal("secret type has no revoke handler");
    }
    return Guarded<Response>(req.operation == Operation::kRenew ? "renew" : "revoke",
                             [&] { return fn(req); });
  }
  if (req.operation == Operation::kHelp && req.path.empty()) return Help(req, nullptr);

  // Routed and validated by the existence check already?
  std::shared_ptr<Routed> routed;
  if (auto* r = static_cast<Routed*>(req.backend_scratch.get());
      r != nullptr && r->owner == this && r->path == req.path) {
    routed = std::static_pointer_cast<Routed>(std::move(req.backend_scratch));
  }
  req.backend_scratch.reset();
  json::object raw;
  size_t index = 0;
  const Path* path = routed ? routed->route : Route(req, &raw, &index);
  if (path == nullptr) return NotFound("unsupported path");
  if (req.operation == Operation::kHelp) return Help(req, path);

  auto op = path->operations.find(req.operation);
  if (op == path->operations.end() && req.operation == Operation::kCreate) {
    op = path->operations.find(Operation::kUpdate);
  }
  if (op == path->operations.end() || !op->second.handler) {
    return Unsupported("unsupported operation");
  }

  FieldData fd;
  if (routed) {
    fd = std::move(routed->fd);
  } else {
    ARCA_ASSIGN_OR_RETURN(fd, MakeFieldData(index, std::move(raw)));
  }
  const Handler& handler = op->second.handler;
  auto resp = Guarded<Response>("request handler", [&] { return handler(req, fd); });
  if (resp && !path->fields.empty() && !path->takes_arbitrary_input) {
    if (std::string w = IgnoredWarning(req.data, path->fields); !w.empty()) {
      resp->warnings.push_back(std::move(w));
    }
  }
  return resp;
}

Result<ExistenceCheck> FrameworkBackend::HandleExistenceCheck(Request& req) {
  if (!init_status_) return std::unexpected(init_status_.error());
  json::object raw;
  size_t index = 0;
  const Path* path = Route(req, &raw, &index);
  if (path == nullptr) return NotFound("unsupported path");
  if (!path->existence_check) return ExistenceCheck{};
  ARCA_ASSIGN_OR_RETURN(FieldData fd, MakeFieldData(index, std::move(raw)));
  ARCA_ASSIGN_OR_RETURN(bool exists, Guarded<bool>("existence check",
                                                   [&] { return path->existence_check(req, fd); }));
  req.backend_scratch = std::make_shared<Routed>(
      Routed{.owner = this, .path = req.path, .route = path, .fd = std::move(fd)});
  return ExistenceCheck{.supported = true, .exists = exists};
}

void FrameworkBackend::InvalidateKey(std::string_view key) {
  if (options_.invalidate) options_.invalidate(key);
}

void FrameworkBackend::Cleanup() {
  if (options_.clean) options_.clean();
}

}  // namespace arca::logical::framework
