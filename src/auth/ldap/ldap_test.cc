// The ldap auth method through a real Core against a real slapd (tests/services/slapd.h):
// config, groups/users CRUD, logins (search bind, built DN, discoverdn, StartTLS, ldaps),
// refusals (wrong password, unknown user, empty password, filter injection), timeouts,
// identity aliases and external groups, and bad input on every endpoint.
#include "auth/ldap/ldap.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/ldap/ldap_conn.h"
#include "auth/ldap/ldap_util.h"
#include "core/testing.h"
#include "services/slapd.h"

namespace arca::auth {
namespace {

using arca::testing::SharedSlapd;
using arca::testing::Slapd;
using logical::Operation;

constexpr char kBindFailed[] = "ldap operation failed: failed to bind as user";

// --- pure helpers ---

TEST(LdapUtil, FilterEscapingFollowsRfc4515) {
  EXPECT_EQ(ldap::EscapeFilterValue("alice"), "alice");
  EXPECT_EQ(ldap::EscapeFilterValue("a*b(c)d\\e"), "a\\2ab\\28c\\29d\\5ce");
  EXPECT_EQ(ldap::EscapeFilterValue(std::string("a\0b", 3)), "a\\00b");
  EXPECT_EQ(ldap::EscapeFilterValue("alice)(uid=*"), "alice\\29\\28uid=\\2a");
}

TEST(LdapUtil, DnEscapingFollowsRfc4514) {
  EXPECT_EQ(ldap::EscapeDnValue("x,y"), "x\\,y");
  EXPECT_EQ(ldap::EscapeDnValue("a+b=c;d<e>\"f\\"), "a\\+b\\=c\\;d\\<e\\>\\\"f\\\\");
  EXPECT_EQ(ldap::EscapeDnValue("#lead"), "\\#lead");
  EXPECT_EQ(ldap::EscapeDnValue(" both "), "\\ both\\ ");
  EXPECT_EQ(ldap::EscapeDnValue("mid#dle"), "mid#dle");
}

TEST(LdapUtil, TemplatesAllowOnlyTheirFields) {
  EXPECT_TRUE(ldap::CheckTemplate("({{.UserAttr}}={{ .Username }})", {"UserAttr", "Username"}));
  auto bad = ldap::CheckTemplate("({{.UserDN}})", {"UserAttr", "Username"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "unknown template field \"UserDN\"");
  EXPECT_FALSE(ldap::CheckTemplate("({{.Username)", {"Username"}));
  EXPECT_FALSE(ldap::CheckTemplate("({{printf \"x\"}})", {"Username"}));
  auto r =
      ldap::RenderTemplate("(&(uid={{.Username}})(x={{ .Username }}))", {{"Username", "a\\2a"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "(&(uid=a\\2a)(x=a\\2a))");
}

TEST(LdapUtil, GroupCnTakesTheCnOfADn) {
  EXPECT_EQ(ldap::GroupCn("cn=devs,ou=groups,dc=example,dc=org"), "devs");
  EXPECT_EQ(ldap::GroupCn("CN=Admins,OU=g,DC=x"), "Admins");
  EXPECT_EQ(ldap::GroupCn("ou=x,cn=inner,dc=y"), "inner");
  EXPECT_EQ(ldap::GroupCn("devs"), "devs");
  EXPECT_EQ(ldap::GroupCn("cn=a\\,b,dc=x"), "a,b");
  EXPECT_EQ(ldap::GroupCn("ou=nocn,dc=x"), "ou=nocn,dc=x");
}

// --- the connection, against slapd ---

TEST(LdapConn, UserBindsAreNeverUnauthenticated) {
  ASSERT_TRUE(SharedSlapd().ok()) << SharedSlapd().error();
  ldap::DialOptions o;
  o.urls = {"ldap://127.0.0.1:1", SharedSlapd().url()};
  auto c = ldap::Connection::Dial(o);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ((*c)->url(), SharedSlapd().url());  // failed over past the refused port
  const std::string alice = "uid=alice,ou=people,dc=example,dc=org";
  // This server accepts an unauthenticated bind (a DN, no password)...
  EXPECT_TRUE((*c)->Bind(alice, "", /*allow_unauthenticated=*/true));
  // ...which a user bind never sends.
  auto empty = (*c)->Bind(alice, "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "refusing an unauthenticated bind");
  EXPECT_FALSE((*c)->Bind("", "alicepw"));
  EXPECT_FALSE((*c)->Bind(alice, "wrong"));
  EXPECT_TRUE((*c)->Bind(alice, "alicepw"));
  auto found = (*c)->Search("ou=people,dc=example,dc=org", "(uid=alice)", {"uid"}, 2);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].dn, alice);
  // Every URL failing: one error naming each.
  o.urls = {"ldap://127.0.0.1:1", "ftp://x"};
  auto none = ldap::Connection::Dial(o);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("error connecting to host \"ldap://127.0.0.1:1\""),
            std::string::npos);
  EXPECT_NE(none.error().message().find("error connecting to host \"ftp://x\": invalid LDAP "
                                        "scheme"),
            std::string::npos);
}

// --- through a Core, against slapd ---

class Ldap : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SharedSlapd().ok()) << SharedSlapd().error();
    t_.core.reset();
    core::CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.auth_methods["ldap"] = NewLdapBackend;
    t_.core = std::make_unique<core::Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(Root(Operation::kUpdate, "sys/auth/ldap", {{"type", "ldap"}}));
  }
  const Slapd& S() { return SharedSlapd(); }
  Result<logical::Response> Do(Operation op, std::string path, json::object data,
                               std::string token) {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    req.remote_addr = "127.0.0.1";
    return t_.core->HandleRequest(req);
  }
  Result<logical::Response> Root(Operation op, std::string path, json::object data = {}) {
    return Do(op, std::move(path), std::move(data), root_);
  }
  Result<logical::Response> Login(const std::string& user, const std::string& pw) {
    return Do(Operation::kUpdate, "auth/ldap/login/" + user, {{"password", pw}}, "");
  }
  // The search-bind setup: a reader account finds users by uid under ou=people; the first URL
  // refuses connections, so every login also exercises the failover.
  void ConfigureSearch(json::object extra = {}) {
    json::object c = {{"url", "ldap://127.0.0.1:1," + S().url()},
                      {"binddn", Slapd::kReaderDn},
                      {"bindpass", Slapd::kReaderPassword},
                      {"userdn", Slapd::kPeople},
                      {"userattr", "uid"},
                      {"groupdn", Slapd::kGroups},
                      {"request_timeout", "10s"},
                      {"connection_timeout", "5s"}};
    for (auto& [k, v] : extra) c[k] = v;
    auto r = Root(Operation::kUpdate, "auth/ldap/config", c);
    ASSERT_TRUE(r) << r.error().ToString();
  }
  std::string Accessor() {
    auto r = Root(Operation::kRead, "sys/auth");
    if (!r) return "";
    auto d = core::ParseRaw(*r);
    const auto* m = d.if_contains("ldap/");
    if (m == nullptr) m = r->data.if_contains("ldap/");
    return m ? std::string(m->as_object().at("accessor").as_string()) : "";
  }
  static void ExpectError(const Result<logical::Response>& r, ErrorKind kind,
                          const std::string& message = "") {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), kind) << r.error().ToString();
    if (!message.empty()) {
      EXPECT_EQ(r.error().message(), message);
    }
  }

  core::TestCore t_;
  std::string root_;
};

