// The storage conformance suite against a real PostgreSQL 15 (tests/services/services.h), each
// test on its own freshly created table.
#include "storage/conformance.h"
#include "storage/postgresql/pg_test_util.h"

namespace arca::storage::testing {
namespace {

namespace pgt = arca::storage::postgresql::testing;

Result<std::unique_ptr<Backend>> MakePostgres(const std::string& /*scratch_dir*/) {
  if (!pgt::Pg().ok()) return Internal("postgres did not start: " + pgt::Pg().error());
  return postgresql::NewPostgresqlBackend(pgt::PgConfig(pgt::FreshTable("conformance")));
}

INSTANTIATE_TEST_SUITE_P(Postgresql, BackendConformanceTest,
                         ::testing::Values(ConformanceParam{"postgresql", &MakePostgres}),
                         ConformanceParamName);

}  // namespace
}  // namespace arca::storage::testing
