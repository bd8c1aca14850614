// Tests only: the real-etcd suites run once per transport (gRPC and the JSON gateway). A suite
// is a TEST_P over TransportTest; SetUp sets the transport the helpers of the test file use
// (TestTransport(), TestTransportName() for the `transport` key of a storage config).
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "storage/etcd/etcd_client.h"

namespace arca::storage::etcd {

inline EtcdTransport& TestTransport() {
  static EtcdTransport t = EtcdTransport::kGrpc;
  return t;
}

inline std::string TransportName(EtcdTransport t) {
  return t == EtcdTransport::kGrpc ? "grpc" : "gateway";
}

inline void PrintTo(EtcdTransport t, std::ostream* os) { *os << TransportName(t); }

inline std::string TestTransportName() { return TransportName(TestTransport()); }

class TransportTest : public ::testing::TestWithParam<EtcdTransport> {
 protected:
  void SetUp() override { TestTransport() = GetParam(); }
};

inline std::string TransportParamName(const ::testing::TestParamInfo<EtcdTransport>& info) {
  return TransportName(info.param);
}

}  // namespace arca::storage::etcd

// Declares suite `name` as run over both transports.
#define ARCA_ETCD_TRANSPORT_SUITE(name)                                                      \
  class name : public ::arca::storage::etcd::TransportTest {};                               \
  INSTANTIATE_TEST_SUITE_P(Transports, name,                                                 \
                           ::testing::Values(::arca::storage::etcd::EtcdTransport::kGrpc,    \
                                             ::arca::storage::etcd::EtcdTransport::kGateway), \
                           ::arca::storage::etcd::TransportParamName)
