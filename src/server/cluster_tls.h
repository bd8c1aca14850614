// The HA cluster's TLS identity: one ECDSA P-256 key and a self-signed certificate (SAN
// DNS:arca-cluster) shared by every node of a cluster. The first active node makes it and stores
// it in the barrier at core/cluster/tls (docs/formats/cluster-tls.md); every unsealed node reads
// it from there. Nodes serve it on the cluster listener and present it as a client: it is its
// own CA, so only holders of the key can take part (mutual TLS, pinned).
//
// Thread-safety: free functions; a ClusterTls is immutable once made (shared as const).
#pragma once

#include <string>
#include <string_view>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::server {

inline constexpr std::string_view kClusterTlsKey = "core/cluster/tls";  // barrier entry
inline constexpr std::string_view kClusterServerName = "arca-cluster";

struct ClusterTls {
  std::string cert_pem;  // the self-signed certificate
  SecureBytes key_pem;   // its private key (PKCS#8 PEM), wiped when freed
};

// A fresh identity: P-256 key, serial random, valid from an hour ago for 30 years, CN and SAN
// arca-cluster, CA:TRUE, key usage digitalSignature+keyCertSign, EKU serverAuth+clientAuth.
Result<ClusterTls> GenerateClusterTls();

// The stored form: JSON {"version":1,"cert_pem":"...","key_pem":"..."} (built in secure
// memory), and back. Decode: InvalidRequest for anything else, or when the key does not match
// the certificate.
SecureBytes EncodeClusterTls(const ClusterTls& tls);
Result<ClusterTls> DecodeClusterTls(std::string_view stored);

}  // namespace arca::server