TEST_F(Ldap, ConfigDefaultsAndBindpassNeverRead) {
  auto d = Root(Operation::kRead, "auth/ldap/config");
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->data.at("url").as_string(), "ldap://127.0.0.1");
  EXPECT_EQ(d->data.at("userattr").as_string(), "cn");
  EXPECT_EQ(d->data.at("groupattr").as_string(), "cn");
  EXPECT_EQ(d->data.at("userfilter").as_string(), "({{.UserAttr}}={{.Username}})");
  EXPECT_EQ(d->data.at("groupfilter").as_string(),
            "(|(memberUid={{.Username}})(member={{.UserDN}})(uniqueMember={{.UserDN}}))");
  EXPECT_TRUE(d->data.at("deny_null_bind").as_bool());
  EXPECT_FALSE(d->data.at("case_sensitive_names").as_bool());
  EXPECT_EQ(d->data.at("request_timeout").as_int64(), 90);
  EXPECT_EQ(d->data.at("tls_min_version").as_string(), "tls12");
  EXPECT_FALSE(d->data.contains("bindpass"));

  ConfigureSearch({{"token_ttl", "1h"}, {"token_policies", "base"}, {"userattr", "UID"}});
  auto r = Root(Operation::kRead, "auth/ldap/config");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->data.contains("bindpass"));
  EXPECT_EQ(r->data.at("binddn").as_string(), Slapd::kReaderDn);
  EXPECT_EQ(r->data.at("userattr").as_string(), "uid");  // lowercased, as Vault
  EXPECT_EQ(r->data.at("token_ttl").as_int64(), 3600);
  EXPECT_EQ(r->data.at("request_timeout").as_int64(), 10);
  // A partial update keeps the rest (bindpass included: logins still search).
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/config", {{"groupattr", "cn"}}));
  auto again = Root(Operation::kRead, "auth/ldap/config");
  EXPECT_EQ(again->data.at("binddn").as_string(), Slapd::kReaderDn);
  EXPECT_TRUE(Login("alice", "alicepw"));
}

