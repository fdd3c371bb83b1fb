#include "net/message_readers.h"

#include <algorithm>

namespace sluice::net {
namespace {

// Fields the parser itself acts on (framing and persistence, which it exposes as keep_alive(),
// content_length() and chunked()) or that say nothing the gateway uses: not copied. Four of the
// five fields of a typical upstream answer are of these.
bool skipped(boost::beast::http::field name) {
  using enum boost::beast::http::field;
  switch (name) {
    case connection:
    case content_length:
    case keep_alive:
    case transfer_encoding:
    case date:
    case server:
      return true;
    default:
      return false;
  }
}

}  // namespace

RequestReader::RequestReader(Request& out) : out_(out) {
  out_.method.clear();
  out_.target.clear();
  out_.body.clear();
}

void RequestReader::on_request_impl(boost::beast::http::verb, string_view method,
                                    string_view target, int version, error_code&) {
  version_ = version;
  out_.method.assign(method.data(), method.size());
  out_.target.assign(target.data(), target.size());
}

void RequestReader::on_field_impl(boost::beast::http::field field, string_view name,
                                  string_view value, error_code&) {
  if (field == boost::beast::http::field::transfer_encoding) transfer_encoding_ = true;
  if (skipped(field)) return;
  store_field(out_.headers, fields_++, name, value);
}

std::string_view RequestReader::field_so_far(std::string_view name) const {
  const std::size_t read = std::min(fields_, out_.headers.size());
  for (std::size_t i = 0; i < read; ++i) {
    if (same_name(out_.headers[i].name, name)) return out_.headers[i].value;
  }
  return {};
}

void RequestReader::on_header_impl(error_code& ec) {
  // A request whose last transfer coding is not chunked has no length the server can know
  // (RFC 9112 6.3): Beast would read it as bodiless and the body as the next request, which a
  // proxy in front that framed it otherwise would let smuggle a request past it.
  if (transfer_encoding_ && !chunked()) {
    ec = boost::beast::http::error::bad_transfer_encoding;
    return;
  }
  out_.headers.resize(fields_);
}

void RequestReader::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) out_.body.reserve(static_cast<std::size_t>(*length));  // within body_limit
}

std::size_t RequestReader::on_body_impl(string_view body, error_code&) {
  out_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestReader::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  out_.body.append(body.data(), body.size());
  return body.size();
}

const Headers& ResponseReader::headers() const {
  static const Headers kNone;
  return is_header_done() ? out_ : kNone;
}

void ResponseReader::on_field_impl(boost::beast::http::field field, string_view name,
                                   string_view value, error_code&) {
  if (skipped(field)) return;
  if (out_.capacity() == 0) out_.reserve(16);  // one allocation for a typical answer's fields
  store_field(out_, fields_++, name, value);
}

std::size_t ResponseReader::on_body_impl(string_view body, error_code&) {
  if (sink_) sink_->append(body.data(), body.size());
  return body.size();
}

std::size_t ResponseReader::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  if (sink_) sink_->append(body.data(), body.size());
  return body.size();
}

}  // namespace sluice::net
