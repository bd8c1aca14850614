#include "auth/userpass.h"

#include <algorithm>
#include <cctype>

#include "auth/cidr.h"
#include "auth/token_fields.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::auth {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr char kInvalidCredentials[] = "invalid username or password";
constexpr char kLockoutKey[] = "config/lockout";

struct User {
  std::string password_hash;
  TokenFields token;

  json::object ToJson() const {
    json::object o = token.ToJson();
    o["password_hash"] = password_hash;
    return o;
  }
  static Result<User> FromJson(const json::object& o) {
    User u;
    ARCA_ASSIGN_OR_RETURN(u.token, TokenFields::FromJson(o));
    if (const auto* h = o.if_contains("password_hash"); h && h->is_string()) {
      u.password_hash = std::string(h->as_string());
    }
    return u;
  }
};

struct State {
  const logical::SystemView* system = nullptr;  // the mount's; outlives the backend
  UserpassOptions opts;
  std::string dummy_hash;  // verified against for unknown users (same cost)

  std::chrono::system_clock::time_point Now() const {
    return opts.clock ? opts.clock() : std::chrono::system_clock::now();
  }
  LockoutRegistry& Lockout() const {
    return opts.lockout != nullptr ? *opts.lockout : LockoutRegistry::Global();
  }
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<logical::Storage*> StorageOf(const Request& req) {
  if (req.storage == nullptr) return Internal("userpass: no storage");
  return req.storage;
}

Result<std::optional<User>> LoadUser(logical::Storage& s, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "user/" + name));
  if (!v) return std::optional<User>();
  if (!v->is_object()) return Internal("userpass: corrupt user entry");
  ARCA_ASSIGN_OR_RETURN(User u, User::FromJson(v->as_object()));
  return std::optional<User>(std::move(u));
}

Result<LockoutConfig> LoadLockout(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kLockoutKey));
  if (!v) return LockoutConfig{};
  if (!v->is_object()) return Internal("userpass: corrupt lockout config");
  return LockoutConfig::FromJson(v->as_object());
}

// The new hash from "password" or "password_hash" (exactly one of them), or nullopt if
// neither was given.
Result<std::optional<std::string>> NewHash(const State& st, const fw::FieldData& d) {
  bool has_pw = d.Has("password"), has_hash = d.Has("password_hash");
  if (has_pw && has_hash)
    return InvalidRequest("only one of password or password_hash may be given");
  if (has_hash) {
    std::string h = d.GetString("password_hash");
    if (!IsBcryptHash(h)) return InvalidRequest("password_hash is not a valid bcrypt hash");
    return std::optional<std::string>(h);
  }
  if (!has_pw) return std::optional<std::string>();
  ARCA_ASSIGN_OR_RETURN(std::string h, BcryptHash(d.GetString("password"), st.opts.bcrypt_cost));
  return std::optional<std::string>(std::move(h));
}

fw::FieldSchema Str(const char* desc) {
  return fw::FieldSchema{.type = fw::FieldType::kString, .description = desc};
}

fw::Path UsersList() {
  fw::Path p;
  p.pattern = "users/?";
  p.help_synopsis = "Lists the users.";
  p.operations[Operation::kList] = {[](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(auto keys, s->List("user/"));
                                      return Response::ListResponse(keys);
                                    },
                                    "List the users."};
  return p;
}

fw::Path Users(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "users/" + fw::GenericNameRegex("username");
  p.help_synopsis = "Manage users allowed to authenticate.";
  p.fields["username"] = Str("Username of the user.");
  p.fields["password"] = Str("Password of the user.");
  p.fields["password_hash"] = Str("A bcrypt hash of the password, instead of password.");
  AddTokenFieldSchemas(p.fields, /*legacy=*/true);
  p.existence_check = [](Request& req, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(auto u, LoadUser(*s, Lower(d.GetString("username"))));
    return u.has_value();
  };
  auto write = [st](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    std::string name = Lower(d.GetString("username"));
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadUser(*s, name));
    User u = existing.value_or(User{});
    ARCA_RETURN_IF_ERROR(ParseTokenFields(d, u.token, /*legacy=*/true));
    ARCA_ASSIGN_OR_RETURN(auto hash, NewHash(*st, d));
    if (hash) u.password_hash = std::move(*hash);
    if (u.password_hash.empty()) return InvalidRequest("missing password");
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, "user/" + name, u.ToJson()));
    return Response{};
  };
  p.operations[Operation::kCreate] = {write, "Create a user."};
  p.operations[Operation::kUpdate] = {write, "Update a user."};
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto u, LoadUser(*s, Lower(d.GetString("username"))));
        if (!u) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        Response r;
        u->token.AddToResponse(r.data, /*legacy=*/true);
        return r;
      },
      "Read a user."};
  p.operations[Operation::kDelete] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_RETURN_IF_ERROR(s->Delete("user/" + Lower(d.GetString("username"))));
        return Response{};
      },
      "Delete a user."};
  return p;
}