TEST_F(Ldap, ConfigBadInputIsRefusedAndChangesNothing) {
  ConfigureSearch();
  auto bad = [&](json::object body, const std::string& msg) {
    auto r = Root(Operation::kUpdate, "auth/ldap/config", body);
    ExpectError(r, ErrorKind::kInvalidRequest, msg);
  };
  bad({{"url", "http://127.0.0.1"}}, "invalid LDAP scheme in url \"http://127.0.0.1\"");
  bad({{"url", " , "}}, "at least one url must be provided");
  bad({{"userfilter", "({{.UserDN}}={{.Username}})"}},
      "invalid userfilter: unknown template field \"UserDN\"");
  bad({{"groupfilter", "(member={{.UserAttr}})"}},
      "invalid groupfilter: unknown template field \"UserAttr\"");
  bad({{"certificate", "not a certificate"}},
      "failed to parse server tls cert: failed to decode PEM block in the certificate");
  bad({{"tls_min_version", "tls13"}, {"tls_max_version", "tls12"}},
      "'tls_max_version' must be greater than or equal to 'tls_min_version'");
  bad({{"tls_min_version", "ssl3"}}, "invalid 'tls_min_version'");
  bad({{"dereference_aliases", "sometimes"}}, "invalid 'dereference_aliases'");
  bad({{"use_token_groups", true}},
      "use_token_groups (Active Directory tokenGroups) is not supported");
  bad({{"token_type", "bogus"}}, "");
  auto r = Root(Operation::kRead, "auth/ldap/config");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.at("url").as_string(), "ldap://127.0.0.1:1," + S().url());
  EXPECT_EQ(r->data.at("tls_min_version").as_string(), "tls12");
  EXPECT_EQ(r->data.at("userfilter").as_string(), "({{.UserAttr}}={{.Username}})");
  // Wrong verb on config, and on login.
  ExpectError(Root(Operation::kDelete, "auth/ldap/config"), ErrorKind::kUnsupportedOperation);
  ExpectError(Do(Operation::kRead, "auth/ldap/login/alice", {}, ""),
              ErrorKind::kUnsupportedOperation);
}

TEST_F(Ldap, LoginBeforeConfigIsRefused) {
  ExpectError(Login("alice", "alicepw"), ErrorKind::kInvalidRequest, "auth method not configured");
}

