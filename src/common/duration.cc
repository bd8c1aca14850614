#include "common/duration.h"

#include <cctype>
#include <cmath>
#include <limits>

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
    if (text.size() > 15) return InvalidRequest("invalid duration \"" + std::string(text) + "\": too large");
    int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
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
    double value = std::stod(std::string(rest.substr(0, i)));
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !std::isdigit(static_cast<unsigned char>(rest[j])) && rest[j] != '.') ++j;
    if (j == 0) return bad("missing unit");
    double unit_nanos = 0;
    if (!ParseUnit(rest.substr(0, j), &unit_nanos)) return bad("unknown unit");
    rest.remove_prefix(j);
    total_nanos += value * unit_nanos;
    if (total_nanos > 9.2e18) return bad("too large");
  }
  return Seconds(static_cast<int64_t>(total_nanos / 1e9));
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
