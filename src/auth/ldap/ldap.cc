#include "auth/ldap/ldap.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "auth/cidr.h"
#include "auth/ldap/ldap_conn.h"
#include "auth/ldap/ldap_util.h"
#include "auth/token_fields.h"
#include "common/secure_bytes.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::auth {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr char kConfigKey[] = "config";
constexpr char kUserBindFailed[] = "ldap operation failed: failed to bind as user";
constexpr char kDefaultUserFilter[] = "({{.UserAttr}}={{.Username}})";
constexpr char kDefaultGroupFilter[] =
    "(|(memberUid={{.Username}})(member={{.UserDN}})(uniqueMember={{.UserDN}}))";
constexpr char kUserFilterWarning[] =
    "userfilter configured does not consider userattr and may result in colliding entity "
    "aliases on logins";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string TrimSpace(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::vector<std::string> SplitUrls(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string part =
        TrimSpace(s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!part.empty()) out.push_back(std::move(part));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

struct Config {
  std::string url = "ldap://127.0.0.1";
  std::string userdn, binddn, groupdn, upndomain, certificate;
  SecureBytes bindpass;  // never returned by a read
  std::string userattr = "cn";
  std::string userfilter = kDefaultUserFilter;
  std::string groupfilter = kDefaultGroupFilter;
  std::string groupattr = "cn";
  bool insecure_tls = false, starttls = false, discoverdn = false;
  bool deny_null_bind = true, case_sensitive_names = false, username_as_alias = false;
  bool anonymous_group_search = false, use_token_groups = false;
  std::string tls_min_version = "tls12", tls_max_version = "tls12";
  std::string dereference_aliases = "never";
  int64_t request_timeout = 90, connection_timeout = 30, max_page_size = 0;
  TokenFields token;

  // Stored form (with_secret) and the base of the read response (token fields added there).
  json::object ToJson(bool with_secret) const {
    json::object o;
    if (with_secret) o["token"] = token.ToJson();
    o["url"] = url;
    o["userdn"] = userdn;
    o["binddn"] = binddn;
    if (with_secret) o["bindpass"] = bindpass.view();
    o["groupdn"] = groupdn;
    o["upndomain"] = upndomain;
    o["certificate"] = certificate;
    o["userattr"] = userattr;
    o["userfilter"] = userfilter;
    o["groupfilter"] = groupfilter;
    o["groupattr"] = groupattr;
    o["insecure_tls"] = insecure_tls;
    o["starttls"] = starttls;
    o["discoverdn"] = discoverdn;
    o["deny_null_bind"] = deny_null_bind;
    o["case_sensitive_names"] = case_sensitive_names;
    o["username_as_alias"] = username_as_alias;
    o["anonymous_group_search"] = anonymous_group_search;
    o["use_token_groups"] = use_token_groups;
    o["tls_min_version"] = tls_min_version;
    o["tls_max_version"] = tls_max_version;
    o["dereference_aliases"] = dereference_aliases;
    o["request_timeout"] = request_timeout;
    o["connection_timeout"] = connection_timeout;
    o["max_page_size"] = max_page_size;
    return o;
  }
  static Result<Config> FromJson(const json::object& o) {
    Config c;
    if (const auto* t = o.if_contains("token"); t && t->is_object()) {
      ARCA_ASSIGN_OR_RETURN(c.token, TokenFields::FromJson(t->as_object()));
    }
    auto str = [&](const char* k, std::string& v) {
      if (const auto* x = o.if_contains(k); x && x->is_string()) v = std::string(x->as_string());
    };
    auto boolean = [&](const char* k, bool& v) {
      if (const auto* x = o.if_contains(k); x && x->is_bool()) v = x->as_bool();
    };
    auto integer = [&](const char* k, int64_t& v) {
      if (const auto* x = o.if_contains(k); x && x->is_int64()) v = x->as_int64();
    };
    str("url", c.url);
    str("userdn", c.userdn);
    str("binddn", c.binddn);
    if (const auto* x = o.if_contains("bindpass"); x && x->is_string()) {
      c.bindpass = SecureBytes::FromString(x->as_string());
    }
    str("groupdn", c.groupdn);
    str("upndomain", c.upndomain);
    str("certificate", c.certificate);
    str("userattr", c.userattr);
    str("userfilter", c.userfilter);
    str("groupfilter", c.groupfilter);
    str("groupattr", c.groupattr);
    str("tls_min_version", c.tls_min_version);
    str("tls_max_version", c.tls_max_version);
    str("dereference_aliases", c.dereference_aliases);
    boolean("insecure_tls", c.insecure_tls);
    boolean("starttls", c.starttls);
    boolean("discoverdn", c.discoverdn);
    boolean("deny_null_bind", c.deny_null_bind);
    boolean("case_sensitive_names", c.case_sensitive_names);
    boolean("username_as_alias", c.username_as_alias);
    boolean("anonymous_group_search", c.anonymous_group_search);
    boolean("use_token_groups", c.use_token_groups);
    integer("request_timeout", c.request_timeout);
    integer("connection_timeout", c.connection_timeout);
    integer("max_page_size", c.max_page_size);
    return c;
  }

  ldap::DialOptions Dial() const {
    ldap::DialOptions d;
    d.urls = SplitUrls(url);
    d.starttls = starttls;
    d.insecure_tls = insecure_tls;
    d.ca_pem = certificate;
    d.tls_min_version = tls_min_version;
    d.tls_max_version = tls_max_version;
    d.connection_timeout = std::chrono::seconds(connection_timeout);
    d.request_timeout = std::chrono::seconds(request_timeout);
    d.dereference_aliases = dereference_aliases;
    return d;
  }
  // The user search runs when a DN is discovered rather than built (Vault's rule).
  bool SearchesUser() const { return discoverdn || (!binddn.empty() && !bindpass.empty()); }
};

// Names of users/ and groups/ entries: lowercased unless case_sensitive_names.
struct Names {
  bool case_sensitive = false;
  std::string operator()(std::string s) const { return case_sensitive ? s : Lower(std::move(s)); }
};

Result<logical::Storage*> StorageOf(const Request& req) {
  if (req.storage == nullptr) return Internal("ldap: no storage");
  return req.storage;
}

Result<std::optional<Config>> LoadConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kConfigKey));
  if (!v) return std::optional<Config>();
  if (!v->is_object()) return Internal("ldap: corrupt config entry");
  ARCA_ASSIGN_OR_RETURN(Config c, Config::FromJson(v->as_object()));
  return std::optional<Config>(std::move(c));
}

