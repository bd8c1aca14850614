#include <cctype>
#include <cstdio>

#include "engines/database/plugin.h"
#include "engines/database/sql_plugins.h"

namespace arca::engines::database {

std::string ApplyTemplate(std::string_view statement, const StatementValues& values) {
  std::string out;
  size_t i = 0;
  while (i < statement.size()) {
    if (statement.compare(i, 2, "{{") == 0) {
      size_t end = statement.find("}}", i + 2);
      if (end != std::string_view::npos) {
        std::string_view key = statement.substr(i + 2, end - i - 2);
        while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
        while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
        const std::string* value = nullptr;
        if (key == "name" || key == "username") value = &values.username;
        if (key == "password") value = &values.password;
        if (key == "expiration") value = &values.expiration;
        if (value != nullptr) {
          out += *value;
          i = end + 2;
          continue;
        }
      }
    }
    out.push_back(statement[i++]);
  }
  return out;
}

std::vector<std::string> SplitStatements(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  std::string dollar;  // active $tag$ of a PostgreSQL dollar-quoted body
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!dollar.empty()) {
      if (text.compare(i, dollar.size(), dollar) == 0) {
        current += dollar;
        i += dollar.size() - 1;
        dollar.clear();
      } else {
        current.push_back(c);
      }
      continue;
    }
    if (quote != 0) {
      current.push_back(c);
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      current.push_back(c);
      continue;
    }
    if (c == '$') {
      size_t end = text.find('$', i + 1);
      if (end != std::string_view::npos) {
        std::string_view tag = text.substr(i, end - i + 1);
        bool word = true;
        for (char t : tag.substr(1, tag.size() - 2))
          word = word && (std::isalnum(static_cast<unsigned char>(t)) || t == '_');
        if (word) {
          dollar = std::string(tag);
          current += dollar;
          i = end;
          continue;
        }
      }
    }
    if (c == ';') {
      out.push_back(current);
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  out.push_back(current);
  std::vector<std::string> trimmed;
  for (auto& s : out) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) continue;
    size_t e = s.find_last_not_of(" \t\r\n");
    trimmed.push_back(s.substr(b, e - b + 1));
  }
  return trimmed;
}

std::string UrlEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

const std::map<std::string, PluginFactory>& PluginRegistry() {
  static const std::map<std::string, PluginFactory> kPlugins = {
      {"postgresql-database-plugin", [] { return NewPostgresPlugin(); }},
      {"mysql-database-plugin", [] { return NewMysqlPlugin(32); }},
      {"mysql-aurora-database-plugin", [] { return NewMysqlPlugin(32); }},
      {"mysql-rds-database-plugin", [] { return NewMysqlPlugin(32); }},
      {"mysql-legacy-database-plugin", [] { return NewMysqlPlugin(16); }},
  };
  return kPlugins;
}

}  // namespace arca::engines::database
