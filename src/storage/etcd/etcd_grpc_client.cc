// EtcdClient over etcd's v3 gRPC API (Debian's libgrpc++, stubs generated at build time from
// etcd's .proto files: CMakeLists.txt). One channel (one HTTP/2 connection, calls multiplexed)
// per endpoint, shared by every thread; synchronous stubs. The failover loop, the error kinds
// and the authentication renewal are the gateway client's (etcd_client.h).
#include <grpcpp/grpcpp.h>

#include <climits>
#include <functional>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "storage/etcd/etcd_client.h"
#include "storage/etcd/failover.h"

namespace arca::storage::etcd {
namespace {

namespace pb = etcdserverpb;

// The kind of failure of one attempt: try the next endpoint, or give the error to the caller.
using internal::Attempt;

struct Endpoint {
  std::string url;  // as configured ("http://127.0.0.1:2379")
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::KV::Stub> kv;
  std::unique_ptr<pb::Lease::Stub> lease;
  std::unique_ptr<pb::Cluster::Stub> cluster;
  std::unique_ptr<pb::Auth::Stub> auth;
  std::mutex token_mu;  // guards token
  std::string token;    // auth token obtained from this member
};

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidRequest("etcd: cannot read " + std::string(what) + " " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return InvalidRequest("etcd: cannot read " + std::string(what) + " " + path);
  }
  return ss.str();
}

void SetKv(const mvccpb::KeyValue& in, KeyValue& out) {
  out.key = in.key();
  out.value = in.value();
  out.create_revision = in.create_revision();
  out.mod_revision = in.mod_revision();
  out.version = in.version();
  out.lease = in.lease();
}

RangeResponse FromPb(const pb::RangeResponse& r) {
  RangeResponse out;
  out.revision = r.header().revision();
  out.more = r.more();
  out.count = r.count();
  out.kvs.resize(static_cast<size_t>(r.kvs_size()));
  for (int i = 0; i < r.kvs_size(); ++i) SetKv(r.kvs(i), out.kvs[static_cast<size_t>(i)]);
  return out;
}

void ToPb(const RangeRequest& r, pb::RangeRequest& out) {
  out.set_key(r.key);
  if (!r.range_end.empty()) out.set_range_end(r.range_end);
  out.set_keys_only(r.keys_only);
  if (r.limit > 0) out.set_limit(r.limit);
  if (r.revision > 0) out.set_revision(r.revision);
}

pb::Compare::CompareTarget TargetOf(Compare::Target t) {
  switch (t) {
    case Compare::Target::kVersion:
      return pb::Compare::VERSION;
    case Compare::Target::kCreate:
      return pb::Compare::CREATE;
    case Compare::Target::kMod:
      return pb::Compare::MOD;
    case Compare::Target::kValue:
      return pb::Compare::VALUE;
    case Compare::Target::kLease:
      return pb::Compare::LEASE;
  }
  return pb::Compare::CREATE;
}

pb::Compare::CompareResult ResultOf(Compare::Op op) {
  switch (op) {
    case Compare::Op::kEqual:
      return pb::Compare::EQUAL;
    case Compare::Op::kGreater:
      return pb::Compare::GREATER;
    case Compare::Op::kLess:
      return pb::Compare::LESS;
    case Compare::Op::kNotEqual:
      return pb::Compare::NOT_EQUAL;
  }
  return pb::Compare::EQUAL;
}

void OpsToPb(const std::vector<TxnOp>& ops,
             google::protobuf::RepeatedPtrField<pb::RequestOp>* out) {
  out->Reserve(static_cast<int>(ops.size()));
  for (const TxnOp& op : ops) {
    pb::RequestOp* r = out->Add();
    switch (op.kind) {
      case TxnOp::Kind::kPut: {
        pb::PutRequest* p = r->mutable_request_put();
        p->set_key(op.key);
        p->set_value(op.value);
        if (op.lease != 0) p->set_lease(op.lease);
        break;
      }
      case TxnOp::Kind::kDeleteRange: {
        pb::DeleteRangeRequest* d = r->mutable_request_delete_range();
        d->set_key(op.key);
        if (!op.range_end.empty()) d->set_range_end(op.range_end);
        break;
      }
      case TxnOp::Kind::kRange: {
        pb::RangeRequest* q = r->mutable_request_range();
        q->set_key(op.key);
        if (!op.range_end.empty()) q->set_range_end(op.range_end);
        break;
      }
    }
  }
}

// A gRPC status (from etcd or from the transport) as the kind of failure of one attempt.
Attempt AttemptOf(const Endpoint& ep, const grpc::Status& s) {
  const std::string& message = s.error_message();
  std::string where = "etcd " + ep.url + ": ";
  // etcd reports refused credentials as InvalidArgument; they are permission errors here.
  if (message.starts_with("etcdserver: authentication failed") ||
      message.starts_with("etcdserver: user name is empty")) {
    return Attempt{false, Error(ErrorKind::kPermissionDenied, where + message)};
  }
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
      return Attempt{true, Error(ErrorKind::kUnavailable, where + message)};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return Attempt{false, Error(ErrorKind::kInvalidRequest, where + message)};
    case grpc::StatusCode::NOT_FOUND:
      return Attempt{false, Error(ErrorKind::kNotFound, where + message)};
    case grpc::StatusCode::UNAUTHENTICATED:
      return Attempt{false, Error(ErrorKind::kPermissionDenied, where + message), true};
    case grpc::StatusCode::PERMISSION_DENIED:
      return Attempt{false, Error(ErrorKind::kPermissionDenied, where + message)};
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // A message over etcd's gRPC receive limit (--max-request-bytes + 512 KiB) is refused by
      // gRPC itself ("request is too large" below that); the database quota is exhausted too.
      if (message.find("larger than max") != std::string::npos) {
        return Attempt{false,
                       Error(ErrorKind::kInvalidRequest,
                             where + "request is too large for etcd (--max-request-bytes): " +
                                 message)};
      }
      return Attempt{false, Error(ErrorKind::kUnavailable, where + message)};
    default:
      return Attempt{false, Error(ErrorKind::kInternal, where + message)};
  }
}

