// sys/policies/password/:name (CRUD, LIST) and sys/policies/password/:name/generate.
#include "core/password_policy.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> PasswordPolicyPaths(Core& core) {
  std::vector<fw::Path> paths;
  PasswordPolicyStore& store = core.password_policies();

  fw::Path list;
  list.pattern = "policies/password/?";
  list.help_synopsis = "List the password policies.";
  list.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto names, store.List());
    return Response::ListResponse(names);
  }, "List password policies."};
  paths.push_back(std::move(list));

  fw::Path generate;
  generate.pattern = "policies/password/(?<name>[^/]+)/generate";
  generate.help_synopsis = "Generate a password from a password policy.";
  generate.fields["name"] = Field(fw::FieldType::kString, "Name of the password policy.");
  generate.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string name = d.GetString("name");
    auto text = store.Get(name);
    if (!text) return std::unexpected(text.error());  // 404 for an unknown policy, as Vault
    ARCA_ASSIGN_OR_RETURN(std::string password, store.Generate(name));
    return Response::WithData({{"password", password}});
  }, "Generate a password."};
  paths.push_back(std::move(generate));

  fw::Path one;
  one.pattern = "policies/password/(?<name>[^/]+)";
  one.help_synopsis = "Read, write or delete a password policy.";
  one.fields["name"] = Field(fw::FieldType::kString, "Name of the password policy.");
  one.fields["policy"] = Field(fw::FieldType::kString, "The policy document (HCL).");
  auto write = [&store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string text = d.GetString("policy");
    if (text.empty()) return InvalidRequest("missing policy");
    ARCA_RETURN_IF_ERROR(store.Put(d.GetString("name"), text));
    return Response{};
  };
  one.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::string text, store.Get(d.GetString("name")));
    return Response::WithData({{"policy", text}});
  }, "Read a password policy."};
  one.operations[Operation::kUpdate] = {write, "Write a password policy."};
  one.operations[Operation::kCreate] = {write, "Write a password policy."};
  one.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(store.Delete(d.GetString("name")));
    return Response{};
  }, "Delete a password policy."};
  paths.push_back(std::move(one));
  return paths;
}

}  // namespace arca::core::sys