TEST_F(Ldap, SearchBindLoginGroupsAndPolicies) {
  ConfigureSearch({{"token_policies", "base"}});
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/groups/devs", {{"policies", "dev-pol"}}));
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/groups/OPS", {{"policies", "ops-pol,x"}}));
  auto r = Login("alice", "alicepw");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  EXPECT_EQ(r->auth->policies,
            (std::vector<std::string>{"base", "default", "dev-pol", "ops-pol", "x"}));
  EXPECT_EQ(r->auth->metadata.at("username"), "alice");
  EXPECT_TRUE(r->warnings.empty());
  auto self = Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data.at("display_name").as_string(), "ldap-alice");
  // Names are case-insensitive by default (lowercased before the directory sees them).
  EXPECT_TRUE(Login("ALICE", "alicepw"));
  // A user in no group logs in with the base policies and a warning.
  auto carol = Login("carol", "carolpw");
  ASSERT_TRUE(carol) << carol.error().ToString();
  EXPECT_EQ(carol->auth->policies, (std::vector<std::string>{"base", "default"}));
  ASSERT_EQ(carol->warnings.size(), 1u);
  EXPECT_NE(carol->warnings[0].find("no LDAP groups found"), std::string::npos);
}

TEST_F(Ldap, WrongPasswordUnknownUserEmptyPasswordAndInjectionRefused) {
  ConfigureSearch({{"deny_null_bind", false}});
  ExpectError(Login("alice", "wrong"), ErrorKind::kInvalidRequest, kBindFailed);
  ExpectError(Login("nobody", "whatever"), ErrorKind::kInvalidRequest, kBindFailed);
  // slapd here accepts unauthenticated binds (allow bind_anon_dn): Arca must refuse the empty
  // password itself, even with deny_null_bind false.
  ExpectError(Login("alice", ""), ErrorKind::kInvalidRequest,
              "password cannot be of zero length when passwordless binds are being denied");
  ExpectError(Do(Operation::kUpdate, "auth/ldap/login/alice", {}, ""), ErrorKind::kInvalidRequest);
  // Filter metacharacters are escaped: these match no single user.
  ExpectError(Login("*", "alicepw"), ErrorKind::kInvalidRequest, kBindFailed);
  ExpectError(Login("alice)(uid=*", "alicepw"), ErrorKind::kInvalidRequest, kBindFailed);
  ExpectError(Login("ali*", "alicepw"), ErrorKind::kInvalidRequest, kBindFailed);
  ExpectError(Login("  ", "x"), ErrorKind::kInvalidRequest, "missing username");
  // A filter matching two users is refused, not resolved to one of them.
  ConfigureSearch({{"userfilter", "(description={{.Username}})"}});
  ExpectError(Login("alice", "alicepw"), ErrorKind::kInvalidRequest, kBindFailed);
}

TEST_F(Ldap, BuiltDnLoginEscapesTheUsername) {
  auto r = Root(Operation::kUpdate, "auth/ldap/config",
                {{"url", S().url()},
                 {"userdn", Slapd::kPeople},
                 {"userattr", "uid"},
                 {"groupdn", Slapd::kGroups}});
  ASSERT_TRUE(r) << r.error().ToString();
  auto xy = Login("x,y", "xypw");
  ASSERT_TRUE(xy) << xy.error().ToString();
  // Without a search the alias is the built DN (as Vault).
  EXPECT_EQ(xy->auth->alias->name, "uid=x\\,y,ou=people,dc=example,dc=org");
  auto alice = Login("alice", "alicepw");
  ASSERT_TRUE(alice) << alice.error().ToString();
  ExpectError(Login("alice", "bad"), ErrorKind::kInvalidRequest, kBindFailed);
  // "alice,ou=people" would otherwise name another DN.
  ExpectError(Login("alice,ou=people", "alicepw"), ErrorKind::kInvalidRequest, kBindFailed);
  // username_as_alias: the (lowercased) login name is the alias.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/config", {{"username_as_alias", true}}));
  auto named = Login("X,Y", "xypw");
  ASSERT_TRUE(named) << named.error().ToString();
  EXPECT_EQ(named->auth->alias->name, "x,y");
  EXPECT_EQ(named->auth->entity_id.empty(), false);
  EXPECT_NE(named->auth->entity_id, xy->auth->entity_id);  // another alias, another entity
}

