// Reading and writing HTTP/1.1 messages over a connection with the fewest asynchronous steps:
// a read parses what the buffer already holds before it waits for the socket, and a write first
// tries the socket at once (a proxied answer almost always fits its send buffer) and only waits
// when it did not all go. Beast's composed read and write operations, and its stream's timers,
// cost more per message than the parsing itself.
#pragma once

#include "net/beast_pch.h"
#include "net/deadline.h"
#include "net/drained_read.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace sluice::net {

// The bytes `buffer` holds, as text.
inline std::string_view buffered(const boost::beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// How far feed() parses: the whole message, or only its head (when the body has nowhere to go
// yet).
enum class FeedUntil { Message, Head };

// Feeds what `buffer` holds to `parser`. Returns need_more when the parser wants more bytes
// (buffer empty or a partial element kept), another error when the input is bad, or success
// once the message (or its head) is done.
template <bool isRequest>
boost::beast::error_code feed(boost::beast::flat_buffer& buffer,
                              boost::beast::http::basic_parser<isRequest>& parser,
                              FeedUntil until = FeedUntil::Message) {
  boost::beast::error_code ec;
  while (until == FeedUntil::Head ? !parser.is_header_done() : !parser.is_done()) {
    if (buffer.size() == 0) return boost::beast::http::error::need_more;
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec) return ec;  // need_more included: a partial line stays in the buffer
  }
  return {};
}

namespace message_io_detail {

// How much one read may take: what the buffer has room for, within bounds.
inline std::size_t read_room(const boost::beast::flat_buffer& buffer) {
  constexpr std::size_t kMinRead = 4096, kMaxRead = 64 * 1024;
  return std::clamp(buffer.capacity() - buffer.size(), kMinRead, kMaxRead);
}

// The attempt drained_read.h requires before a read waits, when the bytes are expected now: true
// when it settled the read (bytes came, or an error other than would_block).
template <typename Stream>
bool read_at_once(Stream& stream, boost::beast::flat_buffer& buffer,
                  boost::system::error_code& ec) {
  if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
    buffer.commit(stream.read_some(buffer.prepare(read_room(buffer)), ec));  // non-blocking
    return ec != boost::asio::error::would_block;
  } else {
    return false;
  }
}

// The read that waits for bytes, as (error, bytes read); the caller commits them.
template <typename Stream>
auto read_waiting(Stream& stream, boost::beast::flat_buffer& buffer) {
  constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
    return async_read_some_drained(stream, buffer.prepare(read_room(buffer)), kTuple);
  } else {
    return stream.async_read_some(buffer.prepare(read_room(buffer)), kTuple);
  }
}

}  // namespace message_io_detail

// One read from `stream` into `buffer`, its errors as the stream gives them (eof included).
// `within_message` says whether the bytes are expected now: then the socket is tried at once, as
// drained_read.h requires; a message's first bytes are awaited without that attempt, which would
// almost always fail.
template <typename Stream>
boost::asio::awaitable<boost::system::error_code> read_into(Stream& stream,
                                                            boost::beast::flat_buffer& buffer,
                                                            bool within_message) {
  boost::system::error_code ec;
  if (!within_message || !message_io_detail::read_at_once(stream, buffer, ec)) {
    std::size_t n = 0;
    std::tie(ec, n) = co_await message_io_detail::read_waiting(stream, buffer);
    buffer.commit(n);
  }
  co_return ec;
}

// Whether `ec` is the end of the stream, clean or (for TLS) without a close_notify.
inline bool is_end_of_stream(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

// One read for `parser`. The end of the stream becomes end_of_stream before any byte of a
// message, else whatever put_eof() says of the message so far.
template <typename Stream, bool isRequest>
boost::asio::awaitable<boost::beast::error_code> read_more(
    Stream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::basic_parser<isRequest>& parser) {
  const bool within_message = parser.got_some() || buffer.size() != 0;
  // read_into()'s steps rather than a call of it: one coroutine fewer for every head read.
  boost::system::error_code ec;
  if (!within_message || !message_io_detail::read_at_once(stream, buffer, ec)) {
    std::size_t n = 0;
    std::tie(ec, n) = co_await message_io_detail::read_waiting(stream, buffer);
    buffer.commit(n);
  }
  if (is_end_of_stream(ec)) {
    if (!parser.got_some()) co_return boost::beast::http::error::end_of_stream;
    boost::beast::error_code eof_ec;
    parser.put_eof(eof_ec);
    co_return eof_ec ? eof_ec : boost::beast::error_code{};
  }
  co_return ec;
}

// Reads until `buffer` holds at least `size` bytes: the rest of a body whose length its head
// gave. The end of the stream before that is partial_message, as Beast calls it.
template <typename Stream>
boost::asio::awaitable<boost::beast::error_code> read_at_least(Stream& stream,
                                                               boost::beast::flat_buffer& buffer,
                                                               std::size_t size) {
  while (buffer.size() < size) {
    const boost::system::error_code ec = co_await read_into(stream, buffer, true);
    if (is_end_of_stream(ec)) co_return boost::beast::http::error::partial_message;
    if (ec) co_return ec;
  }
  co_return boost::beast::error_code{};
}

// Writes what of `buffers` the socket takes at once, without waiting, and returns how many bytes
// went: all of them, almost always, for a proxied answer fits its send buffer. A full send buffer
// leaves `ec` clear; a TLS stream writes nothing here. Not a coroutine, so that the usual write
// costs no coroutine frame: a caller awaits write_rest() only when bytes are left:
//   const std::size_t written = write_at_once(stream, buffers, ec);
//   if (!ec && written < boost::beast::buffer_bytes(buffers)) ec = co_await write_rest(...);
template <typename Stream, std::size_t N>
std::size_t write_at_once(Stream& stream, const std::array<boost::asio::const_buffer, N>& buffers,
                          boost::beast::error_code& ec) {
  if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
    // The socket is in user non-blocking mode: a full send buffer answers would_block.
    const std::size_t written = stream.write_some(buffers, ec);
    if (ec == boost::asio::error::would_block) ec = {};
    return written;
  } else {
    return 0;
  }
}

// Writes the rest of `buffers`, after their first `written` bytes, under `deadline` (set to close
// the socket after `timeout`, cleared when the write is done).
template <typename Stream, std::size_t N>
boost::asio::awaitable<boost::beast::error_code> write_rest(
    Stream& stream, std::array<boost::asio::const_buffer, N> buffers, std::size_t written,
    Deadline& deadline, std::chrono::steady_clock::duration timeout) {
  boost::beast::buffers_suffix<std::array<boost::asio::const_buffer, N>> rest{buffers};
  rest.consume(written);
  deadline.set(timeout, Deadline::Action::Close);
  auto [ec, n] = co_await boost::asio::async_write(
      stream, rest, boost::asio::as_tuple(boost::asio::use_awaitable));
  deadline.clear();
  co_return ec;
}

}  // namespace sluice::net
