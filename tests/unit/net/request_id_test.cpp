#include "net/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sluice::net {
namespace {

TEST(RequestIdTest, ANewIdIsReqAndTwentyFourLowerCaseHexDigits) {
  std::set<std::string> seen;
  std::set<char> digits;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_request_id();
    ASSERT_EQ(id.size(), 28u);
    ASSERT_EQ(id.substr(0, 4), "req_");
    for (char c : id.substr(4)) {
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
      digits.insert(c);
    }
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(digits.size(), 16u);
}

TEST(RequestIdTest, TheClientsIdIsKeptWhenItIsASaneToken) {
  EXPECT_EQ(request_id_for("abc-123"), "abc-123");
  EXPECT_EQ(request_id_for(std::string(128, 'x')), std::string(128, 'x'));
  for (const std::string& given : {std::string(), std::string(129, 'x'), std::string("a b"),
                                   std::string("a\x7f"), std::string("\xc3\xa9")}) {
    const std::string id = request_id_for(given);
    EXPECT_EQ(id.substr(0, 4), "req_") << given;
    EXPECT_EQ(id.size(), 28u);
  }
}

}  // namespace
}  // namespace sluice::net