TEST_F(Ldap, DiscoverDnWithAnonymousSearch) {
  auto r = Root(Operation::kUpdate, "auth/ldap/config",
                {{"url", S().url()},
                 {"userdn", Slapd::kPeople},
                 {"userattr", "uid"},
                 {"discoverdn", true},
                 {"groupdn", Slapd::kGroups}});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/groups/admins", {{"policies", "admin"}}));
  auto bob = Login("bob", "bobpw");
  ASSERT_TRUE(bob) << bob.error().ToString();
  EXPECT_EQ(bob->auth->policies, (std::vector<std::string>{"admin", "default"}));
  EXPECT_EQ(bob->auth->alias->name, "bob");
  ExpectError(Login("bob", "alicepw"), ErrorKind::kInvalidRequest, kBindFailed);
}

TEST_F(Ldap, CaseSensitiveNames) {
  ConfigureSearch({{"case_sensitive_names", true}});
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/groups/admins", {{"policies", "lower"}}));
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/groups/Admins", {{"policies", "exact"}}));
  auto bob = Login("bob", "bobpw");
  ASSERT_TRUE(bob) << bob.error().ToString();
  EXPECT_EQ(bob->auth->policies, (std::vector<std::string>{"default", "exact"}));
  auto list = Root(Operation::kList, "auth/ldap/groups");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys").as_array().size(), 2u);
}

TEST_F(Ldap, UsersAndGroupsCrud) {
  ConfigureSearch();
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/groups/devs", {{"policies", "dev-pol"}}));
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/users/Carol",
                   {{"policies", "carol-pol"}, {"groups", "Devs, local"}}));
  auto u = Root(Operation::kRead, "auth/ldap/users/carol");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->data.at("groups").as_string(), "devs,local");
  EXPECT_EQ(u->data.at("policies").as_array().size(), 1u);
  auto g = Root(Operation::kRead, "auth/ldap/groups/DEVS");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->data.at("policies").as_array()[0].as_string(), "dev-pol");
  // users/ policies and groups apply at login.
  auto carol = Login("carol", "carolpw");
  ASSERT_TRUE(carol) << carol.error().ToString();
  EXPECT_EQ(carol->auth->policies, (std::vector<std::string>{"carol-pol", "default", "dev-pol"}));
  auto users = Root(Operation::kList, "auth/ldap/users");
  ASSERT_TRUE(users);
  EXPECT_EQ(users->data.at("keys").as_array()[0].as_string(), "carol");
  ASSERT_TRUE(Root(Operation::kDelete, "auth/ldap/users/carol"));
  ExpectError(Root(Operation::kRead, "auth/ldap/users/carol"), ErrorKind::kNotFound);
  ASSERT_TRUE(Root(Operation::kDelete, "auth/ldap/groups/devs"));
  ExpectError(Root(Operation::kRead, "auth/ldap/groups/devs"), ErrorKind::kNotFound);
  auto after = Login("carol", "carolpw");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->auth->policies, (std::vector<std::string>{"default"}));
  // Bad input: a policies value of the wrong type; nothing written.
  ExpectError(Root(Operation::kUpdate, "auth/ldap/groups/x", {{"policies", json::object{}}}),
              ErrorKind::kInvalidRequest);
  ExpectError(Root(Operation::kRead, "auth/ldap/groups/x"), ErrorKind::kNotFound);
  ExpectError(Root(Operation::kUpdate, "auth/ldap/users/y", {{"groups", json::object{}}}),
              ErrorKind::kInvalidRequest);
  ExpectError(Root(Operation::kRead, "auth/ldap/users/y"), ErrorKind::kNotFound);
  // Unauthenticated callers cannot manage them.
  ExpectError(Do(Operation::kUpdate, "auth/ldap/groups/z", {{"policies", "root"}}, ""),
              ErrorKind::kPermissionDenied);
}

