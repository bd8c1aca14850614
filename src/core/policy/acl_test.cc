// Acl: priority selection, deny precedence, merging across policies, parameters, root, default.
#include "core/policy/acl.h"

#include <gtest/gtest.h>

namespace arca::core::policy {
namespace {

using logical::Operation;
using std::chrono::seconds;

std::shared_ptr<const Acl> MustCompile(const std::vector<std::string>& texts) {
  std::vector<Policy> policies;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto p = ParsePolicy("p" + std::to_string(i), texts[i]);
    EXPECT_TRUE(p) << p.error().ToString();
    if (p) policies.push_back(std::move(*p));
  }
  auto acl = Acl::Compile(policies);
  EXPECT_TRUE(acl);
  return *acl;
}

bool Can(const Acl& acl, std::string_view path, Operation op, const json::object& data = {}) {
  return acl.Allowed(path, op, data).allowed;
}

TEST(Acl, HighestPriorityRuleDecidesAlone) {
  auto acl = MustCompile({R"(
    path "secret/*"          { capabilities = ["read"] }
    path "secret/+/config"   { capabilities = ["update"] }
    path "secret/team/+"     { capabilities = ["list"] }
    path "secret/team/admin" { capabilities = ["delete"] }
    path "secret/+/*"        { capabilities = ["create"] }
  )"});
  struct Case {
    const char* path;
    std::vector<std::string> names;
  } cases[] = {
      {"secret/foo", {"read"}},           // only secret/* matches
      {"secret/a/b/c", {"read"}},         // secret/* beats secret/+/* (P3: fewer +)
      {"secret/x/config", {"update"}},    // same first wildcard; secret/* ends in '*' (P2)
      {"secret/team/config", {"list"}},   // secret/team/+ has the latest wildcard (P1)
      {"secret/team/admin", {"delete"}},  // exact
      {"other/path", {"deny"}},           // nothing matches
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CapabilityNames(acl->Capabilities(c.path)), c.names) << c.path;
  }
  EXPECT_TRUE(Can(*acl, "secret/foo", Operation::kRead));
  EXPECT_FALSE(Can(*acl, "secret/foo", Operation::kUpdate));
  EXPECT_FALSE(Can(*acl, "secret/team/config", Operation::kRead));  // winner lacks read
  EXPECT_TRUE(Can(*acl, "secret/team/admin", Operation::kDelete));
  EXPECT_FALSE(Can(*acl, "secret/team/admin", Operation::kRead));
}

TEST(Acl, OperationToCapability) {
  auto acl = MustCompile({R"(
    path "r" { capabilities = ["read"] }
    path "c" { capabilities = ["create"] }
    path "u" { capabilities = ["update"] }
    path "p" { capabilities = ["patch"] }
    path "d" { capabilities = ["delete"] }
    path "l" { capabilities = ["list"] }
    path "s" { capabilities = ["scan"] }
  )"});
  struct Case {
    const char* path;
    Operation allowed_op;
  } cases[] = {
      {"r", Operation::kRead},  {"c", Operation::kCreate}, {"u", Operation::kUpdate},
      {"p", Operation::kPatch}, {"d", Operation::kDelete}, {"l", Operation::kList},
      {"s", Operation::kScan},
  };
  const Operation kOps[] = {Operation::kRead,  Operation::kCreate, Operation::kUpdate,
                            Operation::kPatch, Operation::kDelete, Operation::kList,
                            Operation::kScan};
  for (const Case& c : cases) {
    for (Operation op : kOps) {
      EXPECT_EQ(Can(*acl, c.path, op), op == c.allowed_op)
          << c.path << " " << logical::OperationName(op);
    }
  }
  EXPECT_TRUE(Can(*acl, "r", Operation::kHelp));
  EXPECT_FALSE(Can(*acl, "u", Operation::kHelp));
  EXPECT_TRUE(Can(*acl, "u", Operation::kRenew));
  EXPECT_TRUE(Can(*acl, "u", Operation::kRevoke));
  EXPECT_FALSE(Can(*acl, "r", Operation::kRevoke));
}

TEST(Acl, ListWithTrailingSlash) {
  auto acl = MustCompile({R"(path "secret/dir" { capabilities = ["list"] })"});
  EXPECT_TRUE(Can(*acl, "secret/dir/", Operation::kList));
  EXPECT_TRUE(Can(*acl, "secret/dir", Operation::kList));
  EXPECT_FALSE(Can(*acl, "secret/dir/", Operation::kRead));  // only LIST trims the slash
  auto glob = MustCompile({R"(path "kv/+/dir" { capabilities = ["list"] })"});
  EXPECT_TRUE(Can(*glob, "kv/a/dir/", Operation::kList));
}

TEST(Acl, DenyBeatsEverything) {
  auto acl = MustCompile({R"(
    path "secret/*" { capabilities = ["create", "read", "update", "sudo"] }
    path "secret/super-secret" { capabilities = ["deny"] }
  )"});
  EXPECT_TRUE(Can(*acl, "secret/ok", Operation::kRead));
  AclResult r = acl->Allowed("secret/super-secret", Operation::kRead, {});
  EXPECT_FALSE(r.allowed);
  EXPECT_FALSE(r.root_privs);
  EXPECT_NE(r.reason.find("denied"), std::string::npos);
  EXPECT_EQ(CapabilityNames(acl->Capabilities("secret/super-secret")),
            std::vector<std::string>{"deny"});
}

TEST(Acl, MergesSamePatternAcrossPolicies) {
  auto acl = MustCompile({
      R"(path "secret/app" { capabilities = ["read"] })",
      R"(path "secret/app" { capabilities = ["update", "list"] })",
      R"(path "secret/*" { capabilities = ["read"] })",
      R"(path "secret/*" { capabilities = ["deny"] }
         path "secret/other" { capabilities = ["sudo", "read"] })",
      R"(path "secret/other" { capabilities = ["create"] })",
  });
  EXPECT_EQ(CapabilityNames(acl->Capabilities("secret/app")),
            (std::vector<std::string>{"list", "read", "update"}));
  EXPECT_FALSE(Can(*acl, "secret/zzz", Operation::kRead));  // deny merged into secret/*
  AclResult r = acl->Allowed("secret/other", Operation::kCreate, {});
  EXPECT_TRUE(r.allowed);
  EXPECT_TRUE(r.root_privs);
}

TEST(Acl, DenyInLaterPolicyOnSamePatternWins) {
  auto acl = MustCompile({R"(path "a" { capabilities = ["deny"] })",
                          R"(path "a" { capabilities = ["read", "sudo"] })"});
  EXPECT_FALSE(Can(*acl, "a", Operation::kRead));
  EXPECT_EQ(acl->Capabilities("a"), uint32_t{kDeny});
}

TEST(Acl, SudoGivesRootPrivs) {
  auto acl = MustCompile({R"(path "sys/seal" { capabilities = ["update", "sudo"] }
                             path "sys/mounts" { capabilities = ["update"] })"});
  EXPECT_TRUE(acl->Allowed("sys/seal", Operation::kUpdate, {}).root_privs);
  AclResult m = acl->Allowed("sys/mounts", Operation::kUpdate, {});
  EXPECT_TRUE(m.allowed);
  EXPECT_FALSE(m.root_privs);
  EXPECT_FALSE(m.is_root);
}

TEST(Acl, Parameters) {
  auto acl = MustCompile({R"(
    path "allow" {
      capabilities = ["create", "update", "read"]
      allowed_parameters = {
        "name"  = []
        "env"   = ["dev", "stage-*", "*-test", "*mid*"]
        "port"  = [8200]
      }
    }
    path "allow-star" {
      capabilities = ["update"]
      allowed_parameters = { "*" = [], "mode" = ["safe"] }
    }
    path "deny" {
      capabilities = ["update"]
      denied_parameters = { "admin" = [], "role" = ["root*"] }
    }
    path "deny-all" {
      capabilities = ["update"]
      denied_parameters = { "*" = [] }
    }
    path "required" {
      capabilities = ["update", "delete"]
      required_parameters = ["ticket"]
    }
    path "both" {
      capabilities = ["update"]
      allowed_parameters = { "x" = [] }
      denied_parameters = { "x" = ["bad"] }
    }
  )"});
  using O = json::object;
  struct Case {
    const char* path;
    json::object data;
    bool allowed;
  } cases[] = {
      {"allow", O{}, true},
      {"allow", O{{"name", "anything"}}, true},
      {"allow", O{{"NAME", "case-insensitive key"}}, true},
      {"allow", O{{"env", "dev"}}, true},
      {"allow", O{{"env", "stage-eu"}}, true},
      {"allow", O{{"env", "unit-test"}}, true},
      {"allow", O{{"env", "a-mid-b"}}, true},
      {"allow", O{{"env", "prod"}}, false},
      {"allow", O{{"env", json::array{"dev", "stage-1"}}}, true},
      {"allow", O{{"env", json::array{"dev", "prod"}}}, false},
      {"allow", O{{"port", 8200}}, true},
      {"allow", O{{"port", 8200.0}}, true},
      {"allow", O{{"port", 8201}}, false},
      {"allow", O{{"port", "8200"}}, false},
      {"allow", O{{"other", 1}}, false},
      {"allow-star", O{{"other", 1}, {"mode", "safe"}}, true},
      {"allow-star", O{{"mode", "unsafe"}}, false},
      {"deny", O{{"x", 1}}, true},
      {"deny", O{{"admin", false}}, false},
      {"deny", O{{"role", "rootish"}}, false},
      {"deny", O{{"role", "dev"}}, true},
      {"deny-all", O{}, true},
      {"deny-all", O{{"x", 1}}, false},
      {"required", O{{"ticket", "T-1"}}, true},
      // Backends read "ticket" exactly: "Ticket" does not give it (Vault does the same).
      {"required", O{{"Ticket", "T-1"}}, false},
      {"required", O{{"other", "T-1"}}, false},
      {"required", O{}, false},
      {"both", O{{"x", "good"}}, true},
      {"both", O{{"x", "bad"}}, false},
  };
  for (const Case& c : cases) {
    AclResult r = acl->Allowed(c.path, Operation::kUpdate, c.data);
    EXPECT_EQ(r.allowed, c.allowed) << c.path << " " << json::serialize(c.data) << " " << r.reason;
    if (!c.allowed) {
      EXPECT_FALSE(r.reason.empty());
    }
  }
  // Constraints do not apply to delete/list.
  EXPECT_TRUE(Can(*acl, "required", Operation::kDelete, {}));
}

// Issue 16 #1: keys that differ only in case used to collapse into one entry (the last one
// won), so {"token_policies":"admin","TOKEN_POLICIES":"dev"} passed a rule allowing "dev" while
// the backend read "admin". Every key is now checked on its own.
TEST(Acl, ParameterKeysDifferingOnlyInCaseAreEachChecked) {
  auto acl = MustCompile({R"(
    path "auth/userpass/users/*" {
      capabilities = ["create", "update"]
      allowed_parameters = { "password" = [], "token_policies" = ["dev"] }
    }
    path "deny" {
      capabilities = ["update"]
      denied_parameters = { "token_policies" = ["admin"] }
    }
  )"});
  using O = json::object;
  const auto allowed = [&](std::string_view path, O data) {
    return acl->Allowed(path, Operation::kUpdate, data).allowed;
  };
  // The rule does allow dev under either spelling of the key, so a refusal below is the key
  // collision being caught, not the rule refusing everything.
  EXPECT_TRUE(allowed("auth/userpass/users/bob", O{{"token_policies", "dev"}}));
  EXPECT_TRUE(allowed("auth/userpass/users/bob", O{{"TOKEN_POLICIES", "dev"}}));
  EXPECT_FALSE(allowed("auth/userpass/users/bob", O{{"TOKEN_POLICIES", "admin"}}));
  // Both orders: whichever key a map would keep last, the other one is still checked.
  EXPECT_FALSE(allowed("auth/userpass/users/bob",
                       O{{"token_policies", "admin"}, {"TOKEN_POLICIES", "dev"}}));
  EXPECT_FALSE(allowed("auth/userpass/users/bob",
                       O{{"TOKEN_POLICIES", "dev"}, {"token_policies", "admin"}}));
  EXPECT_FALSE(allowed("auth/userpass/users/bob",
                       O{{"token_policies", "dev"}, {"Token_Policies", "admin"}}));
  AclResult r = acl->Allowed("auth/userpass/users/bob", Operation::kUpdate,
                             O{{"token_policies", "admin"}, {"TOKEN_POLICIES", "dev"}});
  EXPECT_NE(r.reason.find("\"token_policies\""), std::string::npos) << r.reason;

  EXPECT_TRUE(allowed("deny", O{{"token_policies", "dev"}, {"TOKEN_POLICIES", "dev"}}));
  EXPECT_FALSE(allowed("deny", O{{"token_policies", "dev"}, {"TOKEN_POLICIES", "admin"}}));
  EXPECT_FALSE(allowed("deny", O{{"token_policies", "admin"}, {"TOKEN_POLICIES", "dev"}}));
}

// A list field reads an array or a comma-separated string as several values: one denied
// element is enough to refuse, and a glob must not let "dev,admin" through as one string.
TEST(Acl, ParameterListValuesAreCheckedElementByElement) {
  auto acl = MustCompile({R"(
    path "deny" {
      capabilities = ["update"]
      denied_parameters = { "policies" = ["admin", "root*"] }
    }
    path "allow" {
      capabilities = ["update"]
      allowed_parameters = { "policies" = ["dev", "ops-*", "a, b"] }
    }
  )"});
  using O = json::object;
  struct Case {
    const char* path;
    json::value value;
    bool allowed;
  } cases[] = {
      {"deny", "dev", true},
      {"deny", json::array{"dev", "ops"}, true},
      {"deny", "dev,ops", true},
      {"deny", "admin", false},
      {"deny", json::array{"admin", "dev"}, false},
      {"deny", json::array{"dev", "admin"}, false},
      {"deny", json::array{"dev", json::array{"rootish"}}, false},
      {"deny", "dev,admin", false},
      {"deny", "dev, admin ", false},
      {"deny", "root-x,dev", false},
      {"deny", json::array{"dev,admin"}, false},
      {"allow", "dev", true},
      {"allow", "ops-1", true},
      {"allow", json::array{"dev", "ops-2"}, true},
      {"allow", "ops-1,ops-2", true},
      {"allow", "a, b", true},          // listed verbatim
      {"allow", "ops-1,admin", false},  // "ops-*" matches the whole string, not "admin"
      {"allow", "ops-x, root", false},
      {"allow", json::array{"dev", "admin"}, false},
      {"allow", json::array{"ops-1,admin"}, false},
      {"allow", "dev,admin", false},
  };
  for (const Case& c : cases) {
    AclResult r = acl->Allowed(c.path, Operation::kUpdate, O{{"policies", c.value}});
    EXPECT_EQ(r.allowed, c.allowed) << c.path << " " << json::serialize(c.value) << " " << r.reason;
  }
}

TEST(Acl, ParametersMergeAcrossPolicies) {
  auto acl = MustCompile({
      R"(path "p" { capabilities = ["update"]
                    allowed_parameters = { "a" = ["1"], "b" = ["x"] }
                    required_parameters = ["a"]
                    min_wrapping_ttl = "5m"
                    max_wrapping_ttl = "1h" })",
      R"(path "p" { capabilities = ["update"]
                    allowed_parameters = { "a" = ["2"], "b" = [], "c" = [] }
                    required_parameters = ["a", "c"]
                    min_wrapping_ttl = "1m"
                    max_wrapping_ttl = "2h" })",
  });
  using O = json::object;
  EXPECT_TRUE(Can(*acl, "p", Operation::kUpdate, O{{"a", "1"}, {"c", 1}}));
  EXPECT_TRUE(Can(*acl, "p", Operation::kUpdate, O{{"a", "2"}, {"c", 1}, {"b", "any"}}));
  EXPECT_FALSE(Can(*acl, "p", Operation::kUpdate, O{{"a", "3"}, {"c", 1}}));
  EXPECT_FALSE(Can(*acl, "p", Operation::kUpdate, O{{"a", "1"}}));  // c now required
  EXPECT_FALSE(Can(*acl, "p", Operation::kUpdate, O{{"a", "1"}, {"c", 1}, {"d", 1}}));
  AclResult r = acl->Allowed("p", Operation::kUpdate, O{{"a", "1"}, {"c", 1}});
  EXPECT_EQ(r.min_wrapping_ttl, seconds(60));
  EXPECT_EQ(r.max_wrapping_ttl, seconds(3600));
}

TEST(Acl, RootPolicyShortCircuits) {
  auto acl = Acl::Compile({RootPolicy()});
  ASSERT_TRUE(acl);
  EXPECT_TRUE((*acl)->is_root());
  AclResult r =
      (*acl)->Allowed("sys/raw/anything", Operation::kDelete, json::object{{"whatever", 1}});
  EXPECT_TRUE(r.allowed);
  EXPECT_TRUE(r.is_root);
  EXPECT_TRUE(r.root_privs);
  EXPECT_EQ(CapabilityNames((*acl)->Capabilities("x")), std::vector<std::string>{"root"});
  EXPECT_EQ(Acl::CapabilityNames((*acl)->Capabilities("x")), std::vector<std::string>{"root"});
}

TEST(Acl, EmptyPolicySetDeniesEverything) {
  auto acl = Acl::Compile({});
  ASSERT_TRUE(acl);
  AclResult r = (*acl)->Allowed("secret/foo", Operation::kRead, {});
  EXPECT_FALSE(r.allowed);
  EXPECT_FALSE(r.reason.empty());
  EXPECT_EQ((*acl)->Capabilities("secret/foo"), 0u);
}

TEST(Acl, DefaultPolicy) {
  auto def = ParsePolicy("default", DefaultPolicyText());
  ASSERT_TRUE(def);
  auto compiled = Acl::Compile({*def});
  ASSERT_TRUE(compiled);
  const Acl& acl = **compiled;
  EXPECT_TRUE(Can(acl, "auth/token/lookup-self", Operation::kRead));
  EXPECT_FALSE(Can(acl, "auth/token/lookup-self", Operation::kUpdate));
  EXPECT_TRUE(Can(acl, "auth/token/renew-self", Operation::kUpdate));
  EXPECT_TRUE(Can(acl, "cubbyhole/my/secret", Operation::kCreate));
  EXPECT_TRUE(Can(acl, "cubbyhole/", Operation::kList));
  EXPECT_TRUE(Can(acl, "sys/tools/hash/sha2-256", Operation::kUpdate));
  EXPECT_TRUE(Can(acl, "identity/oidc/provider/p1/authorize", Operation::kRead));
  EXPECT_FALSE(Can(acl, "secret/foo", Operation::kRead));
  EXPECT_FALSE(Can(acl, "sys/mounts", Operation::kRead));
  EXPECT_FALSE(Can(acl, "auth/token/create", Operation::kUpdate));
}

TEST(Acl, LeadingSlashIgnored) {
  auto acl = MustCompile({R"(path "/secret/a" { capabilities = ["read"] })"});
  EXPECT_TRUE(Can(*acl, "secret/a", Operation::kRead));
  EXPECT_TRUE(Can(*acl, "/secret/a", Operation::kRead));
}

}  // namespace
}  // namespace arca::core::policy
