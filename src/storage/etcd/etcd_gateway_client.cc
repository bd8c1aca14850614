// EtcdClient over etcd's v3 JSON gateway (grpc-gateway): every call is a POST of a JSON object to
// /v3/<service>/<method>; bytes are base64, 64-bit integers are JSON strings, fields equal to
// their zero value are omitted from answers. Errors come back as an HTTP error status with
// {"error", "message", "code"}, `code` being the gRPC status code.
#include <charconv>
#include <mutex>
#include <optional>
#include <thread>

#include "api/http_pool.h"
#include "common/encoding.h"
#include "common/json.h"
#include "storage/etcd/etcd_client.h"
#include "storage/etcd/failover.h"

namespace arca::storage::etcd {
namespace {

// gRPC status codes the gateway reports.
constexpr int64_t kGrpcInvalidArgument = 3;
constexpr int64_t kGrpcDeadlineExceeded = 4;
constexpr int64_t kGrpcNotFound = 5;
constexpr int64_t kGrpcPermissionDenied = 7;
constexpr int64_t kGrpcResourceExhausted = 8;
constexpr int64_t kGrpcFailedPrecondition = 9;
constexpr int64_t kGrpcUnavailable = 14;
constexpr int64_t kGrpcUnauthenticated = 16;

int64_t Int64Of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_string()) {
    const auto& s = v->as_string();
    int64_t n = 0;
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
  }
  return 0;
}

Result<std::string> BytesOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Internal("etcd: field \"" + std::string(key) + "\" is not a string");
  auto decoded = Base64Decode(v->as_string());
  if (!decoded) return Internal("etcd: field \"" + std::string(key) + "\" is not base64");
  return std::move(*decoded);
}

json::string B64(std::string_view bytes) { return json::string(Base64Encode(bytes)); }
json::string Num(int64_t n) { return json::string(std::to_string(n)); }

Result<KeyValue> ParseKv(const json::object& o) {
  KeyValue kv;
  ARCA_ASSIGN_OR_RETURN(kv.key, BytesOf(o, "key"));
  ARCA_ASSIGN_OR_RETURN(kv.value, BytesOf(o, "value"));
  kv.create_revision = Int64Of(o, "create_revision");
  kv.mod_revision = Int64Of(o, "mod_revision");
  kv.version = Int64Of(o, "version");
  kv.lease = Int64Of(o, "lease");
  return kv;
}

int64_t RevisionOf(const json::object& o) { return Int64Of(ObjectOr(o, "header"), "revision"); }

Result<RangeResponse> ParseRange(const json::object& o) {
  RangeResponse out;
  out.revision = RevisionOf(o);
  out.more = BoolOr(o, "more");
  out.count = Int64Of(o, "count");
  if (const json::value* kvs = o.if_contains("kvs"); kvs != nullptr && kvs->is_array()) {
    out.kvs.reserve(kvs->as_array().size());
    for (const json::value& item : kvs->as_array()) {
      if (!item.is_object()) return Internal("etcd: malformed kvs item");
      ARCA_ASSIGN_OR_RETURN(KeyValue kv, ParseKv(item.as_object()));
      out.kvs.push_back(std::move(kv));
    }
  }
  return out;
}

json::object RangeJson(const RangeRequest& r) {
  json::object o;
  o["key"] = B64(r.key);
  if (!r.range_end.empty()) o["range_end"] = B64(r.range_end);
  if (r.keys_only) o["keys_only"] = true;
  if (r.limit > 0) o["limit"] = Num(r.limit);
  if (r.revision > 0) o["revision"] = Num(r.revision);
  return o;
}

const char* TargetName(Compare::Target t) {
  switch (t) {
    case Compare::Target::kVersion:
      return "VERSION";
    case Compare::Target::kCreate:
      return "CREATE";
    case Compare::Target::kMod:
      return "MOD";
    case Compare::Target::kValue:
      return "VALUE";
    case Compare::Target::kLease:
      return "LEASE";
  }
  return "CREATE";
}

const char* OpName(Compare::Op op) {
  switch (op) {
    case Compare::Op::kEqual:
      return "EQUAL";
    case Compare::Op::kGreater:
      return "GREATER";
    case Compare::Op::kLess:
      return "LESS";
    case Compare::Op::kNotEqual:
      return "NOT_EQUAL";
  }
  return "EQUAL";
}