// users/:name/password and users/:name/policies: change one thing of an existing user.
fw::Path UserPart(std::shared_ptr<State> st, bool password) {
  fw::Path p;
  p.pattern = "users/" + fw::GenericNameRegex("username") + (password ? "/password" : "/policies");
  p.help_synopsis = password ? "Reset a user's password." : "Update a user's policies.";
  p.fields["username"] = Str("Username of the user.");
  if (password) {
    p.fields["password"] = Str("The new password.");
    p.fields["password_hash"] = Str("A bcrypt hash of the new password.");
  } else {
    p.fields["token_policies"] = {.type = fw::FieldType::kCommaStringSlice,
                                  .description = "Policies of issued tokens."};
    p.fields["policies"] = {.type = fw::FieldType::kCommaStringSlice,
                            .description = "Deprecated: use token_policies."};
  }
  p.operations[Operation::kUpdate] = {
      [st, password](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        std::string name = Lower(d.GetString("username"));
        ARCA_ASSIGN_OR_RETURN(auto u, LoadUser(*s, name));
        if (!u) return InvalidRequest("username does not exist");
        if (password) {
          ARCA_ASSIGN_OR_RETURN(auto hash, NewHash(*st, d));
          if (!hash) return InvalidRequest("missing password");
          u->password_hash = std::move(*hash);
        } else {
          if (!d.Has("token_policies") && !d.Has("policies")) {
            return InvalidRequest("missing token_policies");
          }
          ARCA_RETURN_IF_ERROR(ParseTokenFields(d, u->token, /*legacy=*/true));
        }
        ARCA_RETURN_IF_ERROR(logical::PutJson(*s, "user/" + name, u->ToJson()));
        return Response{};
      },
      password ? "Reset the password." : "Set the policies."};
  return p;
}

fw::Path Login(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "login/" + fw::GenericNameRegex("username");
  p.help_synopsis = "Log in with a username and password.";
  p.fields["username"] = Str("Username of the user.");
  p.fields["password"] = Str("Password of the user.");
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        std::string name = Lower(d.GetString("username"));
        std::string password = d.GetString("password");
        if (password.empty()) return InvalidRequest("missing password");
        // The mount's tuned user_lockout_config wins over its config/lockout entry.
        std::optional<LockoutConfig> tuned;
        if (st->system != nullptr) tuned = st->system->UserLockoutConfig();
        LockoutConfig cfg;
        if (tuned) {
          cfg = *tuned;
        } else {
          ARCA_ASSIGN_OR_RETURN(cfg, LoadLockout(*s));
        }
        LockoutRegistry& reg = st->Lockout();
        if (reg.IsLocked(req.mount_accessor, name, cfg, st->Now())) {
          return InvalidRequest("user is locked out after too many failed login attempts");
        }
        ARCA_ASSIGN_OR_RETURN(auto u, LoadUser(*s, name));
        bool ok = BcryptVerify(password, u ? u->password_hash : st->dummy_hash);
        if (!u || !ok) {
          reg.RecordFailure(req.mount_accessor, name, cfg, st->Now());
          return InvalidRequest(kInvalidCredentials);
        }
        if (!AddressAllowed(req.remote_addr, u->token.bound_cidrs)) {
          return PermissionDenied("login request originated from invalid CIDR");
        }
        reg.RecordSuccess(req.mount_accessor, name);
        logical::Auth a;
        u->token.FillAuth(a);
        a.metadata = {{"username", name}};
        a.display_name = name;
        a.alias = logical::Auth::Alias{name, {}};
        Response r;
        r.auth = std::move(a);
        return r;
      },
      "Log in."};
  return p;
}

fw::Path LockoutConfigPath() {
  fw::Path p;
  p.pattern = "config/lockout";
  p.help_synopsis = "User lockout settings of this mount.";
  p.fields["lockout_threshold"] = {.type = fw::FieldType::kInt,
                                   .description = "Failed logins before a user is locked."};
  p.fields["lockout_duration"] = {.type = fw::FieldType::kDuration,
                                  .description = "How long a user stays locked."};
  p.fields["lockout_counter_reset"] = {.type = fw::FieldType::kDuration,
                                       .description = "Failures older than this are forgotten."};
  p.fields["lockout_disable"] = {.type = fw::FieldType::kBool, .description = "Disable lockout."};
  p.operations[Operation::kRead] = {[](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(LockoutConfig c, LoadLockout(*s));
                                      return Response::WithData(c.ToJson());
                                    },
                                    "Read the lockout settings."};
  p.operations[Operation::kUpdate] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(LockoutConfig c, LoadLockout(*s));
        if (d.Has("lockout_threshold")) c.threshold = d.GetInt("lockout_threshold");
        if (d.Has("lockout_duration")) c.duration = d.GetDuration("lockout_duration");
        if (d.Has("lockout_counter_reset"))
          c.counter_reset = d.GetDuration("lockout_counter_reset");
        if (d.Has("lockout_disable")) c.disable = d.GetBool("lockout_disable");
        if (c.threshold < 0) return InvalidRequest("lockout_threshold cannot be negative");
        ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kLockoutKey, c.ToJson()));
        return Response{};
      },
      "Change the lockout settings."};
  return p;
}

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewUserpassBackend(const logical::BackendConfig& config,
                                                             UserpassOptions options) {
  auto st = std::make_shared<State>();
  st->opts = std::move(options);
  st->system = config.system;
  ARCA_ASSIGN_OR_RETURN(st->dummy_hash, BcryptHash("arca-dummy-password", st->opts.bcrypt_cost));
  fw::FrameworkBackend::Options o;
  o.type = "userpass";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login/*"};
  o.help = "The userpass auth method authenticates users with a username and a password.";
  o.paths = {UsersList(), UserPart(st, true), UserPart(st, false),
             Users(st),   Login(st),          LockoutConfigPath()};
  ARCA_ASSIGN_OR_RETURN(auto b, fw::FrameworkBackend::Create(std::move(o)));
  return std::unique_ptr<logical::Backend>(std::move(b));
}

Result<std::unique_ptr<logical::Backend>> NewUserpassBackend(const logical::BackendConfig& config) {
  return NewUserpassBackend(config, UserpassOptions{});
}

}  // namespace arca::auth
