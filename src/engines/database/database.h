// The database secrets engine (Vault's database): connection configurations, dynamic roles
// whose credentials are database users created per read and removed when their lease ends,
// and static roles whose existing user's password Arca rotates.
//
//   config/:name (CRUD, LIST config)   reset/:name   rotate-root/:name
//   roles/:name (CRUD, LIST roles)     creds/:name
//   static-roles/:name (CRUD, LIST)    static-creds/:name   rotate-role/:name
//
// Thread-safety: handlers run concurrently; the plugin of each connection is created once and
// shared (its pool bounds the database connections). No engine lock is held while a database
// is being talked to, so a database that hangs only delays the requests that need it.
#pragma once

#include <memory>

#include "common/status.h"
#include "logical/backend.h"

namespace arca::engines::database {

Result<std::unique_ptr<logical::Backend>> NewDatabaseBackend(const logical::BackendConfig& config);

// User names from Vault's default template: v-<display name>-<role>-<20 random>-<unix time>,
// with `display_len`/`role_len` characters of each, cut to `max_len`. Exposed for tests.
std::string DefaultUsername(std::string_view display_name, std::string_view role, size_t max_len,
                            int64_t unix_time, size_t display_len = 8, size_t role_len = 8);

// Renders a username_template (Vault's Go-template subset: {{.DisplayName}}, {{.RoleName}},
// {{random N}}, {{unix_time}}, {{unix_time_millis}}, {{uuid}}, with "| truncate N",
// "| lowercase", "| uppercase", "| replace \"a\" \"b\"" filters). Errors: InvalidRequest.
Result<std::string> RenderUsernameTemplate(std::string_view tmpl, std::string_view display_name,
                                           std::string_view role, int64_t unix_time_ms);

// A 5-field cron expression (minute hour day-of-month month day-of-week; '*', numbers, lists,
// ranges, steps). Returns the first time after `after` (unix seconds, UTC) it fires.
Result<int64_t> NextCronTime(std::string_view expr, int64_t after);

}  // namespace arca::engines::database
