// A connected pair of loopback TCP sockets on one io_context, for the tests of net/.
#pragma once

#include <boost/asio.hpp>

#include <chrono>

namespace sluice::testing {

struct LoopbackPair {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket server{io};  // the accepted end
  boost::asio::ip::tcp::socket client{io};  // the connecting end

  LoopbackPair() {
    boost::asio::ip::tcp::acceptor acceptor{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }

  // Runs the loop until `done()` holds, for at most a second; returns done().
  template <typename Done>
  bool run_until(Done done) {
    using std::chrono::steady_clock;
    for (auto until = steady_clock::now() + std::chrono::seconds(1);
         !done() && steady_clock::now() < until;) {
      if (io.stopped()) io.restart();  // a run that found no work stopped the loop
      io.run_for(std::chrono::milliseconds(10));
    }
    return done();
  }
};

}  // namespace sluice::testing
