#include "net/message_readers.h"

namespace sluice::net {
namespace {

void assign_lower(std::string& out, boost::beast::string_view name) {
  out.assign(name.data(), name.size());
  for (char& c : out) c = ascii_lower(c);
}

}  // namespace

RequestReader::RequestReader(Request& out) : out_(out) {
  out_.method.clear();
  out_.target.clear();
  out_.body.clear();
}

void RequestReader::on_request_impl(boost::beast::http::verb, string_view method,
                                    string_view target, int, error_code&) {
  out_.method.assign(method.data(), method.size());
  out_.target.assign(target.data(), target.size());
}

void RequestReader::on_field_impl(boost::beast::http::field, string_view name, string_view value,
                                  error_code&) {
  if (fields_ == out_.headers.size()) out_.headers.emplace_back();
  Header& h = out_.headers[fields_++];
  assign_lower(h.name, name);
  h.value.assign(value.data(), value.size());
}

void RequestReader::on_header_impl(error_code&) { out_.headers.resize(fields_); }

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

void ResponseReader::on_field_impl(boost::beast::http::field, string_view name, string_view value,
                                   error_code&) {
  if (headers_.empty()) headers_.reserve(16);  // one allocation for a typical answer's fields
  Header& h = headers_.emplace_back();
  assign_lower(h.name, name);
  h.value.assign(value.data(), value.size());
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
