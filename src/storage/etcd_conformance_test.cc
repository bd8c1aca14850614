// The storage conformance suite against a real etcd (one member started by the test harness,
// tests/services/etcd.h), each test in its own key prefix.
#include <unistd.h>

#include <atomic>

#include "services/etcd.h"
#include "storage/conformance.h"
#include "storage/etcd/etcd_backend.h"

namespace arca::storage::testing {
namespace {

// Over both transports: gRPC (the default) and the JSON gateway.
Result<std::unique_ptr<Backend>> MakeEtcdOver(etcd::EtcdTransport transport) {
  arca::testing::EtcdCluster& etcd = arca::testing::SharedEtcd();
  if (!etcd.ok()) return Internal("etcd did not start: " + etcd.error());
  static std::atomic<int> counter = 0;
  etcd::EtcdBackendOptions options;
  options.client.endpoints = {etcd.ClientUrl(0)};
  options.transport = transport;
  options.path = "/conformance/" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter.fetch_add(1)) + "/";
  return etcd::NewEtcdBackend(options);
}

Result<std::unique_ptr<Backend>> MakeEtcdGrpc(const std::string& /*scratch_dir*/) {
  return MakeEtcdOver(etcd::EtcdTransport::kGrpc);
}

Result<std::unique_ptr<Backend>> MakeEtcdGateway(const std::string& /*scratch_dir*/) {
  return MakeEtcdOver(etcd::EtcdTransport::kGateway);
}

INSTANTIATE_TEST_SUITE_P(Etcd, BackendConformanceTest,
                         ::testing::Values(ConformanceParam{"etcd_grpc", &MakeEtcdGrpc},
                                           ConformanceParam{"etcd_gateway", &MakeEtcdGateway}),
                         ConformanceParamName);

}  // namespace
}  // namespace arca::storage::testing
