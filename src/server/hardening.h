// Process hardening at server start-up: core dumps and same-user inspection, and the directories
// audit files may not be written into.
//
// Thread-safety: call from main before other threads start (prctl applies to the process).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace arca::server {

// Unless `disable_protection` (the disable_core_dump_protection key), marks the process
// non-dumpable (prctl PR_SET_DUMPABLE 0): no core dump, and other processes of the same user
// cannot ptrace it or read /proc/<pid>/mem, environ, fd. Internal error if prctl fails.
// With `disable_protection`, the process is made dumpable again (PR_SET_DUMPABLE 1).
Status ApplyCoreDumpProtection(bool disable_protection);

// The directories no file audit device may write into: the storage backend's `path` (file,
// lmdb), the directory of each configuration path (a directory given with -config is itself
// one) and plugin_directory. Relative paths are made absolute against the working directory.
std::vector<std::string> AuditForbiddenDirs(const config::Config& config,
                                            const std::vector<std::string>& config_paths);

}  // namespace arca::server
