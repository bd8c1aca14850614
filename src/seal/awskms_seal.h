// The `awskms` seal: the root key is protected by an AWS KMS key, as Vault's awskms seal does it.
// Envelope encryption: Wrap makes a fresh 256-bit data key, encrypts the plaintext with it
// locally (AES-256-GCM, bound to the aad), and has KMS encrypt the data key (Encrypt); Unwrap has
// KMS decrypt the data key (Decrypt; the KMS ciphertext names its key, so blobs made under an
// earlier key id still open while that key is usable) and opens the plaintext. The blob is
// self-describing JSON: docs/formats/seal-awskms.md. Init() and Health() call DescribeKey.
//
// Requests go to KMS's JSON API (POST /, Content-Type application/x-amz-json-1.1, X-Amz-Target
// TrentService.*), signed with AWS Signature Version 4 (seal/sigv4.h).
//
// Options of the `seal "awskms"` stanza, with Vault's names and precedence:
//   kms_key_id   key id, key ARN, alias name or alias ARN; AWSKMS_WRAPPER_KEY_ID or
//                VAULT_AWSKMS_SEAL_KEY_ID (environment) take precedence; required.
//   region       else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region in the shared
//                config file (AWS_CONFIG_FILE or ~/.aws/config), else "us-east-1".
//   endpoint     AWS_KMS_ENDPOINT takes precedence; default https://kms.<region>.amazonaws.com.
//                TLS verifies against the system CAs, or those of the PEM file AWS_CA_BUNDLE.
//   access_key, secret_key, session_token: static credentials (each may be "env://VAR" or
//                "file:///path"); else AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+
//                AWS_SESSION_TOKEN); else the shared credentials file: shared_creds_filename or
//                AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile shared_creds_profile or
//                AWS_PROFILE or "default".
//   disabled     (seal migration) accepted and ignored here.
// Not supported (an error naming the option): role_arn, role_session_name,
// web_identity_token_file, key_not_required; EC2/ECS instance credentials are not looked up.
//
// Errors: an unreachable endpoint, a timeout, HTTP 5xx and KMS throttling are kUnavailable (the
// server retries); KMS errors such as a bad signature, unknown access key, missing or disabled
// key are kInvalidRequest with KMS's error type and message. No secret is logged.
// Thread-safety: safe for concurrent use (each KMS call uses its own connection).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "core/seal/seal_access.h"

namespace arca::seal {

// Looks up an environment variable: nullopt when unset (an empty value counts as unset).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// The process environment (getenv).
EnvLookup ProcessEnv();

// Builds the seal from its stanza's options and the process environment; does not contact KMS.
// Errors (kInvalidRequest) name the option at fault.
Result<std::unique_ptr<core::SealAccess>> NewAwsKmsSeal(
    const std::map<std::string, std::string>& options);
// The same with the environment given (tests).
Result<std::unique_ptr<core::SealAccess>> NewAwsKmsSeal(
    const std::map<std::string, std::string>& options, const EnvLookup& env);

}  // namespace arca::seal
