// User names (default template, username_template) and cron schedules for static roles.
#include <cctype>
#include <ctime>
#include <set>

#include "common/uuid.h"
#include "crypto/random.h"
#include "engines/database/database.h"

namespace arca::engines::database {
namespace {

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

std::string RandomAlnum(size_t n) {
  std::string bytes = crypto::RandomBytesString(n * 2);
  std::string out;
  for (size_t i = 0; out.size() < n && i < bytes.size(); ++i) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b < 248) out.push_back(kAlnum[b % 62]);  // 248 = 4*62: no modulo bias
  }
  while (out.size() < n) out += RandomAlnum(n - out.size());
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(' ');
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string DefaultUsername(std::string_view display_name, std::string_view role, size_t max_len,
                            int64_t unix_time, size_t display_len, size_t role_len) {
  std::string name = "v-" + std::string(display_name.substr(0, display_len)) + "-" +
                     std::string(role.substr(0, role_len)) + "-" + RandomAlnum(20) + "-" +
                     std::to_string(unix_time);
  if (name.size() > max_len) name.resize(max_len);
  return name;
}

Result<std::string> RenderUsernameTemplate(std::string_view tmpl, std::string_view display_name,
                                           std::string_view role, int64_t unix_time_ms) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find("{{", i);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, open - i));
    size_t close = tmpl.find("}}", open);
    if (close == std::string_view::npos)
      return std::unexpected(InvalidRequest("username_template: unclosed {{"));
    std::string expr(tmpl.substr(open + 2, close - open - 2));
    i = close + 2;
    std::vector<std::string> stages;
    size_t start = 0;
    for (size_t p = 0; p <= expr.size(); ++p) {
      if (p == expr.size() || expr[p] == '|') {
        stages.push_back(Trim(std::string_view(expr).substr(start, p - start)));
        start = p + 1;
      }
    }
    std::string value;
    const std::string& head = stages[0];
    if (head == ".DisplayName") {
      value = std::string(display_name);
    } else if (head == ".RoleName") {
      value = std::string(role);
    } else if (head == "unix_time") {
      value = std::to_string(unix_time_ms / 1000);
    } else if (head == "unix_time_millis") {
      value = std::to_string(unix_time_ms);
    } else if (head == "uuid") {
      value = GenerateUuid();
    } else if (head.starts_with("random ")) {
      int n = std::atoi(head.substr(7).c_str());
      if (n <= 0 || n > 100)
        return std::unexpected(InvalidRequest("username_template: bad random length"));
      value = RandomAlnum(static_cast<size_t>(n));
    } else {
      return std::unexpected(
          InvalidRequest("username_template: unsupported expression \"" + head + "\""));
    }
    for (size_t s = 1; s < stages.size(); ++s) {
      const std::string& f = stages[s];
      if (f.starts_with("truncate ")) {
        int n = std::atoi(f.substr(9).c_str());
        if (n < 0) return std::unexpected(InvalidRequest("username_template: bad truncate length"));
        if (value.size() > static_cast<size_t>(n)) value.resize(static_cast<size_t>(n));
      } else if (f == "lowercase") {
        for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (f == "uppercase") {
        for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else if (f.starts_with("replace ")) {
        // replace "from" "to"
        size_t q1 = f.find('"'), q2 = f.find('"', q1 + 1), q3 = f.find('"', q2 + 1),
               q4 = f.find('"', q3 + 1);
        if (q4 == std::string::npos)
          return std::unexpected(
              InvalidRequest("username_template: replace needs two quoted strings"));
        std::string from = f.substr(q1 + 1, q2 - q1 - 1), to = f.substr(q3 + 1, q4 - q3 - 1);
        if (!from.empty()) {
          std::string r;
          size_t pos = 0;
          for (size_t hit; (hit = value.find(from, pos)) != std::string::npos;
               pos = hit + from.size()) {
            r += value.substr(pos, hit - pos) + to;
          }
          value = r + value.substr(pos);
        }
      } else {
        return std::unexpected(
            InvalidRequest("username_template: unsupported filter \"" + f + "\""));
      }
    }
    out += value;
  }
  if (out.empty())
    return std::unexpected(InvalidRequest("username_template produced an empty name"));
  return out;
}

namespace {

Result<std::set<int>> CronField(std::string_view field, int lo, int hi) {
  std::set<int> out;
  size_t start = 0;
  std::string f(field);
  for (size_t p = 0; p <= f.size(); ++p) {
    if (p != f.size() && f[p] != ',') continue;
    std::string part = f.substr(start, p - start);
    start = p + 1;
    int step = 1;
    if (size_t slash = part.find('/'); slash != std::string::npos) {
      step = std::atoi(part.substr(slash + 1).c_str());
      part = part.substr(0, slash);
      if (step <= 0) return std::unexpected(InvalidRequest("invalid cron step"));
    }
    int a = lo, b = hi;
    if (part != "*") {
      size_t dash = part.find('-');
      if (part.empty() || part.find_first_not_of("0123456789-") != std::string::npos) {
        return std::unexpected(InvalidRequest("invalid cron field \"" + std::string(field) + "\""));
      }
      a = std::atoi(part.substr(0, dash).c_str());
      b = dash == std::string::npos ? a : std::atoi(part.substr(dash + 1).c_str());
      if (dash == std::string::npos && step > 1) b = hi;
    }
    if (a < lo || b > hi || a > b)
      return std::unexpected(
          InvalidRequest("cron value out of range in \"" + std::string(field) + "\""));
    for (int v = a; v <= b; v += step) out.insert(v);
  }
  return out;
}

}  // namespace

Result<int64_t> NextCronTime(std::string_view expr, int64_t after) {
  std::vector<std::string> fields;
  std::string cur;
  for (char c : expr) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) fields.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) fields.push_back(cur);
  if (fields.size() != 5)
    return std::unexpected(
        InvalidRequest("rotation_schedule must have 5 fields (minute hour day month weekday)"));
  ARCA_ASSIGN_OR_RETURN(auto minutes, CronField(fields[0], 0, 59));
  ARCA_ASSIGN_OR_RETURN(auto hours, CronField(fields[1], 0, 23));
  ARCA_ASSIGN_OR_RETURN(auto days, CronField(fields[2], 1, 31));
  ARCA_ASSIGN_OR_RETURN(auto months, CronField(fields[3], 1, 12));
  ARCA_ASSIGN_OR_RETURN(auto weekdays, CronField(fields[4], 0, 7));
  if (weekdays.contains(7)) weekdays.insert(0);
  const bool dom_any = fields[2] == "*", dow_any = fields[4] == "*";
  int64_t t = (after / 60 + 1) * 60;
  for (int i = 0; i < 366 * 24 * 60; ++i, t += 60) {
    std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    if (!minutes.contains(tm.tm_min) || !hours.contains(tm.tm_hour) ||
        !months.contains(tm.tm_mon + 1))
      continue;
    bool dom = days.contains(tm.tm_mday), dow = weekdays.contains(tm.tm_wday);
    bool day_ok = (dom_any || dow_any) ? (dom && dow) : (dom || dow);
    if (day_ok) return t;
  }
  return std::unexpected(InvalidRequest("rotation_schedule never fires"));
}

}  // namespace arca::engines::database
