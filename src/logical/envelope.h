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

// The serialized envelope of `resp` to `req`, in Vault's key order. With wrap_info set, data
// and request_id are emptied (Vault); with data_at_top_level, data's keys also follow the
// envelope's (an envelope key wins). Written directly: no envelope object is built and
// resp.data is not copied (this runs for every API response).
std::string SerializeEnvelope(const Request& req, const Response& resp);
// Vault's logical.HTTPAuth shape.
json::object EncodeAuth(const Auth& a);
json::object EncodeWrapInfo(const WrapInfo& w);
// A JSON array of the strings, or null when there are none.
json::value StringsOrNull(const std::vector<std::string>& v);
json::array Strings(const std::vector<std::string>& v);

}  // namespace arca::logical