Result<Config> ConfigOrDefault(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto c, LoadConfig(s));
  return c ? std::move(*c) : Config{};
}

struct Group {
  std::vector<std::string> policies;
};
struct User {
  std::vector<std::string> policies;
  std::vector<std::string> groups;
};

Result<std::optional<json::object>> LoadObject(logical::Storage& s, const std::string& key) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, key));
  if (!v) return std::optional<json::object>();
  if (!v->is_object()) return Internal("ldap: corrupt entry " + key);
  return std::optional<json::object>(v->as_object());
}

std::vector<std::string> Strings(const json::object& o, const char* key) {
  std::vector<std::string> out;
  if (const auto* a = o.if_contains(key); a && a->is_array()) {
    for (const auto& x : a->as_array()) {
      if (x.is_string()) out.emplace_back(x.as_string());
    }
  }
  return out;
}

bool ValidCertificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return false;
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  bool ok = x != nullptr;
  X509_free(x);
  BIO_free(bio);
  return ok;
}

int TlsRank(const std::string& v) {
  if (v == "tls10") return 10;
  if (v == "tls11") return 11;
  if (v == "tls12") return 12;
  if (v == "tls13") return 13;
  return 0;
}

fw::FieldSchema Str(const char* desc) {
  return fw::FieldSchema{.type = fw::FieldType::kString, .description = desc};
}
fw::FieldSchema Bool(const char* desc) {
  return fw::FieldSchema{.type = fw::FieldType::kBool, .description = desc};
}

