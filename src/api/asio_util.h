// Small pieces shared by the HTTP clients of this module (client.cc, http_pool.cc,
// http_request.cc). Internal to src/api: it includes Boost.Asio.
#pragma once

#include <boost/asio.hpp>
#include <cctype>
#include <string>

namespace arca::api::internal {

// Runs one asynchronous operation to completion on `ioc` and returns its error code.
template <typename Initiate>
boost::system::error_code RunIo(boost::asio::io_context& ioc, Initiate&& initiate) {
  boost::system::error_code result = boost::asio::error::would_block;
  initiate([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

// "Connection refused" -> "connection refused": Go's transport errors start in lower case.
inline std::string LowerFirst(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace arca::api::internal
