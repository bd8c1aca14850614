#include "seal/factory.h"

#include "seal/awskms_seal.h"
#include "seal/pkcs11_seal.h"
#include "seal/static_seal.h"
#include "seal/transit_seal.h"

namespace arca::seal {

const std::map<std::string, core::SealAccessFactory>& SealFactories() {
  // One line per seal type. Helpers adding a seal (pkcs11, transit, awskms): add your line here,
  // keep the table sorted, nothing else in this file needs to change.
  static const std::map<std::string, core::SealAccessFactory> kFactories = {
      {"awskms", [](const auto& options) { return NewAwsKmsSeal(options); }},
      {"pkcs11", NewPkcs11Seal},
      {"static", NewStaticSeal},
      {"transit", NewTransitSeal},
  };
  return kFactories;
}

Result<std::unique_ptr<core::SealAccess>> NewSeal(const config::SealConfig& config) {
  if (config.type == "shamir") return std::unique_ptr<core::SealAccess>();
  const auto& table = SealFactories();
  auto it = table.find(config.type);
  if (it == table.end()) {
    std::string known;
    for (const auto& [name, f] : table) known += (known.empty() ? "" : ", ") + name;
    return InvalidRequest("seal type \"" + config.type + "\" is not supported by this build "
                          "(supported: shamir, " + known + ")");
  }
  auto seal = it->second(config.options);
  if (!seal) return std::unexpected(seal.error().WithContext("seal \"" + config.type + "\""));
  return seal;
}

}  // namespace arca::seal
