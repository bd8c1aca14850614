#include "seal/pkcs11_module.h"

#include <dlfcn.h>

#include <fmt/format.h>

#include <map>
#include <mutex>

namespace arca::seal {
namespace {

struct CkrEntry {
  CK_RV rv;
  const char* name;
  const char* meaning;  // may be null
};

constexpr CkrEntry kCkrNames[] = {
    {CKR_OK, "CKR_OK", nullptr},
    {CKR_CANCEL, "CKR_CANCEL", nullptr},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY", "the library ran out of memory"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID", "no such slot"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR", nullptr},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED", nullptr},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD", "the token refused the mechanism's parameters"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID", nullptr},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID", nullptr},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID", nullptr},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE", "the data is too long for the key"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR", "the device failed"},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY", "the token is out of memory"},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED", "the token was removed"},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID", "the ciphertext is not valid"},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE", "the ciphertext has a wrong length"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID", nullptr},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT", "the key's type does not fit the mechanism"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED",
     "the key may not be used for this operation (CKA_ENCRYPT/CKA_DECRYPT)"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID", "the token does not support the mechanism"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID", "the token refused the mechanism's parameters"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE", nullptr},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED", nullptr},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT", "the PIN is incorrect"},
    {CKR_PIN_INVALID, "CKR_PIN_INVALID", "the PIN has invalid characters"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE", "the PIN is too long or too short"},
    {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED", "the PIN has expired"},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED", "the user PIN is locked"},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED", nullptr},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT", "the token has too many open sessions"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID", nullptr},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT", "no token in the slot"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED", nullptr},
    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED", "the token is read-only"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN", nullptr},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN", nullptr},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED",
     "the token's user PIN is not initialised"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID", nullptr},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL", nullptr},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED", nullptr},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED", nullptr},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED", nullptr},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE", nullptr},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT", nullptr},
};

const CkrEntry* FindCkr(CK_RV rv) {
  for (const auto& e : kCkrNames) {
    if (e.rv == rv) return &e;
  }
  return nullptr;
}

bool IsTransient(CK_RV rv) {
  switch (rv) {
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_MEMORY:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_SESSION_COUNT:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_HOST_MEMORY:
    case CKR_FUNCTION_FAILED:
    case CKR_GENERAL_ERROR:
      return true;
    default:
      return false;
  }
}

std::string TrimBlanks(const unsigned char* p, size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// Loaded libraries by path, with the number of handles given out. The count is kept under the
// mutex (not in a shared_ptr's control block) so that a Load racing with the last release
// either shares the module or initialises it afresh after C_Finalize, never in between.
struct LoadedModule {
  std::unique_ptr<Pkcs11Module> module;
  int users = 0;
};
std::mutex g_modules_mu;
std::map<std::string, LoadedModule>& Modules() {
  static auto* m = new std::map<std::string, LoadedModule>();
  return *m;
}

void Release(const std::string& path) {
  std::lock_guard lock(g_modules_mu);
  auto it = Modules().find(path);
  if (it != Modules().end() && --it->second.users == 0) Modules().erase(it);
}

std::shared_ptr<Pkcs11Module> Share(const std::string& path, LoadedModule& entry) {
  ++entry.users;
  return std::shared_ptr<Pkcs11Module>(entry.module.get(),
                                       [path](Pkcs11Module*) { Release(path); });
}

}  // namespace

std::string CkrName(CK_RV rv) {
  if (const CkrEntry* e = FindCkr(rv)) return e->name;
  return fmt::format("CKR_0x{:x}", rv);
}

Error Pkcs11Error(std::string_view what, CK_RV rv) {
  std::string msg = fmt::format("{}: {}", what, CkrName(rv));
  const CkrEntry* e = FindCkr(rv);
  if (e != nullptr && e->meaning != nullptr) msg += fmt::format(" ({})", e->meaning);
  return Error(IsTransient(rv) ? ErrorKind::kUnavailable : ErrorKind::kInvalidRequest, msg);
}

Result<std::shared_ptr<Pkcs11Module>> Pkcs11Module::Load(const std::string& path) {
  std::lock_guard lock(g_modules_mu);
  auto& modules = Modules();
  if (auto it = modules.find(path); it != modules.end()) return Share(path, it->second);
  if (path.empty()) return InvalidRequest("pkcs11 seal: \"lib\" is required");
  ::dlerror();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = ::dlerror();
    return InvalidRequest(fmt::format("pkcs11 seal: cannot load the PKCS#11 library {}: {}", path,
                                      err != nullptr ? err : "dlopen failed"));
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
  if (get_list == nullptr) {
    ::dlclose(handle);
    return InvalidRequest(fmt::format(
        "pkcs11 seal: {} is not a PKCS#11 library (it has no C_GetFunctionList)", path));
  }
  CK_FUNCTION_LIST* fn = nullptr;
  CK_RV rv = get_list(&fn);
  if (rv != CKR_OK || fn == nullptr) {
    ::dlclose(handle);
    return std::unexpected(Pkcs11Error(fmt::format("pkcs11 seal: C_GetFunctionList of {}", path), rv));
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  rv = fn->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    ::dlclose(handle);
    return std::unexpected(Pkcs11Error(fmt::format("pkcs11 seal: C_Initialize of {}", path), rv));
  }
  std::unique_ptr<Pkcs11Module> module(new Pkcs11Module());
  module->path_ = path;
  module->handle_ = handle;
  module->fn_ = fn;
  // Someone else in this process (another library) initialised it: leave finalising to them.
  module->finalize_ = rv == CKR_OK;
  LoadedModule& entry = modules[path];
  entry.module = std::move(module);
  return Share(path, entry);
}

