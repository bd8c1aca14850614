#include "cli/context.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace arca::cli {
namespace {

Result<std::string> ReadHiddenLineFromTerminal() {
  termios old_attrs{};
  bool restore = ::tcgetattr(STDIN_FILENO, &old_attrs) == 0;
  if (restore) {
    termios quiet = old_attrs;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_attrs);
  if (!ok) return InvalidRequest("EOF");
  return line;
}

}  // namespace

CliEnv CliEnv::Process() {
  CliEnv env;
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.stdin_is_terminal = ::isatty(STDIN_FILENO) == 1;
  env.stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  env.make_client = [](const api::ClientConfig& c) { return std::make_unique<api::Client>(c); };
  env.read_hidden_line = ReadHiddenLineFromTerminal;
  return env;
}

Ctx::Ctx(CliEnv& env, std::string command_name, std::string usage)
    : env_(env), name_(std::move(command_name)), usage_(std::move(usage)) {
  for (const char* var : {"ARCA_FORMAT", "VAULT_FORMAT"}) {
    if (auto v = env_.getenv(var); v && !v->empty()) {
      global.format = *v;
      break;
    }
  }
  // Vault's help groups these as "HTTP Options" and "Output Options"; every variable is read
  // as ARCA_<NAME> first, then VAULT_<NAME> (api/client_config.cc).
  flags.Section("HTTP Options");
  flags.String("address", &global.address,
               std::string("The server to talk to. Default: ") + api::kDefaultAddress +
                   ". Environment: VAULT_ADDR (or ARCA_ADDR).");
  flags.String("ca-cert", &global.ca_cert,
               "A PEM file with one CA certificate that the server's TLS certificate must "
               "chain to; wins over -ca-path. Environment: VAULT_CACERT.");
  flags.String("ca-path", &global.ca_path,
               "A directory of PEM CA certificates that the server's TLS certificate must "
               "chain to. Environment: VAULT_CAPATH.");
  flags.String("client-cert", &global.client_cert,
               "A PEM client certificate presented to the server for TLS client "
               "authentication; needs -client-key. Environment: VAULT_CLIENT_CERT.");
  flags.String("client-key", &global.client_key,
               "The PEM private key of -client-cert. Environment: VAULT_CLIENT_KEY.");
  flags.Bool("disable-redirects", &global.disable_redirects,
             "Do not follow a redirect from the server (by default one is followed: a "
             "standby's 307 to the active node). Default: false. Environment: "
             "VAULT_DISABLE_REDIRECTS.");
  flags.StringList("header", &global.headers,
                   "An HTTP header sent with every request, as key=value; repeatable. Names "
                   "starting with X-Vault- are refused.");
  flags.String("namespace", &global.name_space,
               "The namespace of the request. Arca has only the root namespace and refuses "
               "any other. Environment: VAULT_NAMESPACE.");
  flags.String("ns", &global.name_space, "Alias of -namespace.");
  flags.Bool("non-interactive", &global.non_interactive,
             "Never ask for input on the terminal.");
  flags.Bool("output-curl-string", &global.output_curl_string,
             "Print the request as a curl command line instead of sending it.");
  flags.Bool("output-policy", &global.output_policy,
             "Print the HCL policy a token needs for this request instead of sending it.");
  flags.Bool("policy-override", &global.policy_override,
             "Ask the server to override soft-mandatory policy failures (sends "
             "X-Vault-Policy-Override: true).");
  flags.String("tls-server-name", &global.tls_server_name,
               "The host name sent as SNI in the TLS handshake. Environment: "
               "VAULT_TLS_SERVER_NAME.");
  flags.Bool("tls-skip-verify", &global.tls_skip_verify,
             "Do not verify the server's TLS certificate: insecure, for tests only. Default: "
             "false. Environment: VAULT_SKIP_VERIFY.");
  flags.String("wrap-ttl", &global.wrap_ttl,
               "Have the server wrap the response in a single-use token valid for this long "
               "(\"30s\", \"5m\"); read it back with \"unwrap\". Environment: "
               "VAULT_WRAP_TTL.");
  flags.Section("Output Options");
  flags.String("field", &global.field,
               "Print only this field, as is and without a trailing newline (for pipes); "
               "wins over -format.");
  flags.String("format", &global.format,
               "The output format: \"table\", \"json\", \"yaml\" or \"pretty\". "
               "Default: table. Environment: VAULT_FORMAT.");
  // The command's own flags.
  flags.Section("Command Options");
}