// Applies the request's config fields onto `c` (absent ones keep their value) and validates.
Status ApplyConfig(const fw::FieldData& d, Config& c) {
  auto str = [&](const char* k, std::string& v) {
    if (d.Has(k)) v = d.GetString(k);
  };
  auto boolean = [&](const char* k, bool& v) {
    if (d.Has(k)) v = d.GetBool(k);
  };
  if (d.Has("url")) c.url = Lower(d.GetString("url"));
  str("userdn", c.userdn);
  str("binddn", c.binddn);
  if (d.Has("bindpass")) {
    std::string pw = d.GetString("bindpass");
    c.bindpass = SecureBytes::FromString(pw);
    SecureWipe(pw);
  }
  str("groupdn", c.groupdn);
  str("upndomain", c.upndomain);
  str("certificate", c.certificate);
  if (d.Has("userattr")) c.userattr = Lower(d.GetString("userattr"));
  str("userfilter", c.userfilter);
  str("groupfilter", c.groupfilter);
  str("groupattr", c.groupattr);
  str("tls_min_version", c.tls_min_version);
  str("tls_max_version", c.tls_max_version);
  str("dereference_aliases", c.dereference_aliases);
  boolean("insecure_tls", c.insecure_tls);
  boolean("starttls", c.starttls);
  boolean("discoverdn", c.discoverdn);
  boolean("deny_null_bind", c.deny_null_bind);
  boolean("case_sensitive_names", c.case_sensitive_names);
  boolean("username_as_alias", c.username_as_alias);
  boolean("anonymous_group_search", c.anonymous_group_search);
  boolean("use_token_groups", c.use_token_groups);
  if (d.Has("request_timeout")) c.request_timeout = d.GetDuration("request_timeout").count();
  if (d.Has("connection_timeout")) {
    c.connection_timeout = d.GetDuration("connection_timeout").count();
  }
  if (d.Has("max_page_size")) c.max_page_size = d.GetInt("max_page_size");

  if (c.userfilter.empty()) c.userfilter = kDefaultUserFilter;
  auto urls = SplitUrls(c.url);
  if (urls.empty()) return InvalidRequest("at least one url must be provided");
  for (const auto& u : urls) {
    if (!u.starts_with("ldap://") && !u.starts_with("ldaps://")) {
      return InvalidRequest("invalid LDAP scheme in url \"" + u + "\"");
    }
  }
  if (auto st = ldap::CheckTemplate(c.userfilter, {"UserAttr", "Username"}); !st) {
    return InvalidRequest("invalid userfilter: " + st.error().message());
  }
  if (auto st = ldap::CheckTemplate(c.groupfilter, {"UserDN", "Username"}); !st) {
    return InvalidRequest("invalid groupfilter: " + st.error().message());
  }
  if (!c.certificate.empty() && !ValidCertificate(c.certificate)) {
    return InvalidRequest(
        "failed to parse server tls cert: failed to decode PEM block in the "
        "certificate");
  }
  if (TlsRank(c.tls_min_version) == 0) return InvalidRequest("invalid 'tls_min_version'");
  if (TlsRank(c.tls_max_version) == 0) return InvalidRequest("invalid 'tls_max_version'");
  if (TlsRank(c.tls_max_version) < TlsRank(c.tls_min_version)) {
    return InvalidRequest("'tls_max_version' must be greater than or equal to 'tls_min_version'");
  }
  static const std::set<std::string> kDeref = {"never", "finding", "searching", "always"};
  if (!kDeref.count(c.dereference_aliases)) {
    return InvalidRequest("invalid 'dereference_aliases'");
  }
  if (c.request_timeout < 0) return InvalidRequest("request_timeout cannot be negative");
  if (c.connection_timeout < 0) return InvalidRequest("connection_timeout cannot be negative");
  if (c.max_page_size < 0) return InvalidRequest("max_page_size cannot be negative");
  if (c.use_token_groups) {
    return InvalidRequest("use_token_groups (Active Directory tokenGroups) is not supported");
  }
  return ParseTokenFields(d, c.token);
}

std::vector<std::string> ConfigWarnings(const Config& c) {
  if (c.userfilter.empty() || c.userfilter.find("{{.UserAttr}}") != std::string::npos ||
      c.userfilter.find(c.userattr) != std::string::npos) {
    return {};
  }
  return {kUserFilterWarning};
}