class GrpcClient final : public EtcdClient {
 public:
  explicit GrpcClient(EtcdClientOptions options) : options_(std::move(options)) {}

  Status Init() {
    if (!options_.tls_ca_file.empty()) {
      ARCA_ASSIGN_OR_RETURN(ssl_.pem_root_certs, ReadFile(options_.tls_ca_file, "tls_ca_file"));
    }
    if (!options_.tls_cert_file.empty()) {
      ARCA_ASSIGN_OR_RETURN(ssl_.pem_cert_chain,
                            ReadFile(options_.tls_cert_file, "tls_cert_file"));
    }
    if (!options_.tls_key_file.empty()) {
      ARCA_ASSIGN_OR_RETURN(ssl_.pem_private_key, ReadFile(options_.tls_key_file, "tls_key_file"));
    }
    return SetEndpoints(options_.endpoints);
  }

  ~GrpcClient() override {
    // The private key is a secret: wipe our copy.
    volatile char* p = ssl_.pem_private_key.data();
    for (size_t i = 0; i < ssl_.pem_private_key.size(); ++i) p[i] = 0;
  }

  Status SetEndpoints(std::vector<std::string> endpoints) override {
    if (endpoints.empty()) return InvalidRequest("etcd: no endpoint given");
    auto list = std::make_shared<std::vector<std::shared_ptr<Endpoint>>>();
    for (std::string& e : endpoints) {
      while (!e.empty() && (e.back() == '/' || e.back() == ' ')) e.pop_back();
      while (!e.empty() && e.front() == ' ') e.erase(e.begin());
      bool tls;
      std::string target;
      if (e.starts_with("http://")) {
        tls = false;
        target = e.substr(7);
      } else if (e.starts_with("https://")) {
        tls = true;
        target = e.substr(8);
      } else {
        return InvalidRequest("etcd: endpoint \"" + e + "\" must start with http:// or https://");
      }
      if (target.empty() || target.find('/') != std::string::npos) {
        return InvalidRequest("etcd: malformed endpoint \"" + e + "\"");
      }
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(
          options_.max_receive_size > 0 && options_.max_receive_size < size_t{INT_MAX}
              ? static_cast<int>(options_.max_receive_size)
              : INT_MAX);
      args.SetMaxSendMessageSize(INT_MAX);
      // A member that restarts is reconnected to within a second (gRPC's default backoff grows
      // to two minutes); calls meanwhile fail fast and go to the next member. (Not
      // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: it is also the connect timeout, and a TLS handshake on
      // a loaded machine can take longer than a short one.)
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      // This client's own connection, not one shared through gRPC's global subchannel pool with
      // another client of the same member (another backend in the process, other credentials).
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      std::shared_ptr<grpc::ChannelCredentials> creds =
          tls ? grpc::SslCredentials(ssl_) : grpc::InsecureChannelCredentials();
      auto ep = std::make_shared<Endpoint>();
      ep->url = e;
      ep->channel = grpc::CreateCustomChannel(target, creds, args);
      if (!ep->channel) return InvalidRequest("etcd: cannot create a channel to " + e);
      ep->kv = pb::KV::NewStub(ep->channel);
      ep->lease = pb::Lease::NewStub(ep->channel);
      ep->cluster = pb::Cluster::NewStub(ep->channel);
      ep->auth = pb::Auth::NewStub(ep->channel);
      list->push_back(std::move(ep));
    }
    std::lock_guard lock(mu_);
    endpoints_ = std::move(list);
    current_ = 0;
    return OkStatus();
  }