std::expected<std::vector<std::string>, int> Ctx::Parse(const std::vector<std::string>& args) {
  auto parsed = flags.Parse(args);
  if (flags.help_requested()) {
    // The command's text with its prose lines wrapped at 80 columns (examples, indented by six
    // spaces, stay as written), then the flags.
    std::string text;
    size_t pos = 0;
    while (pos <= usage_.size()) {
      size_t nl = usage_.find('\n', pos);
      std::string_view line = std::string_view(usage_).substr(
          pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? usage_.size() + 1 : nl + 1;
      if (line.size() > 80 && line.starts_with("  ") && !line.starts_with("      ")) {
        text += WrapWords(line.substr(2), 78, "  ");
      } else {
        text.append(line).append("\n");
      }
    }
    out() << text << "\n" << flags.Usage() << "\n";
    return std::unexpected(0);
  }
  if (!parsed) {
    err() << parsed.error().message() << "\n\n" << usage_ << "\n";
    return std::unexpected(1);
  }
  std::string& f = global.format;
  for (auto& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (f == "yml") f = "yaml";
  if (f != "table" && f != "json" && f != "yaml" && f != "raw" && f != "pretty") {
    err() << "Invalid output format: " << global.format << "\n";
    return std::unexpected(1);
  }
  if (f == "pretty") f = "table";
  return std::move(*parsed);
}

bool Ctx::CheckArgs(const std::vector<std::string>& args, size_t min, size_t max) {
  if (args.size() < min) {
    err() << "Not enough arguments (expected " << min << ", got " << args.size() << ")\n";
    return false;
  }
  if (args.size() > max) {
    err() << "Too many arguments (expected " << max << ", got " << args.size() << ")\n";
    return false;
  }
  return true;
}

api::ClientConfig Ctx::client_config() {
  api::ClientConfig c = api::ClientConfig::FromEnvironment(env_.getenv);
  if (!global.address.empty()) c.address = global.address;
  if (!global.ca_cert.empty()) c.ca_cert = global.ca_cert;
  if (!global.ca_path.empty()) c.ca_path = global.ca_path;
  if (flags.IsSet("disable-redirects")) c.disable_redirects = global.disable_redirects;
  if (global.policy_override) c.headers["X-Vault-Policy-Override"] = "true";
  if (!global.client_cert.empty()) c.client_cert = global.client_cert;
  if (!global.client_key.empty()) c.client_key = global.client_key;
  if (!global.tls_server_name.empty()) c.tls_server_name = global.tls_server_name;
  if (flags.IsSet("tls-skip-verify")) c.tls_skip_verify = global.tls_skip_verify;
  if (!global.wrap_ttl.empty()) c.wrap_ttl = global.wrap_ttl;
  if (flags.IsSet("namespace") || flags.IsSet("ns")) c.name_space = global.name_space;
  for (const auto& h : global.headers) {
    size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    c.headers[h.substr(0, eq)] = h.substr(eq + 1);
  }
  return c;
}

api::Client* Ctx::client() {
  if (client_) return client_.get();
  for (const auto& h : global.headers) {
    if (h.find('=') == std::string::npos || h.front() == '=') {
      err() << "Error initializing client: invalid header \"" << h << "\": expected key=value\n";
      return nullptr;
    }
    // As Vault's CLI: the X-Vault- headers are the client's own (token, wrapping, ...).
    std::string lower = h.substr(0, h.find('='));
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.starts_with("x-vault-")) {
      err() << "Error initializing client: headers starting with \"X-Vault-\" are not allowed: "
            << h.substr(0, h.find('=')) << "\n";
      return nullptr;
    }
  }
  auto config = client_config();
  if (std::string_view ns = config.name_space;
      !ns.empty() && ns != "root" && ns != "root/" && ns != "/") {
    err() << "Error initializing client: namespace \"" << config.name_space
          << "\" is not supported: Arca has only the root namespace (unset -namespace, "
             "ARCA_NAMESPACE and VAULT_NAMESPACE)\n";
    return nullptr;
  }
  if (config.address.find("://") == std::string::npos) {
    err() << "Error initializing client: the address \"" << config.address
          << "\" has no scheme: write it as http://" << config.address << " or https://"
          << config.address << " (from -address, ARCA_ADDR or VAULT_ADDR)\n";
    return nullptr;
  }
  client_ = env_.make_client ? env_.make_client(config) : std::make_unique<api::Client>(config);
  return client_.get();
}

}  // namespace arca::cli
