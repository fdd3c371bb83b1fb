#include "store/usage_batch.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <string>

namespace sluice::store {
namespace {

// A row's bytes besides its text: 13 numbers of at most 20 characters, 17 commas, 2 brackets,
// 5 pairs of quotes and the comma before the row. Text takes at most 6 bytes a byte (\u00XX).
constexpr std::size_t kRowBytesBesidesText = 13 * 20 + 17 + 2 + 10 + 1;
constexpr std::size_t kMaxBytesPerTextByte = 6;

// The formatting writes through a pointer into room reserved for the whole batch: appending to the
// string a piece at a time checked its capacity at every piece, and the batch cost more to format
// than SQLite took to store it.
char* put_int(char* at, std::int64_t value) {
  if (value >= 0 && value < 10) {  // most of a row's numbers: zero counts, flags
    *at++ = static_cast<char>('0' + value);
    return at;
  }
  return std::to_chars(at, at + 20, value).ptr;
}

constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> escape{};
  for (int c = 0; c < 0x20; ++c) escape[c] = true;
  escape['"'] = escape['\\'] = true;
  return escape;
}();

// A JSON string: quote, backslash and control bytes escaped, every other byte as it is (that they
// are UTF-8 is put_text's concern).
char* put_string(char* at, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  *at++ = '"';
  // Names and request ids seldom need an escape: looked for first, they are copied whole.
  if (std::ranges::none_of(text,
                           [](char c) { return kNeedsEscape[static_cast<unsigned char>(c)]; })) {
    std::memcpy(at, text.data(), text.size());
    at += text.size();
    *at++ = '"';
    return at;
  }
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if (!kNeedsEscape[c]) {
      *at++ = byte;
    } else if (c == '"' || c == '\\') {
      *at++ = '\\';
      *at++ = byte;
    } else {
      for (const char escaped : {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]}) *at++ = escaped;
    }
  }
  *at++ = '"';
  return at;
}

// Text that is not UTF-8 would make the whole batch unreadable to simdjson: in the rare batch that
// has some, such a text keeps its ASCII bytes and has '?' for the others.
char* put_text(char* at, std::string_view text, bool make_utf8) {
  if (!make_utf8 || simdjson::validate_utf8(text.data(), text.size())) return put_string(at, text);
  std::string ascii(text);
  std::ranges::replace_if(
      ascii, [](char c) { return static_cast<unsigned char>(c) >= 0x80; }, '?');
  return put_string(at, ascii);
}

char* put_row(char* at, const ports::UsageRow& r, std::int64_t id, bool make_utf8) {
  *at++ = '[';
  for (const std::int64_t n : {id, r.time, r.key_id}) {
    at = put_int(at, n);
    *at++ = ',';
  }
  for (const std::string_view text : std::initializer_list<std::string_view>{
           r.key_name, r.requested_model, r.served_model, r.channel}) {
    at = put_text(at, text, make_utf8);
    *at++ = ',';
  }
  for (const std::int64_t n : {r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.list_cost,
                               r.upstream_cost, r.charged_cost, std::int64_t{r.status},
                               r.latency_ms, r.queue_wait_ms, std::int64_t{r.fallback ? 1 : 0}}) {
    at = put_int(at, n);
    *at++ = ',';
  }
  at = put_text(at, r.request_id, make_utf8);
  *at++ = ']';
  return at;
}

std::size_t most_bytes_of(const ports::UsageRow& r) {
  const std::size_t text = r.key_name.size() + r.requested_model.size() + r.served_model.size() +
                           r.channel.size() + r.request_id.size();
  return kRowBytesBesidesText + kMaxBytesPerTextByte * text;
}

}  // namespace

std::string_view UsageBatchText::format(std::span<const ports::UsageRow> rows,
                                        std::int64_t first_id) {
  std::size_t room = 2;
  for (const ports::UsageRow& r : rows) room += most_bytes_of(r);
  // Grown, never shrunk: resizing a string to the batch's room at every batch zeroed it first.
  if (buffer_.size() < room) buffer_.resize(std::max(room, 2 * buffer_.size()));
  const auto write = [&](bool make_utf8) {
    char* const begin = buffer_.data();
    char* at = begin;
    *at++ = '[';
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) *at++ = ',';
      at = put_row(at, rows[i], first_id + static_cast<std::int64_t>(i), make_utf8);
    }
    *at++ = ']';
    return std::string_view{begin, static_cast<std::size_t>(at - begin)};
  };
  const std::string_view text = write(false);
  return simdjson::validate_utf8(text.data(), text.size()) ? text : write(true);
}

struct UsageBatchReader::Parser {
  simdjson::dom::parser json;
};

UsageBatchReader::UsageBatchReader() : parser_(std::make_unique<Parser>()) {}
UsageBatchReader::~UsageBatchReader() = default;

namespace {

// A number as SQLite's json_array may have written it for a row inserted by hand: an integer,
// a real, or null (0).
std::int64_t number_of(simdjson::dom::element e) {
  if (std::int64_t n = 0; e.get_int64().get(n) == simdjson::SUCCESS) return n;
  if (double d = 0; e.get_double().get(d) == simdjson::SUCCESS) return static_cast<std::int64_t>(d);
  return 0;
}

std::string_view text_of(simdjson::dom::element e) {
  std::string_view text;
  return e.get_string().get(text) == simdjson::SUCCESS ? text : std::string_view{};
}

ports::StoreError not_a_batch(std::string_view why) {
  return {ports::StoreError::Code::kInvalid, "usage_batches: " + std::string(why)};
}

}  // namespace

ports::StoreStatus UsageBatchReader::read(std::string_view text,
                                          const std::function<void(const StoredUsage&)>& visit) {
  simdjson::dom::array rows;
  if (parser_->json.parse(text.data(), text.size()).get_array().get(rows) != simdjson::SUCCESS) {
    return not_a_batch("a batch is not a JSON array");
  }
  std::array<simdjson::dom::element, kUsageFieldCount> f;
  for (simdjson::dom::element row : rows) {
    simdjson::dom::array fields;
    if (row.get_array().get(fields) != simdjson::SUCCESS)
      return not_a_batch("a row is not an array");
    std::size_t n = 0;
    for (simdjson::dom::element field : fields) {
      if (n < f.size()) f[n] = field;
      ++n;
    }
    if (n != f.size()) return not_a_batch("a row has " + std::to_string(n) + " fields");
    visit(StoredUsage{.time = number_of(f[kTime]),
                      .key_name = text_of(f[kKeyName]),
                      .served_model = text_of(f[kServedModel]),
                      .channel = text_of(f[kChannel]),
                      .prompt_tokens = number_of(f[kPromptTokens]),
                      .completion_tokens = number_of(f[kCompletionTokens]),
                      .cached_tokens = number_of(f[kCachedTokens]),
                      .list_cost = number_of(f[kListCost]),
                      .upstream_cost = number_of(f[kUpstreamCost]),
                      .charged_cost = number_of(f[kChargedCost]),
                      .status = static_cast<int>(number_of(f[kStatus]))});
  }
  return {};
}

}  // namespace sluice::store
