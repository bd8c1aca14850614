// crls/:name: certificate revocation lists checked at login (their serial numbers).
#include "auth/cert/internal.h"
#include "auth/cert/x509.h"

namespace arca::auth::cert {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

}  // namespace

fw::Path PathCrls(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "crls/" + fw::GenericNameRegex("name");
  p.help_synopsis = "Manage the CRLs checked during authentication.";
  p.fields["name"] = {.type = fw::FieldType::kString, .description = "The name of the CRL."};
  p.fields["crl"] = {.type = fw::FieldType::kString,
                     .description =
                         "The CRL, PEM or DER encoded. Its expiry is ignored: delete "
                         "a CRL that is no longer valid."};
  p.fields["url"] = {.type = fw::FieldType::kString,
                     .description = "A CRL distribution point (not supported: upload the CRL)."};

  p.operations[Operation::kRead] = {[st](Request& req, fw::FieldData& d) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      const std::string name = Lower(d.GetString("name"));
                                      ARCA_ASSIGN_OR_RETURN(auto crls, LoadCrls(*st, *s));
                                      auto it = crls.find(name);
                                      if (it == crls.end())
                                        return InvalidRequest("no such CRL " + name);
                                      Response r;
                                      if (!it->second.empty()) {
                                        json::object serials;
                                        for (const auto& serial : it->second)
                                          serials[serial] = json::object();
                                        r.data["serials"] = std::move(serials);
                                      }
                                      r.data_even_if_empty = true;
                                      return r;
                                    },
                                    "Read the serial numbers a CRL revokes."};

  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        const std::string name = Lower(d.GetString("name"));
        if (d.Has("crl")) {
          ARCA_ASSIGN_OR_RETURN(auto serials, RevokedSerials(d.GetString("crl")));
          json::object map;
          for (const auto& serial : serials) map[serial] = json::object();
          json::object entry{{"cdp", nullptr}, {"serials", std::move(map)}};
          // The cache is dropped after the write: a login cannot cache the old state after it.
          Status put = logical::PutJson(*s, "crls/" + name, entry);
          st->DropCrls();
          ARCA_RETURN_IF_ERROR(put);
          return Response{};
        }
        if (d.Has("url")) {
          return InvalidRequest(
              "CRL distribution point URLs are not supported by this server: upload the CRL "
              "with the crl parameter");
        }
        return InvalidRequest("one of 'crl' or 'url' must be provided");
      },
      "Store a CRL."};

  p.operations[Operation::kDelete] = {[st](Request& req, fw::FieldData& d) -> Result<Response> {
                                        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                        const std::string name = Lower(d.GetString("name"));
                                        ARCA_ASSIGN_OR_RETURN(auto crls, LoadCrls(*st, *s));
                                        if (crls.find(name) == crls.end())
                                          return InvalidRequest("no such CRL " + name);
                                        Status del = s->Delete("crls/" + name);
                                        st->DropCrls();
                                        ARCA_RETURN_IF_ERROR(del);
                                        return Response{};
                                      },
                                      "Delete a CRL."};
  return p;
}

}  // namespace arca::auth::cert
