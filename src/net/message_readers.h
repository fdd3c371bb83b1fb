// Beast parsers that put a message straight into the plain net types. Beast's own message
// parsers first build a basic_fields (an allocation per field, a case-insensitive index) that the
// proxy would then copy field by field into `Headers`; these skip that step, and reuse the
// strings of the previous message on the same connection.
#pragma once

#include "net/beast_pch.h"
#include "net/http_types.h"

#include <string>
#include <string_view>

namespace sluice::net {

// Fills a Request: method, target, headers (names lower-cased; not the framing fields, nor Date
// and Server: see skipped() in the .cpp) and body. `out` may hold the connection's previous
// request: its strings are overwritten in place, keeping their capacity.
class RequestReader final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestReader(Request& out);
  // 11 for HTTP/1.1, 10 for HTTP/1.0; 0 until the request line is read.
  int version() const { return version_; }
  // The value of a field this request's head has given so far, "" if none: for the answer to a
  // head cut short (too large, too slow), whose fields past those read may be the previous
  // request's, left in place for reuse.
  std::string_view field_so_far(std::string_view name) const;

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int,
                       error_code&) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  Request& out_;
  std::size_t fields_ = 0;
  int version_ = 0;
  bool transfer_encoding_ = false;
};

// Reads a response: the status into the reader, the headers (names lower-cased, the same fields
// left out) into `out`, and each piece of the body, decoded from chunked framing, appended to the
// string set by body_to(). `out` may hold the connection's previous answer: its strings are
// overwritten in place.
class ResponseReader final : public boost::beast::http::basic_parser<false> {
 public:
  explicit ResponseReader(Headers& out) : out_(out) {}
  int status() const { return status_; }
  // Empty until the whole head has been read.
  const Headers& headers() const;
  // Where the next body bytes go; they are appended. Null drops them.
  void body_to(std::string* sink) { sink_ = sink; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int status, string_view, int, error_code&) override { status_ = status; }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override { out_.resize(fields_); }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  int status_ = 0;
  Headers& out_;
  std::size_t fields_ = 0;
  std::string* sink_ = nullptr;
};

}  // namespace sluice::net
