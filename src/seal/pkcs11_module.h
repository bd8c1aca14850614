// A PKCS#11 module (an HSM's client library) loaded with dlopen, and RAII sessions on one of its
// tokens. Internal to the pkcs11 seal (src/seal/pkcs11_seal.cc) and its tests; it includes the
// PKCS#11 header (p11-kit's), so other modules should not include it.
//
// A library is loaded and C_Initialize'd once per process however many seals use it (PKCS#11
// allows one C_Initialize per process): Load() hands out a shared handle, and the last handle to
// go calls C_Finalize. The module is initialised with CKF_OS_LOCKING_OK, so its functions may be
// called from any thread.
//
// Thread-safety: Pkcs11Module is safe for concurrent use; a Pkcs11Session is used by one thread
// at a time.
#pragma once

#include <p11-kit/pkcs11.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::seal {

// "CKR_PIN_INCORRECT" for CKR_PIN_INCORRECT, "CKR_0x..." for a value without a name.
std::string CkrName(CK_RV rv);

// An error for a failed call: "<what>: CKR_..." with an explanation for the common codes. The
// kind is kUnavailable for codes that mean the device is absent or not answering (retry later)
// and kInvalidRequest for the rest (a configuration or data problem).
Error Pkcs11Error(std::string_view what, CK_RV rv);

class Pkcs11Module {
 public:
  // Loads the library at `path` (or shares the one already loaded from that path) and
  // initialises it. Errors: kInvalidRequest naming the library when it cannot be loaded or has
  // no C_GetFunctionList; Pkcs11Error when C_Initialize fails.
  static Result<std::shared_ptr<Pkcs11Module>> Load(const std::string& path);
  ~Pkcs11Module();
  Pkcs11Module(const Pkcs11Module&) = delete;
  Pkcs11Module& operator=(const Pkcs11Module&) = delete;

  CK_FUNCTION_LIST* fn() const { return fn_; }
  const std::string& path() const { return path_; }

  // The slots that have a token.
  Result<std::vector<CK_SLOT_ID>> SlotsWithToken() const;
  // The token's label and serial number (trailing blanks removed). kUnavailable when the slot
  // has no token, kInvalidRequest for an unknown slot.
  struct TokenInfo {
    std::string label;
    std::string serial;
  };
  Result<TokenInfo> GetTokenInfo(CK_SLOT_ID slot) const;

 private:
  Pkcs11Module() = default;
  std::string path_;
  void* handle_ = nullptr;
  CK_FUNCTION_LIST* fn_ = nullptr;
  bool finalize_ = false;  // we called C_Initialize, so we call C_Finalize
};

// A read-write session on a token, logged in as the user; closed by the destructor.
class Pkcs11Session {
 public:
  // Opens a session on `slot` and logs in with `pin` (an already logged-in token is fine).
  // Errors: Pkcs11Error; CKR_PIN_INCORRECT says that the PIN is wrong.
  static Result<std::unique_ptr<Pkcs11Session>> Open(std::shared_ptr<Pkcs11Module> module,
                                                     CK_SLOT_ID slot, std::string_view pin);
  ~Pkcs11Session();
  Pkcs11Session(const Pkcs11Session&) = delete;
  Pkcs11Session& operator=(const Pkcs11Session&) = delete;

  CK_SESSION_HANDLE handle() const { return session_; }
  CK_FUNCTION_LIST* fn() const { return module_->fn(); }

  // The handles of the objects matching `attrs` (at most `max`).
  Result<std::vector<CK_OBJECT_HANDLE>> Find(std::vector<CK_ATTRIBUTE> attrs, size_t max = 16);
  // A CK_ULONG attribute (CKA_CLASS, CKA_KEY_TYPE, ...); nullopt when the object has none.
  Result<std::optional<CK_ULONG>> GetUlong(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  // A byte-string attribute (CKA_LABEL, CKA_ID); nullopt when the object has none.
  Result<std::optional<std::string>> GetBytes(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  // A CK_BBOOL attribute; `def` when the object has none.
  Result<bool> GetBool(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, bool def);

 private:
  Pkcs11Session() = default;
  std::shared_ptr<Pkcs11Module> module_;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

}  // namespace arca::seal
