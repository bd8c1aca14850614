// The JSON envelope of a response as Vault writes it ({request_id, lease_id, renewable,
// lease_duration, data, wrap_info, warnings, auth, mount_type}); used by the HTTP layer and by
// response wrapping, which stores the envelope a client will later unwrap.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "logical/request.h"
#include "logical/response.h"

namespace arca::logical {

// The envelope of `resp` to `req`. With wrap_info set, data and request_id are emptied (Vault).
json::object EncodeEnvelope(const Request& req, const Response& resp);
// json::serialize(EncodeEnvelope(req, resp)), written directly: no envelope object is built
// and resp.data is not copied (this runs for every API response).
std::string SerializeEnvelope(const Request& req, const Response& resp);
// Vault's logical.HTTPAuth shape.
json::object EncodeAuth(const Auth& a);
json::object EncodeWrapInfo(const WrapInfo& w);
// A JSON array of the strings, or null when there are none.
json::value StringsOrNull(const std::vector<std::string>& v);
json::array Strings(const std::vector<std::string>& v);

}  // namespace arca::logical