fw::Path ConfigPath() {
  fw::Path p;
  p.pattern = "config";
  p.help_synopsis = "Configure the LDAP server to connect to, along with its options.";
  p.fields["url"] = Str("LDAP URL(s) to connect to, comma-separated, tried in order.");
  p.fields["userdn"] = Str("Base DN under which to search for users.");
  p.fields["binddn"] = Str("DN to bind as to search for the user's DN (optional).");
  p.fields["bindpass"] = Str("Password of binddn (never returned).");
  p.fields["groupdn"] = Str("Base DN under which to search for groups.");
  p.fields["groupfilter"] =
      Str("Template of the group search filter ({{.UserDN}}, {{.Username}}).");
  p.fields["groupattr"] = Str("Attribute of group entries naming the group (default cn).");
  p.fields["userfilter"] =
      Str("Template of the user search filter ({{.UserAttr}}, {{.Username}}).");
  p.fields["upndomain"] = Str("Bind as username@upndomain (Active Directory).");
  p.fields["userattr"] =
      Str("Attribute of user entries matched against the username (default cn).");
  p.fields["certificate"] = Str("PEM CA certificate to verify the server with.");
  p.fields["insecure_tls"] = Bool("Skip verification of the server's certificate (insecure).");
  p.fields["starttls"] = Bool("Issue StartTLS on ldap:// connections.");
  p.fields["discoverdn"] = Bool("Use an anonymous bind to discover the user's DN.");
  p.fields["deny_null_bind"] = Bool("Refuse logins with an empty password (always on in Arca).");
  p.fields["case_sensitive_names"] = Bool("Match user and group names with case.");
  p.fields["username_as_alias"] = Bool("Use the username as the identity alias name.");
  p.fields["anonymous_group_search"] = Bool("Search groups over an anonymous connection.");
  p.fields["use_token_groups"] = Bool("Active Directory tokenGroups (not supported).");
  p.fields["tls_min_version"] = Str("Minimum TLS version (tls10..tls13, default tls12).");
  p.fields["tls_max_version"] = Str("Maximum TLS version (tls10..tls13, default tls12).");
  p.fields["dereference_aliases"] = Str("never | finding | searching | always.");
  p.fields["request_timeout"] = {.type = fw::FieldType::kDuration,
                                 .description = "Timeout of each LDAP operation (default 90s)."};
  p.fields["connection_timeout"] = {.type = fw::FieldType::kDuration,
                                    .description = "Timeout of connecting (default 30s)."};
  p.fields["max_page_size"] = {
      .type = fw::FieldType::kInt,
      .description = "Accepted for compatibility; searches are not paged."};
  AddTokenFieldSchemas(p.fields);
  p.operations[Operation::kRead] = {[](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(Config c, ConfigOrDefault(*s));
                                      json::object data = c.ToJson(/*with_secret=*/false);
                                      c.token.AddToResponse(data);
                                      data["use_pre111_group_cn_behavior"] = false;
                                      Response r = Response::WithData(std::move(data));
                                      r.warnings = ConfigWarnings(c);
                                      return r;
                                    },
                                    "Read the configuration."};
  auto write = [](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(Config c, ConfigOrDefault(*s));
    ARCA_RETURN_IF_ERROR(ApplyConfig(d, c));
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kConfigKey, c.ToJson(/*with_secret=*/true)));
    Response r;
    r.warnings = ConfigWarnings(c);
    return r;
  };
  p.operations[Operation::kUpdate] = {write, "Configure the LDAP server."};
  p.operations[Operation::kCreate] = {write, "Configure the LDAP server."};
  return p;
}

fw::Path ListPath(const char* pattern, const char* prefix, const char* what) {
  fw::Path p;
  p.pattern = pattern;
  p.help_synopsis = what;
  std::string pre = prefix;
  p.operations[Operation::kList] = {[pre](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(auto keys, s->List(pre));
                                      return Response::ListResponse(keys);
                                    },
                                    what};
  return p;
}

Result<Names> NamesOf(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(Config c, ConfigOrDefault(s));
  return Names{c.case_sensitive_names};
}

