// The database engine's Backend: assembles the path groups on the framework.
#include "engines/database/engine.h"

namespace arca::engines::database {
namespace internal {
namespace {

class DatabaseBackend : public logical::Backend {
 public:
  explicit DatabaseBackend(const logical::BackendConfig& config) : engine_(config.system) {}
  Status Init() {
    logical::framework::FrameworkBackend::Options o;
    o.type = "database";
    for (auto* group : {&ConfigPaths, &RolePaths, &StaticPaths}) {
      for (auto& p : (*group)(engine_)) o.paths.push_back(std::move(p));
    }
    o.secrets = {{"creds", CredsSecret(engine_)}};
    o.periodic = [this](logical::Storage& s) { RotateDue(engine_, s); };
    o.help =
        "The database secrets engine creates database users on demand and rotates static ones.";
    ARCA_ASSIGN_OR_RETURN(framework_, logical::framework::FrameworkBackend::Create(std::move(o)));
    return {};
  }
  Result<Response> HandleRequest(Request& req) override { return framework_->HandleRequest(req); }
  Result<logical::ExistenceCheck> HandleExistenceCheck(Request& req) override {
    return framework_->HandleExistenceCheck(req);
  }
  const logical::SpecialPaths& GetSpecialPaths() const override {
    return framework_->GetSpecialPaths();
  }
  void Cleanup() override { framework_->Cleanup(); }
  void Periodic(logical::Storage& s) override { framework_->Periodic(s); }
  std::string_view Type() const override { return "database"; }
  logical::BackendKind Kind() const override { return logical::BackendKind::kLogical; }

 private:
  Engine engine_;
  std::unique_ptr<logical::framework::FrameworkBackend> framework_;
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<logical::Backend>> NewDatabaseBackend(const logical::BackendConfig& config) {
  auto b = std::make_unique<internal::DatabaseBackend>(config);
  ARCA_RETURN_IF_ERROR(b->Init());
  return std::unique_ptr<logical::Backend>(std::move(b));
}

}  // namespace arca::engines::database
