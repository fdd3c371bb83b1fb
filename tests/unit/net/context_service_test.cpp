#include "net/context_service.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <cstddef>
#include <new>
#include <thread>

namespace sluice::net {
namespace {

// A service that says which construction it was.
class Numbered final : public boost::asio::execution_context::service {
 public:
  using key_type = Numbered;
  static inline boost::asio::execution_context::id id;
  static inline int made = 0;
  explicit Numbered(boost::asio::execution_context& context) : service(context), number(++made) {}
  const int number;

 private:
  void shutdown() override {}
};

TEST(CachedService, IsTheContextsOwnService) {
  boost::asio::io_context first;
  boost::asio::io_context second;
  EXPECT_EQ(&cached_service<Numbered>(first), &boost::asio::use_service<Numbered>(first));
  EXPECT_EQ(&cached_service<Numbered>(second), &boost::asio::use_service<Numbered>(second));
  EXPECT_EQ(&cached_service<Numbered>(first), &boost::asio::use_service<Numbered>(first));
}

TEST(CachedService, AContextMadeWhereAnEndedOneWasGetsItsOwnService) {
  // Both contexts in the same storage: the address the cache keeps is reused.
  alignas(boost::asio::io_context) std::byte storage[sizeof(boost::asio::io_context)];
  auto* context = new (storage) boost::asio::io_context;
  const int old_number = cached_service<Numbered>(*context).number;
  context->~io_context();
  context = new (storage) boost::asio::io_context;
  const int new_number = cached_service<Numbered>(*context).number;
  EXPECT_NE(new_number, old_number);
  EXPECT_EQ(new_number, boost::asio::use_service<Numbered>(*context).number);
  context->~io_context();
}

TEST(CachedService, EachThreadKeepsItsOwnEntry) {
  boost::asio::io_context mine;
  boost::asio::io_context theirs;
  Numbered* seen_there = nullptr;
  std::thread other([&] { seen_there = &cached_service<Numbered>(theirs); });
  other.join();
  EXPECT_EQ(&cached_service<Numbered>(mine), &boost::asio::use_service<Numbered>(mine));
  EXPECT_EQ(seen_there, &boost::asio::use_service<Numbered>(theirs));
}

}  // namespace
}  // namespace sluice::net