fw::Path GroupsPath() {
  fw::Path p;
  p.pattern = "groups/(?P<name>.+)";
  p.help_synopsis = "Manage the policies of LDAP groups.";
  p.fields["name"] = Str("Name of the LDAP group.");
  p.fields["policies"] = {.type = fw::FieldType::kCommaStringSlice,
                          .description = "Policies of the group's members."};
  auto write = [](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(Names names, NamesOf(*s));
    std::string name = names(d.GetString("name"));
    json::object o;
    o["policies"] = ToJsonArray(SanitizePolicies(d.GetStringSlice("policies")));
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, "group/" + name, o));
    return Response{};
  };
  p.operations[Operation::kUpdate] = {write, "Set a group's policies."};
  p.operations[Operation::kCreate] = {write, "Set a group's policies."};
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Names names, NamesOf(*s));
        ARCA_ASSIGN_OR_RETURN(auto o, LoadObject(*s, "group/" + names(d.GetString("name"))));
        if (!o) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        json::object data;
        data["policies"] = ToJsonArray(Strings(*o, "policies"));
        return Response::WithData(std::move(data));
      },
      "Read a group."};
  p.operations[Operation::kDelete] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Names names, NamesOf(*s));
        ARCA_RETURN_IF_ERROR(s->Delete("group/" + names(d.GetString("name"))));
        return Response{};
      },
      "Delete a group."};
  return p;
}

fw::Path UsersPath() {
  fw::Path p;
  p.pattern = "users/(?P<name>.+)";
  p.help_synopsis = "Manage the policies and extra groups of LDAP users.";
  p.fields["name"] = Str("Name of the LDAP user.");
  p.fields["policies"] = {.type = fw::FieldType::kCommaStringSlice,
                          .description = "Policies of the user."};
  p.fields["groups"] = {.type = fw::FieldType::kCommaStringSlice,
                        .description = "Groups the user is in besides its LDAP groups."};
  auto write = [](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(Names names, NamesOf(*s));
    std::string name = names(d.GetString("name"));
    std::vector<std::string> groups;
    for (auto g : d.GetStringSlice("groups")) {
      g = names(TrimSpace(std::move(g)));
      if (!g.empty() && std::find(groups.begin(), groups.end(), g) == groups.end()) {
        groups.push_back(std::move(g));
      }
    }
    json::object o;
    o["policies"] = ToJsonArray(SanitizePolicies(d.GetStringSlice("policies")));
    o["groups"] = ToJsonArray(groups);
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, "user/" + name, o));
    return Response{};
  };
  p.operations[Operation::kUpdate] = {write, "Set a user's policies and groups."};
  p.operations[Operation::kCreate] = {write, "Set a user's policies and groups."};
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Names names, NamesOf(*s));
        ARCA_ASSIGN_OR_RETURN(auto o, LoadObject(*s, "user/" + names(d.GetString("name"))));
        if (!o) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        std::string groups;
        for (const auto& g : Strings(*o, "groups")) groups += (groups.empty() ? "" : ",") + g;
        json::object data;
        data["groups"] = groups;  // Vault answers a comma-joined string
        data["policies"] = ToJsonArray(Strings(*o, "policies"));
        return Response::WithData(std::move(data));
      },
      "Read a user."};
  p.operations[Operation::kDelete] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Names names, NamesOf(*s));
        ARCA_RETURN_IF_ERROR(s->Delete("user/" + names(d.GetString("name"))));
        return Response{};
      },
      "Delete a user."};
  return p;
}

// --- login ---

struct LoginResult {
  std::string alias;
  std::vector<std::string> policies;
  std::vector<std::string> groups;  // LDAP groups and users/:name groups, as found
  std::vector<std::string> warnings;
};

Result<std::string> UserFilter(const Config& c, const std::string& username) {
  std::map<std::string, std::string> v = {{"UserAttr", ldap::EscapeFilterValue(c.userattr)},
                                          {"Username", ldap::EscapeFilterValue(username)}};
  if (!c.upndomain.empty()) {
    v["UserAttr"] = "userPrincipalName";
    v["Username"] = ldap::EscapeFilterValue(username) + "@" + c.upndomain;
  }
  return ldap::RenderTemplate(c.userfilter, v);
}

// The user's entry found by the configured search (bound as binddn, or anonymously for
// discoverdn). Exactly one match or an error.
Result<ldap::Entry> FindUser(const Config& c, ldap::Connection& conn, const std::string& username) {
  ARCA_RETURN_IF_ERROR(conn.Bind(c.binddn, c.bindpass.view(), /*allow_unauthenticated=*/true));
  ARCA_ASSIGN_OR_RETURN(std::string filter, UserFilter(c, username));
  bool truncated = false;
  ARCA_ASSIGN_OR_RETURN(auto entries, conn.Search(c.userdn, filter, {c.userattr}, 2, &truncated));
  if (entries.size() != 1 || truncated) {
    return InvalidRequest("LDAP search for binddn 0 or not unique");
  }
  return entries.front();
}