json::array OpsJson(const std::vector<TxnOp>& ops) {
  json::array out;
  out.reserve(ops.size());
  for (const TxnOp& op : ops) {
    json::object inner;
    inner["key"] = B64(op.key);
    json::object wrapper;
    switch (op.kind) {
      case TxnOp::Kind::kPut:
        inner["value"] = B64(op.value);
        if (op.lease != 0) inner["lease"] = Num(op.lease);
        wrapper["request_put"] = std::move(inner);
        break;
      case TxnOp::Kind::kDeleteRange:
        if (!op.range_end.empty()) inner["range_end"] = B64(op.range_end);
        wrapper["request_delete_range"] = std::move(inner);
        break;
      case TxnOp::Kind::kRange:
        if (!op.range_end.empty()) inner["range_end"] = B64(op.range_end);
        wrapper["request_range"] = std::move(inner);
        break;
    }
    out.push_back(std::move(wrapper));
  }
  return out;
}

// The kind of failure of one attempt: try the next endpoint, or give the error to the caller.
using internal::Attempt;

struct Endpoint {
  std::unique_ptr<api::HttpPool> pool;
  std::mutex token_mu;  // guards token
  std::string token;    // auth token obtained from this member
};

class GatewayClient final : public EtcdClient {
 public:
  explicit GatewayClient(EtcdClientOptions options) : options_(std::move(options)) {}

  Status Init() { return SetEndpoints(options_.endpoints); }

  Status SetEndpoints(std::vector<std::string> endpoints) override {
    if (endpoints.empty()) return InvalidRequest("etcd: no endpoint given");
    auto list = std::make_shared<std::vector<std::shared_ptr<Endpoint>>>();
    for (std::string& e : endpoints) {
      while (!e.empty() && (e.back() == '/' || e.back() == ' ')) e.pop_back();
      while (!e.empty() && e.front() == ' ') e.erase(e.begin());
      api::HttpPoolOptions po;
      po.timeout = options_.request_timeout;
      po.ca_file = options_.tls_ca_file;
      po.cert_file = options_.tls_cert_file;
      po.key_file = options_.tls_key_file;
      po.max_body = options_.max_receive_size > 0 ? options_.max_receive_size : size_t{1} << 31;
      auto pool = api::HttpPool::Create(e, std::move(po));
      if (!pool) return InvalidRequest("etcd: " + pool.error().message());
      auto ep = std::make_shared<Endpoint>();
      ep->pool = std::move(*pool);
      list->push_back(std::move(ep));
    }
    std::lock_guard lock(mu_);
    endpoints_ = std::move(list);
    current_ = 0;
    return OkStatus();
  }

  std::string CurrentEndpoint() const override {
    std::lock_guard lock(mu_);
    return (*endpoints_)[current_ % endpoints_->size()]->pool->origin();
  }