  std::string CurrentEndpoint() const override {
    std::lock_guard lock(mu_);
    return (*endpoints_)[current_ % endpoints_->size()]->url;
  }

  Result<RangeResponse> Range(const RangeRequest& request) override {
    pb::RangeRequest req;
    ToPb(request, req);
    pb::RangeResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.kv->Range(&ctx, req, &resp);
    }));
    return FromPb(resp);
  }

  Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease) override {
    pb::PutRequest req;
    req.set_key(std::string(key));
    req.set_value(std::string(value));
    if (lease != 0) req.set_lease(lease);
    pb::PutResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.kv->Put(&ctx, req, &resp);
    }));
    return resp.header().revision();
  }

  Result<int64_t> DeleteRange(std::string_view key, std::string_view range_end) override {
    pb::DeleteRangeRequest req;
    req.set_key(std::string(key));
    if (!range_end.empty()) req.set_range_end(std::string(range_end));
    pb::DeleteRangeResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.kv->DeleteRange(&ctx, req, &resp);
    }));
    return resp.deleted();
  }

  Result<TxnResponse> Txn(const TxnRequest& request) override {
    if (request.success.size() > kEtcdMaxTxnOps || request.failure.size() > kEtcdMaxTxnOps) {
      return InvalidRequest(
          "etcd: a transaction may hold at most " + std::to_string(kEtcdMaxTxnOps) +
          " operations (got " +
          std::to_string(std::max(request.success.size(), request.failure.size())) + ")");
    }
    pb::TxnRequest req;
    for (const Compare& c : request.compare) {
      pb::Compare* o = req.add_compare();
      o->set_key(c.key);
      o->set_target(TargetOf(c.target));
      o->set_result(ResultOf(c.op));
      switch (c.target) {
        case Compare::Target::kVersion:
          o->set_version(c.number);
          break;
        case Compare::Target::kCreate:
          o->set_create_revision(c.number);
          break;
        case Compare::Target::kMod:
          o->set_mod_revision(c.number);
          break;
        case Compare::Target::kLease:
          o->set_lease(c.number);
          break;
        case Compare::Target::kValue:
          o->set_value(c.value);
          break;
      }
    }
    OpsToPb(request.success, req.mutable_success());
    OpsToPb(request.failure, req.mutable_failure());
    pb::TxnResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.kv->Txn(&ctx, req, &resp);
    }));
    TxnResponse out;
    out.succeeded = resp.succeeded();
    out.revision = resp.header().revision();
    for (const pb::ResponseOp& r : resp.responses()) {
      if (r.has_response_range()) out.ranges.push_back(FromPb(r.response_range()));
    }
    return out;
  }

  Result<LeaseGrantResponse> LeaseGrant(std::chrono::seconds ttl) override {
    pb::LeaseGrantRequest req;
    req.set_ttl(ttl.count());
    pb::LeaseGrantResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.lease->LeaseGrant(&ctx, req, &resp);
    }));
    if (!resp.error().empty()) return Unavailable("etcd: " + resp.error());
    LeaseGrantResponse out;
    out.id = resp.id();
    out.ttl = resp.ttl();
    if (out.id == 0) return Internal("etcd: lease grant returned no lease id");
    return out;
  }

  Result<int64_t> LeaseKeepAlive(int64_t id) override {
    // A bidirectional stream in etcd: one short stream per keepalive (one request written, one
    // answer read). etcd answers TTL 0 for an expired or unknown lease.
    pb::LeaseKeepAliveRequest req;
    req.set_id(id);
    pb::LeaseKeepAliveResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      auto stream = ep.lease->LeaseKeepAlive(&ctx);
      bool ok = stream->Write(req) && stream->WritesDone() && stream->Read(&resp);
      if (!ok) {
        grpc::Status s = stream->Finish();
        if (s.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "keepalive stream closed");
        return s;
      }
      grpc::Status s = stream->Finish();
      // The answer was read: a close without the usual OK changes nothing.
      (void)s;
      return grpc::Status::OK;
    }));
    if (resp.ttl() <= 0) return NotFound("etcd: lease " + std::to_string(id) + " has expired");
    return resp.ttl();
  }

  Status LeaseRevoke(int64_t id) override {
    pb::LeaseRevokeRequest req;
    req.set_id(id);
    pb::LeaseRevokeResponse resp;
    return Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.lease->LeaseRevoke(&ctx, req, &resp);
    });
  }

  Result<std::vector<std::string>> MemberClientUrls() override {
    pb::MemberListRequest req;
    pb::MemberListResponse resp;
    ARCA_RETURN_IF_ERROR(Call([&](Endpoint& ep, grpc::ClientContext& ctx) {
      return ep.cluster->MemberList(&ctx, req, &resp);
    }));
    std::vector<std::string> out;
    for (const pb::Member& m : resp.members()) {
      for (const std::string& url : m.clienturls()) out.push_back(url);
    }
    return out;
  }

 private:
  using Rpc = std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>;

  // Runs `rpc` with the endpoint failover of failover.h.
  Status Call(const Rpc& rpc) {
    return internal::CallWithFailover<void>(mu_, endpoints_, current_, options_.request_timeout,
                                            [&](Endpoint& ep) { return CallOne(ep, rpc); });
  }

  // One endpoint: authenticates first when a username is configured, and once more when the
  // token was refused (expired, or the member restarted).
  std::expected<void, Attempt> CallOne(Endpoint& ep, const Rpc& rpc) {
    for (int auth_round = 0; auth_round < 2; ++auth_round) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
      if (!options_.username.empty()) {
        auto token = internal::TokenFor(ep, [this](Endpoint& e) { return Authenticate(e); });
        if (!token) return std::unexpected(std::move(token.error()));
        ctx.AddMetadata("token", *token);
      }
      grpc::Status s = rpc(ep, ctx);
      if (s.ok()) return {};
      Attempt a = AttemptOf(ep, s);
      if (a.unauthenticated && auth_round == 0 && !options_.username.empty()) {
        std::lock_guard lock(ep.token_mu);
        ep.token.clear();
        continue;
      }
      return std::unexpected(std::move(a));
    }
    return std::unexpected(
        Attempt{false, Error(ErrorKind::kPermissionDenied, "etcd: authentication token refused")});
  }

  std::expected<std::string, Attempt> Authenticate(Endpoint& ep) {
    pb::AuthenticateRequest req;
    req.set_name(options_.username);
    req.set_password(options_.password);
    pb::AuthenticateResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
    grpc::Status s = ep.auth->Authenticate(&ctx, req, &resp);
    if (!s.ok()) return std::unexpected(AttemptOf(ep, s));
    if (resp.token().empty()) {
      return std::unexpected(
          Attempt{false, Error(ErrorKind::kInternal, "etcd: authenticate returned no token")});
    }
    std::lock_guard lock(ep.token_mu);
    ep.token = resp.token();
    return resp.token();
  }

  EtcdClientOptions options_;
  grpc::SslCredentialsOptions ssl_;  // read once from the tls_* files
  // mu_ guards endpoints_ (replaced whole by SetEndpoints; calls keep the list they started with)
  // and current_ (index of the endpoint in use).
  mutable std::mutex mu_;
  std::shared_ptr<std::vector<std::shared_ptr<Endpoint>>> endpoints_;
  size_t current_ = 0;
};

}  // namespace

Result<std::unique_ptr<EtcdClient>> NewGrpcClient(EtcdClientOptions options) {
  auto client = std::make_unique<GrpcClient>(std::move(options));
  ARCA_RETURN_IF_ERROR(client->Init());
  return std::unique_ptr<EtcdClient>(std::move(client));
}

Result<std::unique_ptr<EtcdClient>> NewEtcdClient(EtcdTransport transport,
                                                  EtcdClientOptions options) {
  if (transport == EtcdTransport::kGateway) return NewGatewayClient(std::move(options));
  return NewGrpcClient(std::move(options));
}

}  // namespace arca::storage::etcd
