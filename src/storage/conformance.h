// The storage conformance suite: behaviour every storage::Backend must show. Test-only: include
// it only from *_test.cc files (it needs GoogleTest).
//
// The tests (TEST_P on BackendConformanceTest) are defined in conformance_test.cc. To run them
// against a backend, add one line to any *_test.cc of the storage_test binary:
//
//   INSTANTIATE_TEST_SUITE_P(Mine, BackendConformanceTest,
//                            ::testing::Values(ConformanceParam{"mine", &MakeMine}),
//                            ConformanceParamName);
//
// where MakeMine(scratch_dir) returns a fresh, empty backend. `scratch_dir` is a new empty
// directory per test (removed afterwards) that file-based backends can use; remote backends can
// ignore it but must hand out an empty key space (e.g. a unique prefix) for every call.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/backend.h"
#include "storage/test_util.h"

namespace arca::storage::testing {

struct ConformanceParam {
  std::string name;
  std::function<Result<std::unique_ptr<Backend>>(const std::string& scratch_dir)> make;
};

inline void PrintTo(const ConformanceParam& param, std::ostream* os) { *os << param.name; }

inline std::string ConformanceParamName(const ::testing::TestParamInfo<ConformanceParam>& info) {
  return info.param.name;
}

class BackendConformanceTest : public ::testing::TestWithParam<ConformanceParam> {
 protected:
  void SetUp() override {
    auto made = GetParam().make(dir_.path());
    ASSERT_TRUE(made) << made.error().ToString();
    backend_ = std::move(*made);
  }
  Backend& b() { return *backend_; }

  ScopedTempDir dir_;  // declared first: outlives the backend
  std::unique_ptr<Backend> backend_;
};

}  // namespace arca::storage::testing
