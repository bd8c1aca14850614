#include "core/token/token_store.h"

#include <gtest/gtest.h>

#include "logical/storage.h"

namespace arca::core {
namespace {

TEST(TokenStore, RootTokenLookupCacheAndReset) {
  logical::InmemStorage view;
  TokenStore store(view);
  ASSERT_TRUE(store.Setup());
  auto token = store.CreateRootToken();
  ASSERT_TRUE(token);
  EXPECT_TRUE(token->starts_with("hvs."));
  EXPECT_EQ(token->size(), 4u + 36u);

  // Nothing in storage holds the token itself.
  std::vector<std::string> stack{""};
  while (!stack.empty()) {
    std::string dir = stack.back();
    stack.pop_back();
    auto keys = view.List(dir);
    ASSERT_TRUE(keys);
    for (const auto& k : *keys) {
      EXPECT_EQ(k.find(token->substr(4)), std::string::npos);
      if (k.back() == '/') {
        stack.push_back(dir + k);
      } else {
        EXPECT_EQ((**view.Get(dir + k)).find(token->substr(4)), std::string::npos);
      }
    }
  }

  auto a = store.Lookup(*token);
  auto b = store.Lookup(*token);
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(a->get(), b->get());  // second lookup served from the cache
  EXPECT_TRUE((*a)->IsRoot());
  auto by_accessor = store.LookupByAccessor((*a)->accessor);
  ASSERT_TRUE(by_accessor && *by_accessor);
  EXPECT_EQ((*by_accessor)->id_hash, (*a)->id_hash);

  // A token that differs in one character is unknown.
  std::string other = *token;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(*store.Lookup(other));
  EXPECT_FALSE(*store.Lookup(""));
  EXPECT_FALSE(*store.LookupByAccessor("nope"));

  // Reset (seal) forgets everything; Setup reloads the same salt and finds the token again.
  store.Reset();
  auto sealed = store.Lookup(*token);
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().kind(), ErrorKind::kSealed);
  ASSERT_TRUE(store.Setup());
  auto again = store.Lookup(*token);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->id_hash, (*a)->id_hash);
}

TEST(TokenStore, ChosenRootTokenId) {
  logical::InmemStorage view;
  TokenStore store(view);
  ASSERT_TRUE(store.Setup());
  ASSERT_EQ(*store.CreateRootToken("dev-root"), "dev-root");
  EXPECT_TRUE(*store.Lookup("dev-root"));
  EXPECT_NE(TokenStore::GenerateToken(), TokenStore::GenerateToken());
}

}  // namespace
}  // namespace arca::core
