#include "admin/admin_api.h"

#include "store/sqlite_storage.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace sluice::admin {
namespace {

using namespace std::chrono_literals;

// A ledger whose report waits, once started, until the test releases it: a report that reads for
// a long time.
class SlowReportLedger : public ports::UsageLedger {
 public:
  ports::StoreStatus append(std::span<const ports::UsageRow>) override { return {}; }
  ports::StoreResult<std::vector<ports::UsageTotals>> totals(ports::UsageGrouping,
                                                             ports::UnixMillis,
                                                             ports::UnixMillis) override {
    started.set_value();
    released_in_time = release.get_future().wait_for(30s) == std::future_status::ready;
    return std::vector<ports::UsageTotals>{};
  }
  ports::StoreResult<std::vector<ports::UsagePeak>> peaks(ports::UnixMillis,
                                                          ports::UnixMillis) override {
    return std::vector<ports::UsagePeak>{};
  }

  std::promise<void> started;
  std::promise<void> release;
  bool released_in_time = false;
};

// Keeps the answer a handler sent.
class RecordingWriter : public net::ResponseWriter {
 public:
  std::optional<bool> send_now(net::Response response) override {
    sent = std::move(response);
    return true;
  }
  boost::asio::awaitable<bool> send_rest() override { co_return false; }
  bool begin_stream(int, net::Headers, std::string) override { return false; }
  boost::asio::awaitable<bool> write(std::string_view) override { co_return false; }
  std::optional<bool> finish_now(std::string_view) override { return false; }
  boost::asio::awaitable<bool> finish_rest() override { co_return false; }
  void abort() override {}
  bool started() const override { return sent.has_value(); }
  bool client_gone() override { return false; }
  boost::asio::awaitable<void> wait_client_gone() override { co_return; }

  std::optional<net::Response> sent;
};

net::Request admin_request(std::string target, net::Headers headers) {
  net::Request request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = std::move(headers);
  return request;
}

TEST(AdminApi, AUsageReportLeavesTheEventLoopFreeWhileItReads) {
  auto keys = store::SqliteStorage::open(":memory:").value();
  SlowReportLedger ledger;
  AdminApi admin{*keys, ledger, "admin-token"};
  net::Request request =
      admin_request("/admin/usage?by=model", {{"authorization", "Bearer admin-token"}});
  RecordingWriter writer;

  boost::asio::io_context loop;  // one event loop, as each of the gateway's is
  auto work = boost::asio::make_work_guard(loop);
  boost::asio::co_spawn(loop, admin.handle(request, writer), boost::asio::detached);
  std::thread loop_thread([&] { loop.run(); });

  ASSERT_EQ(ledger.started.get_future().wait_for(30s), std::future_status::ready);
  // While the report reads, the loop still runs other work (another client's request).
  std::promise<void> other_ran;
  boost::asio::post(loop, [&] { other_ran.set_value(); });
  const auto other_status = other_ran.get_future().wait_for(30s);
  ledger.release.set_value();
  work.reset();
  loop_thread.join();

  EXPECT_EQ(other_status, std::future_status::ready) << "the report held the event loop";
  EXPECT_TRUE(ledger.released_in_time);
  ASSERT_TRUE(writer.sent);
  EXPECT_EQ(writer.sent->status, 200);
  EXPECT_NE(writer.sent->body.find("\"by\":\"model\""), std::string::npos) << writer.sent->body;
}

TEST(AdminApi, AnAnswerComputedOffTheLoopIsSentFromTheLoop) {
  auto keys = store::SqliteStorage::open(":memory:").value();
  SlowReportLedger ledger;
  AdminApi admin{*keys, ledger, "admin-token"};
  net::Request request = admin_request("/admin/keys", {{"x-request-id", "admin-1"}});
  std::optional<std::thread::id> sent_on;
  class ThreadRecordingWriter : public RecordingWriter {
   public:
    explicit ThreadRecordingWriter(std::optional<std::thread::id>& on) : on_(on) {}
    std::optional<bool> send_now(net::Response response) override {
      on_ = std::this_thread::get_id();
      return RecordingWriter::send_now(std::move(response));
    }

   private:
    std::optional<std::thread::id>& on_;
  } writer{sent_on};

  boost::asio::io_context loop;
  boost::asio::co_spawn(loop, admin.handle(request, writer), boost::asio::detached);
  loop.run();  // returns once the answer was sent, on this thread

  ASSERT_TRUE(writer.sent);
  EXPECT_EQ(writer.sent->status, 401);  // no admin token: the answer is still OpenAI-shaped
  EXPECT_EQ(sent_on, std::this_thread::get_id());
  EXPECT_EQ(find_header(writer.sent->headers, "x-request-id"), "admin-1");  // as every answer
}

}  // namespace
}  // namespace sluice::admin