TEST_F(Ldap, StartTlsAndLdapsVerifyTheServer) {
  // StartTLS with the run's CA.
  ConfigureSearch({{"url", S().url()}, {"starttls", true}, {"certificate", S().ca_pem()}});
  auto r = Login("alice", "alicepw");
  ASSERT_TRUE(r) << r.error().ToString();
  // ldaps:// with the CA.
  ConfigureSearch({{"url", S().ldaps_url()}, {"starttls", false}});
  r = Login("alice", "alicepw");
  ASSERT_TRUE(r) << r.error().ToString();
  // ldaps:// without the CA: the server is not trusted.
  ConfigureSearch({{"url", S().ldaps_url()}, {"certificate", ""}});
  auto untrusted = Login("alice", "alicepw");
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(untrusted.error().message().find("error connecting to host"), std::string::npos)
      << untrusted.error().message();
  // insecure_tls skips the check.
  ConfigureSearch({{"url", S().ldaps_url()}, {"insecure_tls", true}});
  EXPECT_TRUE(Login("alice", "alicepw"));
  // StartTLS without the CA is refused too.
  ConfigureSearch({{"url", S().url()}, {"starttls", true}, {"insecure_tls", false}});
  auto plain_untrusted = Login("alice", "alicepw");
  ASSERT_FALSE(plain_untrusted);
  EXPECT_NE(plain_untrusted.error().message().find("StartTLS"), std::string::npos)
      << plain_untrusted.error().message();
}

TEST_F(Ldap, AServerThatNeverAnswersTimesOut) {
  // A listening socket that accepts connections (the kernel's backlog) and never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string url = "ldap://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  ConfigureSearch({{"url", url}, {"request_timeout", "1s"}, {"connection_timeout", "1s"}});
  auto start = std::chrono::steady_clock::now();
  auto r = Login("alice", "alicepw");
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_LT(took, std::chrono::seconds(8));
}

TEST_F(Ldap, AliasesAndExternalGroups) {
  ConfigureSearch();
  std::string accessor = Accessor();
  ASSERT_FALSE(accessor.empty());
  // An external group mapped to the LDAP group "devs" on this mount.
  auto g = Root(Operation::kUpdate, "identity/group",
                {{"name", "ldap-devs"}, {"type", "external"}, {"policies", "ext-dev"}});
  ASSERT_TRUE(g) << g.error().ToString();
  std::string gid(g->data.at("id").as_string());
  auto ga = Root(Operation::kUpdate, "identity/group-alias",
                 {{"name", "devs"}, {"mount_accessor", accessor}, {"canonical_id", gid}});
  ASSERT_TRUE(ga) << ga.error().ToString();

  auto alice = Login("alice", "alicepw");
  ASSERT_TRUE(alice) << alice.error().ToString();
  EXPECT_EQ(alice->auth->alias->name, "alice");  // the userattr value
  EXPECT_EQ(alice->auth->identity_policies, std::vector<std::string>{"ext-dev"});
  auto group = Root(Operation::kRead, "identity/group/id/" + gid);
  ASSERT_TRUE(group);
  ASSERT_EQ(group->data.at("member_entity_ids").as_array().size(), 1u);
  EXPECT_EQ(group->data.at("member_entity_ids").as_array()[0].as_string(), alice->auth->entity_id);
  // bob is not in devs: no external group, no ext policy.
  auto bob = Login("bob", "bobpw");
  ASSERT_TRUE(bob);
  EXPECT_TRUE(bob->auth->identity_policies.empty());
  // The same person logs in again: the same entity.
  auto again = Login("alice", "alicepw");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->auth->entity_id, alice->auth->entity_id);
  // users/alice moves her out of devs? No: LDAP groups still count; a local group adds one.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/ldap/users/carol", {{"groups", "devs"}}));
  auto carol = Login("carol", "carolpw");
  ASSERT_TRUE(carol) << carol.error().ToString();
  EXPECT_EQ(carol->auth->identity_policies, std::vector<std::string>{"ext-dev"});
  // carol loses the local group: her next login drops the external membership.
  ASSERT_TRUE(Root(Operation::kDelete, "auth/ldap/users/carol"));
  auto carol2 = Login("carol", "carolpw");
  ASSERT_TRUE(carol2);
  EXPECT_TRUE(carol2->auth->identity_policies.empty());
  group = Root(Operation::kRead, "identity/group/id/" + gid);
  EXPECT_EQ(group->data.at("member_entity_ids").as_array().size(), 1u);
}

TEST_F(Ldap, TokenBoundCidrsOnConfig) {
  ConfigureSearch({{"token_bound_cidrs", "10.0.0.0/8"}});
  ExpectError(Login("alice", "alicepw"), ErrorKind::kPermissionDenied);
}

}  // namespace
}  // namespace arca::auth