Result<std::vector<std::string>> LdapGroups(const Config& c, ldap::Connection& conn,
                                            const std::string& user_dn,
                                            const std::string& username) {
  std::vector<std::string> out;
  if (c.groupfilter.empty() || c.groupdn.empty()) return out;
  ARCA_ASSIGN_OR_RETURN(
      std::string filter,
      ldap::RenderTemplate(c.groupfilter, {{"UserDN", ldap::EscapeFilterValue(user_dn)},
                                           {"Username", ldap::EscapeFilterValue(username)}}));
  auto entries = conn.Search(c.groupdn, filter, {c.groupattr}, 0);
  if (!entries) return InvalidRequest("LDAP search failed: " + entries.error().message());
  std::set<std::string> seen;
  auto add = [&](std::string g) {
    if (!g.empty() && seen.insert(g).second) out.push_back(std::move(g));
  };
  std::string attr = Lower(c.groupattr);
  for (const auto& e : *entries) {
    const auto* values = e.Values(attr);
    if (values != nullptr && !values->empty()) {
      for (const auto& v : *values) add(ldap::GroupCn(v));
    } else {
      add(ldap::GroupCn(e.dn));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Vault's ldap Login: bind as the user, then collect groups and policies. Errors are 400s
// with Vault's wording; a failed user bind or an unknown user is kUserBindFailed.
Result<LoginResult> DoLogin(const Config& c, logical::Storage& s, const std::string& username,
                            std::string_view password) {
  // An empty password would be an unauthenticated bind, which many servers accept for any DN:
  // refused before anything is sent, whatever deny_null_bind says.
  if (password.empty()) {
    return InvalidRequest(
        "password cannot be of zero length when passwordless binds are being denied");
  }
  auto conn = ldap::Connection::Dial(c.Dial());
  if (!conn) return std::unexpected(conn.error());
  ldap::Connection& cn = **conn;

  std::string bind_dn;
  std::optional<ldap::Entry> found;
  if (c.SearchesUser()) {
    auto e = FindUser(c, cn, username);
    if (!e) return InvalidRequest(kUserBindFailed);
    bind_dn = e->dn;
    found = std::move(*e);
  } else if (!c.upndomain.empty()) {
    bind_dn = ldap::EscapeDnValue(username) + "@" + c.upndomain;
  } else {
    bind_dn = c.userattr + "=" + ldap::EscapeDnValue(username) + "," + c.userdn;
  }
  // The authentication itself: a simple bind with the (non-empty) password.
  if (!cn.Bind(bind_dn, password)) return InvalidRequest(kUserBindFailed);
  if (!c.binddn.empty() && !c.bindpass.empty()) {
    if (!cn.Bind(c.binddn, c.bindpass.view())) {
      return InvalidRequest("ldap operation failed: failed to re-bind with the BindDN user");
    }
  }
  std::string user_dn = bind_dn;
  if (!c.upndomain.empty()) {
    std::string filter =
        "(userPrincipalName=" + ldap::EscapeFilterValue(username) + "@" + c.upndomain + ")";
    auto entries = cn.Search(c.userdn, filter, {"1.1"}, 0);
    if (!entries) {
      return InvalidRequest("LDAP search failed for detecting user: " + entries.error().message());
    }
    for (const auto& e : *entries) user_dn = e.dn;
  }
  std::unique_ptr<ldap::Connection> anon;
  ldap::Connection* group_conn = &cn;
  if (c.anonymous_group_search) {
    auto a = ldap::Connection::Dial(c.Dial());
    if (!a) return InvalidRequest("ldap operation failed: failed to connect to LDAP server");
    anon = std::move(*a);
    group_conn = anon.get();
  }
  ARCA_ASSIGN_OR_RETURN(auto ldap_groups, LdapGroups(c, *group_conn, user_dn, username));

  LoginResult r;
  if (ldap_groups.empty()) {
    r.warnings.push_back("no LDAP groups found in groupDN \"" + c.groupdn +
                         "\"; only policies from locally-defined groups available");
  }
  Names names{c.case_sensitive_names};
  ARCA_ASSIGN_OR_RETURN(auto user, LoadObject(s, "user/" + names(username)));
  std::vector<std::string> all;
  if (user) all = Strings(*user, "groups");
  all.insert(all.end(), ldap_groups.begin(), ldap_groups.end());
  std::vector<std::string> policies;
  std::set<std::string> looked_up;
  for (const auto& g : all) {
    std::string key = names(g);
    if (!looked_up.insert(key).second) continue;
    ARCA_ASSIGN_OR_RETURN(auto group, LoadObject(s, "group/" + key));
    if (group) {
      auto p = Strings(*group, "policies");
      policies.insert(policies.end(), p.begin(), p.end());
    }
  }
  if (user) {
    auto p = Strings(*user, "policies");
    policies.insert(policies.end(), p.begin(), p.end());
  }
  r.policies = SanitizePolicies(std::move(policies));
  for (auto& g : all) {
    if (!g.empty() && std::find(r.groups.begin(), r.groups.end(), g) == r.groups.end()) {
      r.groups.push_back(std::move(g));
    }
  }

  if (c.username_as_alias) {
    r.alias = username;
  } else if (c.SearchesUser()) {
    // The alias is the user's userattr value, read back from the directory.
    auto e = FindUser(c, cn, username);
    if (!e)
      return InvalidRequest("LDAP search for entity alias attribute failed: " +
                            e.error().message());
    const auto* v = e->Values(c.userattr);
    if (v == nullptr) return InvalidRequest("LDAP attribute missing for entity alias mapping");
    if (v->size() != 1) {
      return InvalidRequest("LDAP entity alias attribute " + c.userattr +
                            " empty or not unique for entity alias mapping");
    }
    r.alias = v->front();
  } else {
    r.alias = bind_dn;
  }
  if (r.alias.empty()) return InvalidRequest("missing entity alias attribute value");
  return r;
}

fw::Path LoginPath() {
  fw::Path p;
  p.pattern = "login/(?P<username>.+)";
  p.help_synopsis = "Log in with a username and password.";
  p.fields["username"] = Str("DN (distinguished name) to be used for login.");
  p.fields["password"] = Str("Password for this user.");
  p.operations[Operation::kUpdate] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto cfg, LoadConfig(*s));
        if (!cfg) return InvalidRequest("auth method not configured");
        const Config& c = *cfg;
        if (!c.token.bound_cidrs.empty() && !AddressAllowed(req.remote_addr, c.token.bound_cidrs)) {
          return PermissionDenied();
        }
        // Some servers trim spaces: the name is trimmed (and lowercased unless
        // case_sensitive_names) before use, as Vault does.
        std::string username = TrimSpace(d.GetString("username"));
        if (!c.case_sensitive_names) username = Lower(username);
        if (username.empty()) return InvalidRequest("missing username");
        std::string password = d.GetString("password");
        auto login = DoLogin(c, *s, username, password);
        SecureWipe(password);
        if (!login) return std::unexpected(login.error());
        LoginResult& lr = *login;
        logical::Auth a;
        c.token.FillAuth(a);
        a.policies.insert(a.policies.end(), lr.policies.begin(), lr.policies.end());
        a.metadata = {{"username", username}};
        a.display_name = username;
        a.alias = logical::Auth::Alias{lr.alias, {{"name", username}}};
        a.group_aliases = lr.groups;
        Response r;
        r.auth = std::move(a);
        r.warnings = std::move(lr.warnings);
        return r;
      },
      "Log in."};
  return p;
}

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewLdapBackend(const logical::BackendConfig& config) {
  (void)config;
  fw::FrameworkBackend::Options o;
  o.type = "ldap";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login/*"};
  o.help =
      "The \"ldap\" auth method authenticates users against an LDAP server with a username and "
      "a password, and maps their LDAP groups to policies.";
  o.paths = {ConfigPath(), ListPath("groups/?", "group/", "List the groups."),
             GroupsPath(), ListPath("users/?", "user/", "List the users."),
             UsersPath(),  LoginPath()};
  ARCA_ASSIGN_OR_RETURN(auto b, fw::FrameworkBackend::Create(std::move(o)));
  return std::unique_ptr<logical::Backend>(std::move(b));
}

}  // namespace arca::auth
