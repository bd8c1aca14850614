#include "common/duration.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace arca {
namespace {

bool ParseUnit(std::string_view unit, double* nanos) {
  if (unit == "ns") *nanos = 1;
  else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") *nanos = 1e3;
  else if (unit == "ms") *nanos = 1e6;
  else if (unit == "s") *nanos = 1e9;
  else if (unit == "m") *nanos = 60e9;
  else if (unit == "h") *nanos = 3600e9;
  else if (unit == "d") *nanos = 86400e9;
  else return false;
  return true;
}

}  // namespace

Result<Seconds> ParseDuration(std::string_view text) {
  // Trim surrounding blanks.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return Seconds(0);
  if (text.front() == '-') return InvalidRequest("invalid duration \"" + std::string(text) + "\": negative");
  if (text.front() == '+') text.remove_prefix(1);

  // Plain integer: seconds.
  bool all_digits = !text.empty();
  for (char c : text) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v > kMaxDuration.count()) {
      return InvalidRequest("invalid duration \"" + std::string(text) + "\": too large");
    }
    return Seconds(v);
  }

  double total_nanos = 0;
  std::string_view rest = text;
  auto bad = [&](const char* why) {
    return InvalidRequest("invalid duration \"" + std::string(text) + "\": " + why);
  };
  while (!rest.empty()) {
    size_t i = 0;
    bool seen_digit = false, seen_dot = false;
    while (i < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.')) {
      if (rest[i] == '.') {
        if (seen_dot) return bad("malformed number");
        seen_dot = true;
      } else {
        seen_digit = true;
      }
      ++i;
    }
    if (!seen_digit) return bad("expected a number");
    // from_chars never throws (std::stod did, on a number out of double's range).
    double value = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + i, value);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(value))) {
      return bad("too large");
    }
    if (ec != std::errc() || ptr != rest.data() + i) return bad("malformed number");
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !std::isdigit(static_cast<unsigned char>(rest[j])) && rest[j] != '.') ++j;
    if (j == 0) return bad("missing unit");
    double unit_nanos = 0;
    if (!ParseUnit(rest.substr(0, j), &unit_nanos)) return bad("unknown unit");
    rest.remove_prefix(j);
    total_nanos += value * unit_nanos;
    if (!std::isfinite(total_nanos) ||
        total_nanos / 1e9 >= static_cast<double>(kMaxDuration.count()) + 1) {
      return bad("too large");
    }
  }
  return Seconds(static_cast<int64_t>(total_nanos / 1e9));
}

Result<Seconds> DurationFromNumber(const json::value& v) {
  auto too_large = [&] {
    return InvalidRequest("invalid duration " + json::serialize(v) + ": too large (at most " +
                          std::to_string(kMaxDuration.count()) + " seconds)");
  };
  if (v.is_int64()) {
    if (v.as_int64() < 0)
      return InvalidRequest("invalid duration " + json::serialize(v) + ": negative");
    if (v.as_int64() > kMaxDuration.count()) return too_large();
    return Seconds(v.as_int64());
  }
  if (v.is_uint64()) {
    if (v.as_uint64() > static_cast<uint64_t>(kMaxDuration.count())) return too_large();
    return Seconds(static_cast<int64_t>(v.as_uint64()));
  }
  if (v.is_double()) {
    const double d = v.as_double();
    if (std::isnan(d)) return InvalidRequest("invalid duration " + json::serialize(v));
    if (d < 0) return InvalidRequest("invalid duration " + json::serialize(v) + ": negative");
    // Compared before the cast: converting an out-of-range double to an integer is undefined.
    if (!(d < static_cast<double>(kMaxDuration.count()) + 1)) return too_large();
    return Seconds(static_cast<int64_t>(d));
  }
  return InvalidRequest("invalid duration " + json::serialize(v) + ": not a number");
}

std::string FormatGoDuration(Seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0) out += std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(sec) + "s";
  else if (m > 0) out += std::to_string(m) + "m" + std::to_string(sec) + "s";
  else out += std::to_string(sec) + "s";
  return out;
}

std::string FormatShortDuration(Seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (sec) out += std::to_string(sec) + "s";
  return out;
}

}  // namespace arca
