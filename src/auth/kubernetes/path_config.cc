// config: where the Kubernetes API is and how JWTs are checked.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/kubernetes/internal.h"
#include "crypto/jwt.h"

namespace arca::auth::kubernetes {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

// Whether `pem` holds at least one X.509 certificate, and nothing that fails to parse as one.
bool HasCertificates(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return false;
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  // The loop ends at the end of the data (PEM_R_NO_START_LINE) or at a block that is broken.
  unsigned long err = ERR_peek_last_error();
  bool clean_end =
      err == 0 || (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  return count > 0 && clean_end;
}

fw::FieldSchema Field(fw::FieldType t, const char* desc, json::value def = nullptr) {
  return fw::FieldSchema{.type = t, .description = desc, .default_value = std::move(def)};
}

}  // namespace

fw::Path ConfigPath(std::shared_ptr<State> st) {
  using fw::FieldType;
  fw::Path p;
  p.pattern = "config";
  p.help_synopsis = "Configures the JWT public keys and the Kubernetes API information.";
  p.fields["kubernetes_host"] = Field(
      FieldType::kString,
      "Host must be a host string, a host:port pair, or a URL to the base of the Kubernetes API "
      "server.");
  p.fields["kubernetes_ca_cert"] = Field(
      FieldType::kString, "PEM encoded CA certificate(s) to verify the Kubernetes API server.");
  p.fields["token_reviewer_jwt"] =
      Field(FieldType::kString,
            "A service account JWT used as bearer token for the TokenReview API. If not set, the "
            "pod's own token or else the JWT given at login is used.");
  p.fields["pem_keys"] =
      Field(FieldType::kCommaStringSlice,
            "PEM public keys or certificates that verify the signatures of service account JWTs.");
  p.fields["issuer"] = Field(FieldType::kString, "JWT issuer to check (deprecated).");
  p.fields["disable_iss_validation"] =
      Field(FieldType::kBool, "Disable JWT issuer validation (deprecated).", true);
  p.fields["disable_local_ca_jwt"] =
      Field(FieldType::kBool, "Do not use the pod's local CA certificate and service account JWT.",
            false);
  p.fields["use_annotations_as_alias_metadata"] = Field(
      FieldType::kBool, "Service account annotations as alias metadata (not supported).", false);
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto c, LoadConfig(*s));
        if (!c) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        return Response::WithData(json::object{
            {"kubernetes_host", c->kubernetes_host},
            {"kubernetes_ca_cert", c->kubernetes_ca_cert},
            {"pem_keys", ToJsonArray(c->pem_keys)},
            {"issuer", c->issuer},
            {"disable_iss_validation", c->disable_iss_validation},
            {"disable_local_ca_jwt", c->disable_local_ca_jwt},
            {"token_reviewer_jwt_set", !c->token_reviewer_jwt.empty()},
            {"use_annotations_as_alias_metadata", false},
        });
      },
      "Read the configuration (without the reviewer JWT)."};
  p.operations[Operation::kUpdate] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        // A write replaces the whole configuration, as Vault's does.
        Config c;
        c.kubernetes_host = d.GetString("kubernetes_host");
        if (c.kubernetes_host.empty()) return InvalidRequest("no host provided");
        ARCA_RETURN_IF_ERROR(ApiBaseUrl(c.kubernetes_host));
        c.kubernetes_ca_cert = d.GetString("kubernetes_ca_cert");
        if (!c.kubernetes_ca_cert.empty() && !HasCertificates(c.kubernetes_ca_cert)) {
          return InvalidRequest("The provided CA PEM data contains no valid certificates");
        }
        c.token_reviewer_jwt = d.GetString("token_reviewer_jwt");
        for (std::string& pem : d.GetStringSlice("pem_keys")) {
          if (!crypto::ParsePemKeys(pem)) {
            return InvalidRequest("data does not contain any valid RSA or ECDSA public keys");
          }
          c.pem_keys.push_back(std::move(pem));
        }
        c.issuer = d.GetString("issuer");
        c.disable_iss_validation = d.GetBool("disable_iss_validation");
        c.disable_local_ca_jwt = d.GetBool("disable_local_ca_jwt");
        if (d.GetBool("use_annotations_as_alias_metadata")) {
          return InvalidRequest("use_annotations_as_alias_metadata is not supported");
        }
        ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kConfigKey, c.ToJson()));
        return Response{};
      },
      "Configure the method."};
  return p;
}

}  // namespace arca::auth::kubernetes
