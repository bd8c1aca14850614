// sys/host-info: Vault's sections with figures read from this machine; sudo required.
#include <unistd.h>

#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

class HostInfo : public sys_test::SysTest {};

TEST_F(HostInfo, ReportsThisMachine) {
  auto r = Do(Operation::kRead, "sys/host-info");
  ASSERT_TRUE(r) << r.error().ToString();
  const auto& d = r->data;
  ASSERT_TRUE(d.at("cpu").is_array());
  EXPECT_EQ(d.at("cpu").as_array().size(), static_cast<size_t>(sysconf(_SC_NPROCESSORS_CONF)));
  EXPECT_TRUE(d.at("cpu").as_array()[0].as_object().contains("modelName") ||
              d.at("cpu").as_array()[0].as_object().contains("cpu"));
  const auto& times = d.at("cpu_times").as_array();
  ASSERT_EQ(times.size(), 1u);
  EXPECT_EQ(times[0].as_object().at("cpu").as_string(), "cpu");
  EXPECT_GT(times[0].as_object().at("idle").as_double() + times[0].as_object().at("user").as_double(), 0.0);
  const auto& host = d.at("host").as_object();
  char name[256] = {};
  ASSERT_EQ(gethostname(name, sizeof name - 1), 0);
  EXPECT_EQ(host.at("hostname").as_string(), name);
  EXPECT_EQ(host.at("os").as_string(), "linux");
  EXPECT_GT(host.at("procs").as_int64(), 0);
  const auto& mem = d.at("memory").as_object();
  const uint64_t total = mem.at("total").as_uint64();
  EXPECT_EQ(total, static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE));
  EXPECT_LE(mem.at("available").as_uint64(), total);
  EXPECT_TRUE(d.at("disk").is_array());
  EXPECT_TRUE(d.at("timestamp").as_string().ends_with("Z"));
}

TEST_F(HostInfo, NeedsSudo) {
  std::string plain = TokenWith("hi", "path \"sys/host-info\" { capabilities = [\"read\"] }");
  std::string sudo = TokenWith("hi-sudo", "path \"sys/host-info\" { capabilities = [\"read\", \"sudo\"] }");
  ASSERT_FALSE(plain.empty());
  ASSERT_FALSE(sudo.empty());
  EXPECT_EQ(Code(Operation::kRead, "sys/host-info", {}, plain), 403);
  EXPECT_EQ(Code(Operation::kRead, "sys/host-info", {}, sudo), 200);
  EXPECT_EQ(Code(Operation::kUpdate, "sys/host-info"), 405);
}

}  // namespace
}  // namespace arca::core
