#include "proto/openai/json_members.h"

#include <gtest/gtest.h>

namespace sluice::proto::json {
namespace {

TEST(JsonMembersTest, ListsTopLevelMembersWithValueSpans) {
  const std::string_view text = R"( {"a" : [1,{"b":"}"}] , "c":"x\"y", "d":-1.5e3,"e":{}} )";
  std::vector<Member> out;
  ASSERT_TRUE(members(text, 1, out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].key, "a");
  EXPECT_EQ(text.substr(out[0].value_begin, out[0].value_end - out[0].value_begin),
            R"([1,{"b":"}"}])");
  EXPECT_EQ(out[1].key, "c");
  EXPECT_EQ(text.substr(out[1].value_begin, out[1].value_end - out[1].value_begin), R"("x\"y")");
  EXPECT_EQ(text.substr(out[2].value_begin, out[2].value_end - out[2].value_begin), "-1.5e3");
  EXPECT_EQ(text.substr(out[3].value_begin, out[3].value_end - out[3].value_begin), "{}");
}

TEST(JsonMembersTest, TellsWhereTheObjectEnds) {
  const std::string_view text = R"(x{"a":{"b":"}"}, "c":1 } ,{})";
  std::vector<Member> out;
  std::size_t end = 0;
  ASSERT_TRUE(members(text, 1, out, &end));
  EXPECT_EQ(text.substr(end), " ,{}");
  ASSERT_TRUE(members(text, text.rfind('{'), out, &end));
  EXPECT_EQ(end, text.size());
}

TEST(JsonMembersTest, EmptyObject) {
  std::vector<Member> out;
  EXPECT_TRUE(members("{ }", 0, out));
  EXPECT_TRUE(out.empty());
}

TEST(JsonMembersTest, RejectsMalformedObjects) {
  for (std::string_view bad :
       {"", "[]", "{", R"({"a")", R"({"a":})", R"({"a":1,})", R"({"a":1 "b":2})", R"({a:1})",
        R"({"a":"unterminated})", R"({"a":[1,2})", R"({"a\":1})"}) {
    std::vector<Member> out;
    EXPECT_FALSE(members(bad, skip_ws(bad, 0), out)) << bad;
  }
}

TEST(JsonMembersTest, KeyEqualsDecodesEscapes) {
  EXPECT_TRUE(key_equals("model", "model"));
  EXPECT_TRUE(key_equals(R"(mod\u0065l)", "model"));
  EXPECT_TRUE(key_equals(R"(\u006D\u006f\u0064\u0065\u006c)", "model"));
  EXPECT_TRUE(key_equals(R"(a\"b\\c\/)", R"(a"b\c/)"));
  EXPECT_FALSE(key_equals(R"(mod\u0065)", "model"));
  EXPECT_FALSE(key_equals(R"(model\u0020)", "model"));
  EXPECT_FALSE(key_equals(R"(mod\u00e9l)", "model"));
  EXPECT_FALSE(key_equals(R"(mod\u00)", "model"));
  EXPECT_FALSE(key_equals(R"(model\)", "model"));
  EXPECT_FALSE(key_equals("Model", "model"));
}

TEST(JsonMembersTest, ApplyEditsInOrder) {
  EXPECT_EQ(apply("abcdef", {{0, 0, "<"}, {1, 3, "X"}, {6, 6, ">"}}), "<aXdef>");
  EXPECT_EQ(apply("abc", {}), "abc");
}

}  // namespace
}  // namespace sluice::proto::json