// Runs under g_modules_mu (from Release). The library stays mapped: some modules do not
// survive being unloaded and loaded again in one process.
Pkcs11Module::~Pkcs11Module() {
  if (fn_ != nullptr && finalize_) fn_->C_Finalize(nullptr);
}

Result<std::vector<CK_SLOT_ID>> Pkcs11Module::SlotsWithToken() const {
  CK_ULONG n = 0;
  CK_RV rv = fn_->C_GetSlotList(CK_TRUE, nullptr, &n);
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetSlotList", rv));
  std::vector<CK_SLOT_ID> slots(n);
  if (n > 0) {
    rv = fn_->C_GetSlotList(CK_TRUE, slots.data(), &n);
    if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetSlotList", rv));
    slots.resize(n);
  }
  return slots;
}

Result<Pkcs11Module::TokenInfo> Pkcs11Module::GetTokenInfo(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  CK_RV rv = fn_->C_GetTokenInfo(slot, &info);
  if (rv != CKR_OK) {
    return std::unexpected(Pkcs11Error(fmt::format("pkcs11 seal: slot {}", slot), rv));
  }
  return TokenInfo{TrimBlanks(info.label, sizeof info.label),
                   TrimBlanks(info.serialNumber, sizeof info.serialNumber)};
}

Result<std::unique_ptr<Pkcs11Session>> Pkcs11Session::Open(std::shared_ptr<Pkcs11Module> module,
                                                           CK_SLOT_ID slot, std::string_view pin) {
  std::unique_ptr<Pkcs11Session> s(new Pkcs11Session());
  s->module_ = std::move(module);
  CK_RV rv = s->fn()->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                    &s->session_);
  if (rv != CKR_OK) {
    s->session_ = CK_INVALID_HANDLE;
    return std::unexpected(
        Pkcs11Error(fmt::format("pkcs11 seal: cannot open a session on slot {}", slot), rv));
  }
  // The PIN is passed as bytes; the library does not keep it.
  rv = s->fn()->C_Login(s->session_, CKU_USER,
                        reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin.data())), pin.size());
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
    return std::unexpected(
        Pkcs11Error(fmt::format("pkcs11 seal: login to the token in slot {} failed", slot), rv));
  }
  return s;
}

Pkcs11Session::~Pkcs11Session() {
  if (session_ != CK_INVALID_HANDLE) fn()->C_CloseSession(session_);
}

Result<std::vector<CK_OBJECT_HANDLE>> Pkcs11Session::Find(std::vector<CK_ATTRIBUTE> attrs,
                                                          size_t max) {
  CK_RV rv = fn()->C_FindObjectsInit(session_, attrs.data(), attrs.size());
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_FindObjectsInit", rv));
  std::vector<CK_OBJECT_HANDLE> found(max);
  CK_ULONG n = 0;
  rv = fn()->C_FindObjects(session_, found.data(), found.size(), &n);
  fn()->C_FindObjectsFinal(session_);
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_FindObjects", rv));
  found.resize(n);
  return found;
}

Result<std::optional<CK_ULONG>> Pkcs11Session::GetUlong(CK_OBJECT_HANDLE object,
                                                         CK_ATTRIBUTE_TYPE type) {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  CK_RV rv = fn()->C_GetAttributeValue(session_, object, &a, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) return std::nullopt;
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetAttributeValue", rv));
  if (a.ulValueLen != sizeof v) return std::nullopt;
  return v;
}

Result<std::optional<std::string>> Pkcs11Session::GetBytes(CK_OBJECT_HANDLE object,
                                                            CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  CK_RV rv = fn()->C_GetAttributeValue(session_, object, &a, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) return std::nullopt;
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetAttributeValue", rv));
  if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
  std::string out(a.ulValueLen, '\0');
  a.pValue = out.data();
  rv = fn()->C_GetAttributeValue(session_, object, &a, 1);
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetAttributeValue", rv));
  out.resize(a.ulValueLen);
  return out;
}

Result<bool> Pkcs11Session::GetBool(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, bool def) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  CK_RV rv = fn()->C_GetAttributeValue(session_, object, &a, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) return def;
  if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetAttributeValue", rv));
  return v == CK_TRUE;
}

}  // namespace arca::seal
