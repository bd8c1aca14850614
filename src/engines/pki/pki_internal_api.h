#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include "common/status.h"
#include "logical/storage.h"
namespace arca::pki {
struct IssuedCertificate {
  std::string serial_number;
  std::string certificate_pem;
  std::vector<std::string> ca_chain_pem;
  int64_t expiration;
};
class PkiInternal {
 public:
  virtual ~PkiInternal() = default;
  virtual Result<IssuedCertificate> SignCsr(logical::Storage& s, std::string_view issuer_ref,
      std::string_view role, std::span<const uint8_t> csr_der, std::optional<std::chrono::seconds> ttl) = 0;
  virtual Status Revoke(logical::Storage& s, std::string_view serial_number) = 0;
  virtual Result<std::string> CertificatePem(logical::Storage& s, std::string_view serial_number) = 0;
};
}
