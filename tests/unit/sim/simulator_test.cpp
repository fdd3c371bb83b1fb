#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <thread>

namespace sluice::sim {
namespace {

using std::chrono::seconds;

SimConfig two_accounts() {
  SimConfig c;
  c.seed = 5;
  c.answer.min_tokens = 10;
  c.answer.max_tokens = 20;
  c.accounts = make_accounts(2, {{"qwen3-max", {.rpm = 2}}, {"qwen-plus", {}}});
  return c;
}

TEST(Simulator, FindsAccountsByKeyAndModelsByName) {
  core::ManualClock clock;
  Simulator sim(two_accounts(), clock);
  EXPECT_EQ(sim.find_account("sim-1"), 1u);
  EXPECT_EQ(sim.find_account("sim-9"), std::nullopt);
  EXPECT_EQ(sim.find_model(0, "qwen-plus"), 1u);
  EXPECT_EQ(sim.find_model(0, "gpt-4"), std::nullopt);
  EXPECT_EQ(sim.model_names(std::nullopt), (std::vector<std::string>{"qwen3-max", "qwen-plus"}));
}

TEST(Simulator, LimitsArePerAccount) {
  core::ManualClock clock;
  Simulator sim(two_accounts(), clock);
  EXPECT_TRUE(sim.admit(0, 0, 1, std::nullopt).admitted());
  EXPECT_TRUE(sim.admit(0, 0, 1, std::nullopt).admitted());
  Decision d = sim.admit(0, 0, 1, std::nullopt);
  EXPECT_EQ(d.refusal, Refusal::Rpm);
  EXPECT_EQ(d.retry_after, seconds(60));
  EXPECT_TRUE(sim.admit(1, 0, 1, std::nullopt).admitted());
  EXPECT_TRUE(sim.admit(0, 1, 1, std::nullopt).admitted());  // another model of the account
}

TEST(Simulator, AnswerLengthIsSeededAndCappedByMaxTokens) {
  core::ManualClock clock;
  Simulator a(two_accounts(), clock);
  Simulator b(two_accounts(), clock);
  for (int i = 0; i < 20; ++i) {
    Decision da = a.admit(0, 1, 1, std::nullopt);
    Decision db = b.admit(0, 1, 1, std::nullopt);
    EXPECT_EQ(da.answer_tokens, db.answer_tokens);
    EXPECT_GE(da.answer_tokens, 10u);
    EXPECT_LE(da.answer_tokens, 20u);
  }
  Decision capped = a.admit(0, 1, 1, 3);
  EXPECT_EQ(capped.answer_tokens, 3u);
  EXPECT_TRUE(capped.truncated);
}

TEST(Simulator, FaultsFollowTheirProbabilities) {
  core::ManualClock clock;
  SimConfig c = two_accounts();
  c.accounts[0].faults[Fault::Reset] = 1.0;
  c.accounts[1].faults[Fault::Hang] = 0.5;
  Simulator sim(c, clock);
  EXPECT_EQ(sim.admit(0, 1, 1, std::nullopt).fault, Fault::Reset);
  int hangs = 0;
  for (int i = 0; i < 1000; ++i) hangs += sim.admit(1, 1, 1, std::nullopt).fault == Fault::Hang;
  EXPECT_GT(hangs, 400);
  EXPECT_LT(hangs, 600);
}

TEST(Simulator, RateSnapshotOnlyWhenTheAccountSendsHeaders) {
  core::ManualClock clock;
  SimConfig c = two_accounts();
  c.accounts[1].ratelimit_headers = true;
  Simulator sim(c, clock);
  EXPECT_FALSE(sim.admit(0, 0, 1, std::nullopt).rate.has_value());
  Decision d = sim.admit(1, 0, 1, std::nullopt);
  ASSERT_TRUE(d.rate.has_value());
  EXPECT_EQ(d.rate->limit_requests, 2u);
  EXPECT_EQ(d.rate->remaining_requests, 1u);
}

TEST(Simulator, StatsCountEveryOutcomeAndResetClearsThem) {
  core::ManualClock clock;
  Simulator sim(two_accounts(), clock);
  sim.admit(0, 0, 7, std::nullopt);
  sim.finish(0, 0, 12, Fault::StreamCut);
  sim.admit(0, 0, 7, std::nullopt);
  sim.admit(0, 0, 7, std::nullopt);  // refused: rpm
  sim.count_unauthorized();
  sim.count_bad_request(1);
  sim.count_model_not_found(1);
  std::string stats = sim.stats_json();
  EXPECT_EQ(stats,
            R"({"unauthorized":1,"accounts":{"sim-0":{"in_flight":1,"bad_request":0,)"
            R"("model_not_found":0,"models":{"qwen3-max":{"accepted":2,"refused":{"rpm":1,)"
            R"("rps":0,"tpm":0,"burst":0,"concurrency":0,"free_quota":0,"total":1},)"
            R"("prompt_tokens":14,"completion_tokens":12,"faults":{"error_5xx":0,"reset":0,)"
            R"("hang":0,"slow_first_byte":0,"stream_cut":1},"window":{"requests":2,"tokens":26}},)"
            R"("qwen-plus":{"accepted":0,"refused":{"rpm":0,"rps":0,"tpm":0,"burst":0,)"
            R"("concurrency":0,"free_quota":0,"total":0},"prompt_tokens":0,"completion_tokens":0,)"
            R"("faults":{"error_5xx":0,"reset":0,"hang":0,"slow_first_byte":0,"stream_cut":0},)"
            R"("window":{"requests":0,"tokens":0}}}},"sim-1":{"in_flight":0,"bad_request":1,)"
            R"("model_not_found":1,"models":{"qwen3-max":{"accepted":0,"refused":{"rpm":0,)"
            R"("rps":0,"tpm":0,"burst":0,"concurrency":0,"free_quota":0,"total":0},)"
            R"("prompt_tokens":0,"completion_tokens":0,"faults":{"error_5xx":0,"reset":0,)"
            R"("hang":0,"slow_first_byte":0,"stream_cut":0},"window":{"requests":0,"tokens":0}},)"
            R"("qwen-plus":{"accepted":0,"refused":{"rpm":0,"rps":0,"tpm":0,"burst":0,)"
            R"("concurrency":0,"free_quota":0,"total":0},"prompt_tokens":0,"completion_tokens":0,)"
            R"("faults":{"error_5xx":0,"reset":0,"hang":0,"slow_first_byte":0,"stream_cut":0},)"
            R"("window":{"requests":0,"tokens":0}}}}}})");
  sim.reset();
  EXPECT_TRUE(sim.admit(0, 0, 7, std::nullopt).admitted());
  EXPECT_NE(sim.stats_json().find(R"("unauthorized":0)"), std::string::npos);
}

TEST(Simulator, CountersAreExactUnderConcurrency) {
  core::ManualClock clock;
  SimConfig c = two_accounts();
  c.accounts[0].models[0].limits.rpm = 1000;
  Simulator sim(c, clock);
  std::vector<std::thread> threads;
  std::atomic<int> admitted{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (sim.admit(0, 0, 1, std::nullopt).admitted()) {
          ++admitted;
          sim.finish(0, 0, 1, Fault::None);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1000);
  EXPECT_NE(sim.stats_json().find(R"("accepted":1000,"refused":{"rpm":1000,)"), std::string::npos);
}

TEST(Simulator, RequestIdsAreUnique) {
  core::ManualClock clock;
  Simulator sim(two_accounts(), clock);
  std::string a = sim.next_request_id();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_NE(a, sim.next_request_id());
}

}  // namespace
}  // namespace sluice::sim
