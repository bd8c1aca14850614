#include "common/blocking.h"

namespace arca {
namespace {

thread_local const BlockingHooks* t_hooks = nullptr;
thread_local int t_depth = 0;  // nested scopes report once

}  // namespace

void SetThreadBlockingHooks(const BlockingHooks* hooks) { t_hooks = hooks; }

BlockingScope::BlockingScope() : hooks_(t_hooks) {
  if (hooks_ != nullptr && t_depth++ == 0 && hooks_->enter) hooks_->enter(hooks_->ctx);
}

BlockingScope::~BlockingScope() {
  if (hooks_ != nullptr && --t_depth == 0 && hooks_->leave) hooks_->leave(hooks_->ctx);
}

}  // namespace arca
