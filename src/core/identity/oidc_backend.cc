#include "core/identity/oidc_backend.h"

namespace arca::core::identity {

namespace {

class IdentityTokensBackend : public logical::Backend {
 public:
  IdentityTokensBackend(std::shared_ptr<logical::Backend> inner, std::shared_ptr<OidcContext> ctx)
      : inner_(std::move(inner)), ctx_(std::move(ctx)), special_(inner_->GetSpecialPaths()) {
    for (const char* p : kOidcUnauthenticatedPaths) special_.unauthenticated.emplace_back(p);
  }

  Result<logical::Response> HandleRequest(logical::Request& req) override {
    return inner_->HandleRequest(req);
  }
  Result<logical::ExistenceCheck> HandleExistenceCheck(logical::Request& req) override {
    return inner_->HandleExistenceCheck(req);
  }
  const logical::SpecialPaths& GetSpecialPaths() const override { return special_; }
  void InvalidateKey(std::string_view key) override { inner_->InvalidateKey(key); }
  void Cleanup() override { inner_->Cleanup(); }
  void Periodic(logical::Storage& storage) override {
    inner_->Periodic(storage);
    OidcPeriodic(*ctx_, storage);
  }
  std::string_view Type() const override { return inner_->Type(); }
  logical::BackendKind Kind() const override { return inner_->Kind(); }

 private:
  std::shared_ptr<logical::Backend> inner_;
  std::shared_ptr<OidcContext> ctx_;
  logical::SpecialPaths special_;
};

}  // namespace

std::shared_ptr<logical::Backend> WithIdentityTokens(std::shared_ptr<logical::Backend> inner,
                                                     std::shared_ptr<OidcContext> ctx) {
  return std::make_shared<IdentityTokensBackend>(std::move(inner), std::move(ctx));
}

}  // namespace arca::core::identity