  Result<RangeResponse> Range(const RangeRequest& request) override {
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/kv/range", RangeJson(request)));
    return ParseRange(o);
  }

  Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease) override {
    json::object req;
    req["key"] = B64(key);
    req["value"] = B64(value);
    if (lease != 0) req["lease"] = Num(lease);
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/kv/put", std::move(req)));
    return RevisionOf(o);
  }

  Result<int64_t> DeleteRange(std::string_view key, std::string_view range_end) override {
    json::object req;
    req["key"] = B64(key);
    if (!range_end.empty()) req["range_end"] = B64(range_end);
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/kv/deleterange", std::move(req)));
    return Int64Of(o, "deleted");
  }

  Result<TxnResponse> Txn(const TxnRequest& request) override {
    if (request.success.size() > kEtcdMaxTxnOps || request.failure.size() > kEtcdMaxTxnOps) {
      return InvalidRequest(
          "etcd: a transaction may hold at most " + std::to_string(kEtcdMaxTxnOps) +
          " operations (got " +
          std::to_string(std::max(request.success.size(), request.failure.size())) + ")");
    }
    json::object req;
    json::array cmp;
    for (const Compare& c : request.compare) {
      json::object o;
      o["key"] = B64(c.key);
      o["target"] = TargetName(c.target);
      o["result"] = OpName(c.op);
      switch (c.target) {
        case Compare::Target::kVersion:
          o["version"] = Num(c.number);
          break;
        case Compare::Target::kCreate:
          o["create_revision"] = Num(c.number);
          break;
        case Compare::Target::kMod:
          o["mod_revision"] = Num(c.number);
          break;
        case Compare::Target::kLease:
          o["lease"] = Num(c.number);
          break;
        case Compare::Target::kValue:
          o["value"] = B64(c.value);
          break;
      }
      cmp.push_back(std::move(o));
    }
    req["compare"] = std::move(cmp);
    req["success"] = OpsJson(request.success);
    req["failure"] = OpsJson(request.failure);
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/kv/txn", std::move(req)));
    TxnResponse out;
    out.succeeded = BoolOr(o, "succeeded");
    out.revision = RevisionOf(o);
    if (const json::value* rs = o.if_contains("responses"); rs != nullptr && rs->is_array()) {
      for (const json::value& r : rs->as_array()) {
        if (!r.is_object()) continue;
        if (const json::value* rr = r.as_object().if_contains("response_range");
            rr != nullptr && rr->is_object()) {
          ARCA_ASSIGN_OR_RETURN(RangeResponse range, ParseRange(rr->as_object()));
          out.ranges.push_back(std::move(range));
        }
      }
    }
    return out;
  }

  Result<LeaseGrantResponse> LeaseGrant(std::chrono::seconds ttl) override {
    json::object req;
    req["TTL"] = Num(ttl.count());
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/lease/grant", std::move(req)));
    if (auto err = StringOr(o, "error"); !err.empty()) return Unavailable("etcd: " + err);
    LeaseGrantResponse out;
    out.id = Int64Of(o, "ID");
    out.ttl = Int64Of(o, "TTL");
    if (out.id == 0) return Internal("etcd: lease grant returned no lease id");
    return out;
  }

  Result<int64_t> LeaseKeepAlive(int64_t id) override {
    // A stream on the gateway: one request object in, one {"result": ...} line out.
    json::object req;
    req["ID"] = Num(id);
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/lease/keepalive", std::move(req)));
    json::object result = ObjectOr(o, "result");
    if (o.contains("error")) {
      return Unavailable("etcd: lease keepalive: " + ToJson(o.at("error")));
    }
    int64_t ttl = Int64Of(result, "TTL");
    if (ttl <= 0) return NotFound("etcd: lease " + std::to_string(id) + " has expired");
    return ttl;
  }

  Status LeaseRevoke(int64_t id) override {
    json::object req;
    req["ID"] = Num(id);
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/lease/revoke", std::move(req)));
    (void)o;
    return OkStatus();
  }

  Result<std::vector<std::string>> MemberClientUrls() override {
    ARCA_ASSIGN_OR_RETURN(json::object o, Call("/v3/cluster/member/list", json::object()));
    std::vector<std::string> out;
    if (const json::value* ms = o.if_contains("members"); ms != nullptr && ms->is_array()) {
      for (const json::value& m : ms->as_array()) {
        if (!m.is_object()) continue;
        for (const std::string& url : StringsOf(m.as_object(), "clientURLs")) out.push_back(url);
      }
    }
    return out;
  }

 private:
  // Sends `body` to `path` with the endpoint failover of failover.h; a failed endpoint's idle
  // connections are closed (a recovered member is dialled afresh).
  Result<json::object> Call(std::string_view path, json::object body) {
    const std::string text = json::serialize(body);
    return internal::CallWithFailover<json::object>(
        mu_, endpoints_, current_, options_.request_timeout, [&](Endpoint& ep) {
          auto r = CallOne(ep, path, text);
          if (!r && r.error().retry_elsewhere) ep.pool->CloseIdle();
          return r;
        });
  }

  // One endpoint: authenticates first when a username is configured, and once more when the
  // token was refused (expired, or the member restarted).
  std::expected<json::object, Attempt> CallOne(Endpoint& ep, std::string_view path,
                                               const std::string& text) {
    for (int auth_round = 0; auth_round < 2; ++auth_round) {
      std::vector<std::pair<std::string, std::string>> headers;
      if (!options_.username.empty()) {
        auto token = internal::TokenFor(ep, [this](Endpoint& e) { return Authenticate(e); });
        if (!token) return std::unexpected(std::move(token.error()));
        headers.emplace_back("Authorization", std::move(*token));
      }
      auto r = Post(ep, path, text, headers);
      if (!r && r.error().unauthenticated && auth_round == 0 && !options_.username.empty()) {
        std::lock_guard lock(ep.token_mu);
        ep.token.clear();
        continue;
      }
      return r;
    }
    return std::unexpected(
        Attempt{false, Error(ErrorKind::kPermissionDenied, "etcd: authentication token refused")});
  }

  std::expected<std::string, Attempt> Authenticate(Endpoint& ep) {
    json::object req;
    req["name"] = options_.username;
    req["password"] = options_.password;
    auto r = Post(ep, "/v3/auth/authenticate", json::serialize(req), {});
    if (!r) return std::unexpected(std::move(r.error()));
    std::string token = StringOr(*r, "token");
    if (token.empty()) {
      return std::unexpected(
          Attempt{false, Error(ErrorKind::kInternal, "etcd: authenticate returned no token")});
    }
    std::lock_guard lock(ep.token_mu);
    ep.token = token;
    return token;
  }

  std::expected<json::object, Attempt> Post(
      Endpoint& ep, std::string_view path, const std::string& text,
      const std::vector<std::pair<std::string, std::string>>& headers) {
    auto res = ep.pool->Post(path, text, headers);
    if (!res) return std::unexpected(Attempt{true, res.error()});
    auto parsed = ParseJson(res->body);
    // A stream answer (lease keepalive) is one {"result": ...} object per line: the first counts.
    if (!parsed) {
      size_t nl = res->body.find('\n');
      if (nl != std::string::npos) parsed = ParseJson(std::string_view(res->body).substr(0, nl));
    }
    if (!parsed || !parsed->is_object()) {
      return std::unexpected(
          Attempt{res->status >= 500,
                  Error(ErrorKind::kInternal, "etcd " + ep.pool->origin() + std::string(path) +
                                                  ": HTTP " + std::to_string(res->status) +
                                                  " with a body that is not JSON")});
    }
    json::object o = std::move(parsed->as_object());
    if (res->status == 200) return o;
    const int64_t code = Int64Of(o, "code");
    std::string message = StringOr(o, "message", StringOr(o, "error"));
    std::string where = "etcd " + ep.pool->origin() + ": ";
    // etcd reports refused credentials as InvalidArgument; they are permission errors here.
    if (message.starts_with("etcdserver: authentication failed") ||
        message.starts_with("etcdserver: user name is empty")) {
      return std::unexpected(Attempt{false, Error(ErrorKind::kPermissionDenied, where + message)});
    }
    switch (code) {
      case kGrpcUnavailable:
      case kGrpcDeadlineExceeded:
        return std::unexpected(Attempt{true, Error(ErrorKind::kUnavailable, where + message)});
      case kGrpcInvalidArgument:
      case kGrpcFailedPrecondition:
        return std::unexpected(Attempt{false, Error(ErrorKind::kInvalidRequest, where + message)});
      case kGrpcNotFound:
        return std::unexpected(Attempt{false, Error(ErrorKind::kNotFound, where + message)});
      case kGrpcUnauthenticated:
        return std::unexpected(
            Attempt{false, Error(ErrorKind::kPermissionDenied, where + message), true});
      case kGrpcPermissionDenied:
        return std::unexpected(
            Attempt{false, Error(ErrorKind::kPermissionDenied, where + message)});
      case kGrpcResourceExhausted:
        // The gateway's own gRPC hop refuses a message over --max-request-bytes + 512 KiB before
        // etcd does ("request is too large" below that); the database quota is exhausted too.
        if (message.find("larger than max") != std::string::npos) {
          return std::unexpected(Attempt{
              false,
              Error(ErrorKind::kInvalidRequest,
                    where + "request is too large for etcd (--max-request-bytes): " + message)});
        }
        return std::unexpected(Attempt{false, Error(ErrorKind::kUnavailable, where + message)});
      default:
        return std::unexpected(
            Attempt{res->status >= 500, Error(ErrorKind::kInternal, where + message)});
    }
  }

  EtcdClientOptions options_;
  // mu_ guards endpoints_ (replaced whole by SetEndpoints; calls keep the list they started with)
  // and current_ (index of the endpoint in use).
  mutable std::mutex mu_;
  std::shared_ptr<std::vector<std::shared_ptr<Endpoint>>> endpoints_;
  size_t current_ = 0;
};

}  // namespace

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

Result<std::unique_ptr<EtcdClient>> NewGatewayClient(EtcdClientOptions options) {
  auto client = std::make_unique<GatewayClient>(std::move(options));
  ARCA_RETURN_IF_ERROR(client->Init());
  return std::unique_ptr<EtcdClient>(std::move(client));
}

}  // namespace arca::storage::etcd
