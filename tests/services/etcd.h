// Real etcd clusters for tests: ONE or THREE members of Debian's etcd 3.4 (`etcd` binary) on
// 127.0.0.1, each in its own temporary data directory, removed when the object is destroyed.
//
// etcd's JSON gateway cannot serve on a client port picked by the kernel (it dials its own
// advertised URL, which would read ":0"), and peers must know each other's URLs up front, so
// ports are picked free by FreeTcpPort(); when a member then fails with "address already in use"
// the whole cluster is started again on new ports (up to 3 times).
//
// A cluster that fails to start leaves ok() false and error() saying why (with the members'
// logs); tests treat that as a failure, never a skip. Members die with the test process
// (PR_SET_PDEATHSIG). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace arca::testing {

struct EtcdClusterOptions {
  int members = 1;               // 1 or 3
  size_t max_request_bytes = 0;  // etcd's --max-request-bytes; 0: etcd's default (1.5 MiB)
  // TLS on the client URLs (https://) when cert_file is set; with client_ca_file, etcd requires
  // client certificates signed by it (--client-cert-auth), and the member's certificate must
  // also allow clientAuth (etcd's gateway and the harness's health check present it).
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};

class EtcdCluster {
 public:
  explicit EtcdCluster(EtcdClusterOptions options = {});
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  int size() const { return static_cast<int>(members_.size()); }

  // "http://127.0.0.1:<port>" of member i, and all of them comma-separated (storage `address`).
  std::string ClientUrl(int i) const;
  std::string ClientUrls() const;
  // Index of the member whose client URL is `url`, or -1.
  int IndexOf(const std::string& url) const;

  // SIGKILL (no goodbye to the cluster) or SIGTERM, and reap.
  void Kill(int i);
  void Stop(int i);
  // Starts a stopped member again on the same ports and data directory; true once it reports
  // healthy (for 3 members: the cluster has a leader).
  bool Start(int i);
  bool Running(int i) const;
  // Polls GET /health of member i until {"health":"true"} or the deadline.
  bool WaitHealthy(int i, std::chrono::milliseconds deadline) const;
  // The member's log (for failure messages).
  std::string Log(int i) const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    mutable pid_t pid = -1;  // -1 once reaped
  };
  bool Launch(int i, bool new_cluster);
  bool StartAll();
  void KillAll();

  EtcdClusterOptions options_;
  std::string dir_;
  std::vector<Member> members_;
  bool ok_ = false;
  std::string error_;
};

// One single-member cluster per process (max request size raised to 8 MiB, so that the storage
// conformance suite's 2 MiB values fit), started on first use and stopped at exit.
EtcdCluster& SharedEtcd();

}  // namespace arca::testing
