#include "cli/kv_args.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace arca::cli {
namespace {

class Builder {
 public:
  explicit Builder(std::istream* in) : in_(in) {}

  Status Add(const std::string& raw) {
    if (raw.empty()) return OkStatus();
    size_t eq = raw.find('=');
    if (eq == std::string::npos) {
      if (raw == "-") return AddObject(ReadStdin(), "stdin");
      // "@file": the whole body from a file (JSON object or key=value words), as Vault's CLI.
      if (raw.size() > 1 && raw[0] == '@') return AddObject(ReadFile(raw.substr(1)), raw.substr(1));
      return InvalidRequest("invalid key/value pair \"" + raw + "\": format must be key=value");
    }
    std::string key = raw.substr(0, eq);
    std::string value = raw.substr(eq + 1);
    if (!value.empty()) {
      if (value[0] == '@') {
        ARCA_ASSIGN_OR_RETURN(value, ReadFile(value.substr(1)));
      } else if (value.size() > 1 && value[0] == '\\' && value[1] == '@') {
        value = value.substr(1);
      } else if (value == "-") {
        ARCA_ASSIGN_OR_RETURN(value, ReadStdin());
      }
    }
    Put(key, json::value(json::string(value)));
    return OkStatus();
  }

  json::object Take() { return std::move(result_); }

 private:
  void Put(const std::string& key, json::value value) {
    auto it = result_.find(key);
    if (it == result_.end()) {
      result_[key] = std::move(value);
      return;
    }
    if (!it->value().is_array()) {
      json::array a;
      a.push_back(std::move(it->value()));
      it->value() = std::move(a);
    }
    it->value().as_array().push_back(std::move(value));
  }

  Result<std::string> ReadStdin() {
    if (in_ == nullptr) return InvalidRequest("stdin is not supported");
    if (stdin_used_) return InvalidRequest("stdin already consumed");
    stdin_used_ = true;
    std::ostringstream ss;
    ss << in_->rdbuf();
    return ss.str();
  }

  static Result<std::string> ReadFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return InvalidRequest("error reading file: open " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  // A whole body: a JSON object, or key=value words separated by white space.
  Status AddObject(Result<std::string> read, const std::string& source) {
    ARCA_ASSIGN_OR_RETURN(std::string text, std::move(read));
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return OkStatus();
    if (text[first] == '{') {
      auto obj = ParseJsonObject(text);
      if (!obj) {
        return InvalidRequest("error parsing JSON from " + source + ": " + obj.error().message());
      }
      for (auto& kv : *obj) result_[kv.key()] = std::move(kv.value());
      return OkStatus();
    }
    // key=value words, one pair per whitespace-separated word.
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
      if (word == "-") return InvalidRequest("stdin already consumed");
      ARCA_RETURN_IF_ERROR(Add(word));
    }
    return OkStatus();
  }

  std::istream* in_;
  bool stdin_used_ = false;
  json::object result_;
};

}  // namespace

Result<json::object> ParseKvArgs(const std::vector<std::string>& args, std::istream* in) {
  Builder b(in);
  for (const auto& a : args) ARCA_RETURN_IF_ERROR(b.Add(a));
  return b.Take();
}

}  // namespace arca::cli
