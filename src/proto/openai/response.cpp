#include "proto/openai/response.h"

#include "proto/detail/scan.h"
#include "proto/openai/dom.h"
#include "proto/openai/errors.h"
#include "proto/openai/json_members.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::proto {
namespace {

using simdjson::dom::element;

namespace ondemand = simdjson::ondemand;

// The usage fields as sent, before OpenAI's and Anthropic's names are reconciled.
struct UsageFields {
  std::optional<std::int64_t> prompt, input, completion, output, total, cached, cache_read;
};

// The integer members of a usage object, by the name OpenAI or Anthropic gives them.
using Count = std::optional<std::int64_t> UsageFields::*;
constexpr std::pair<std::string_view, Count> kCounts[] = {
    {"prompt_tokens", &UsageFields::prompt}, {"completion_tokens", &UsageFields::completion},
    {"total_tokens", &UsageFields::total},   {"input_tokens", &UsageFields::input},
    {"output_tokens", &UsageFields::output}, {"cache_read_input_tokens", &UsageFields::cache_read},
};

// Keeps the first value of a repeated key, as a DOM look-up would.
void read_int(ondemand::value value, std::optional<std::int64_t>& slot) {
  std::int64_t number = 0;
  if (!slot && value.get_int64().get(number) == simdjson::SUCCESS) slot = number;
}

// Reads one pass over a usage object; false if the JSON breaks off inside it.
bool read_usage_fields(ondemand::object usage, UsageFields& out) {
  for (auto member : usage) {
    ondemand::field field;
    std::string_view key;
    if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key))
      return false;
    if (key == "prompt_tokens_details") {
      ondemand::object details;
      std::int64_t cached = 0;
      if (!out.cached && field.value().get_object().get(details) == simdjson::SUCCESS &&
          details.find_field_unordered("cached_tokens").get_int64().get(cached) ==
              simdjson::SUCCESS) {
        out.cached = cached;
      }
      continue;
    }
    for (const auto& [name, count] : kCounts) {
      if (key == name) {
        read_int(field.value(), out.*count);
        break;
      }
    }
  }
  return true;
}

// OpenAI's usage object, with Anthropic's names accepted too; total_tokens fills in a missing
// completion count (embeddings send only prompt and total).
Usage reconcile(const UsageFields& fields) {
  Usage out;
  const auto prompt = fields.prompt ? fields.prompt : fields.input;
  const auto completion = fields.completion ? fields.completion : fields.output;
  if (!prompt && !completion && !fields.total) return out;
  out.known = true;
  out.prompt_tokens = prompt.value_or(0);
  if (completion) {
    out.completion_tokens = *completion;
  } else if (std::int64_t rest = 0;
             fields.total && *fields.total > out.prompt_tokens &&
             !__builtin_sub_overflow(*fields.total, out.prompt_tokens, &rest)) {
    out.completion_tokens = rest;
  }
  out.cached_tokens = fields.cached ? *fields.cached : fields.cache_read.value_or(0);
  return out;
}

// What an answer or a chunk says at its top level, read in one On-Demand pass: an answer's
// choices are skipped over, not built into a tree (a tree for the whole body cost more than the
// rest of reading the answer).
struct TopLevel {
  Usage usage;
  bool null_usage = false;   // "usage":null
  bool has_error = false;    // a non-null "error"
  bool has_choices = false;  // a non-empty "choices" array
};

// False if `text` is not a JSON object or breaks off before its end.
bool read_top_level(std::string_view text, TopLevel& out) {
  ondemand::document doc;
  ondemand::object object;
  if (json::iterate(text, doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  bool seen_usage = false, seen_error = false, seen_choices = false;
  for (auto member : object) {
    ondemand::field field;
    std::string_view key;
    if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key))
      return false;
    if (key == "usage" && !seen_usage) {
      seen_usage = true;
      ondemand::value value = field.value();
      ondemand::json_type type;
      if (value.type().get(type) == simdjson::SUCCESS && type == ondemand::json_type::null) {
        out.null_usage = true;
        continue;
      }
      ondemand::object usage;
      if (value.get_object().get(usage) != simdjson::SUCCESS) continue;
      UsageFields fields;
      if (!read_usage_fields(usage, fields)) return false;
      out.usage = reconcile(fields);
    } else if (key == "error" && !seen_error) {
      seen_error = true;
      bool is_null = false;
      out.has_error = field.value().is_null().get(is_null) == simdjson::SUCCESS && !is_null;
    } else if (key == "choices" && !seen_choices) {
      seen_choices = true;
      ondemand::array choices;
      bool empty = true;
      out.has_choices = field.value().get_array().get(choices) == simdjson::SUCCESS &&
                        choices.is_empty().get(empty) == simdjson::SUCCESS && !empty;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && json::is_ws(text.front())) text.remove_prefix(1);
  while (!text.empty() && json::is_ws(text.back())) text.remove_suffix(1);
  return text;
}

constexpr std::string_view kUsageKey = "\"usage\"";
constexpr std::string_view kErrorKey = "\"error\"";

bool is_key_at(const char* at) {
  return std::memcmp(at, kUsageKey.data(), kUsageKey.size()) == 0 ||
         std::memcmp(at, kErrorKey.data(), kErrorKey.size()) == 0;
}

// The first whole key among the candidate positions `candidates` (bit i: block + i), or nullptr.
const char* first_key_among(const char* block, unsigned candidates, const char* end) {
  for (; candidates != 0; candidates &= candidates - 1) {
    const char* at = block + __builtin_ctz(candidates);
    if (end - at >= 7 && is_key_at(at)) return at;
  }
  return nullptr;
}

#if defined(SLUICE_SCAN_AVX2)
// Bit i set when position i of the 32 at `p` is a candidate for find_key().
__attribute__((target("avx2"))) unsigned key_candidates_avx2(const char* p) {
  const __m256i second = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1));
  const __m256i fifth = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 4));
  return static_cast<unsigned>(_mm256_movemask_epi8(
      _mm256_or_si256(_mm256_and_si256(_mm256_cmpeq_epi8(second, _mm256_set1_epi8('u')),
                                       _mm256_cmpeq_epi8(fifth, _mm256_set1_epi8('g'))),
                      _mm256_and_si256(_mm256_cmpeq_epi8(second, _mm256_set1_epi8('e')),
                                       _mm256_cmpeq_epi8(fifth, _mm256_set1_epi8('o'))))));
}

// find_key() 32 positions at a time, for at least 36 bytes: the first key at or after `p`, or
// `end`. The last block overlaps the one before, with the positions already looked at masked off.
__attribute__((target("avx2"))) const char* find_key_avx2(const char* p, const char* end) {
  for (; end - p >= 32 + 4; p += 32) {
    const unsigned candidates = key_candidates_avx2(p);
    if (candidates == 0) continue;  // the usual block: no call
    if (const char* at = first_key_among(p, candidates, end)) return at;
  }
  if (end - p < 7) return end;  // no room for a key (and p - last below stays under 32)
  const char* last = end - (32 + 4);
  const char* at = first_key_among(last, key_candidates_avx2(last) & (~0u << (p - last)), end);
  return at != nullptr ? at : end;
}
#endif

// Offset of the first "usage" or "error" (quotes included) in `data` at or after `from`, or npos.
// One pass for both: sixteen positions at a time (32 with AVX2), a candidate is where the byte
// after it is 'u' and the fourth after it 'g' ('e' and 'o' for "error"), which JSON text seldom
// has; candidates are then compared whole. (glibc's memmem set its tables up again for each of
// some twenty chunk-sized calls per answer, and cost more than the rest of the chunk's
// inspection.)
std::size_t find_key(std::string_view data, std::size_t from) {
  const char* const begin = data.data();
  const char* const end = begin + data.size();
  const char* p = begin + std::min(from, data.size());
#if defined(SLUICE_SCAN_AVX2)
  if (end - p >= 64 && detail::has_avx2()) {
    const char* at = find_key_avx2(p, end);
    return at == end ? std::string_view::npos : static_cast<std::size_t>(at - begin);
  }
#endif
#if defined(__SSE2__)
  const __m128i u = _mm_set1_epi8('u'), g = _mm_set1_epi8('g');
  const __m128i e = _mm_set1_epi8('e'), o = _mm_set1_epi8('o');
  while (end - p >= 16 + 4) {
    const __m128i second = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    const __m128i fifth = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 4));
    const unsigned candidates = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(second, u), _mm_cmpeq_epi8(fifth, g)),
                     _mm_and_si128(_mm_cmpeq_epi8(second, e), _mm_cmpeq_epi8(fifth, o)))));
    if (const char* at = first_key_among(p, candidates, end)) {
      return static_cast<std::size_t>(at - begin);
    }
    p += 16;
  }
#endif
  for (; end - p >= 7; ++p) {
    if (*p == '"' && is_key_at(p)) return static_cast<std::size_t>(p - begin);
  }
  return std::string_view::npos;
}

// What the key scan saw in a chunk's payload.
enum class Keys {
  None,          // neither key: an ordinary content chunk
  NullUsage,     // "usage":null and no other candidate: the answer is known without a parse
  WorthParsing,  // a "usage" key whose value is an object, or an "error" key
};

// Which of "usage" and "error" `data` holds, and whether it is worth a parse. Inside a JSON
// string these quotes would be escaped, so content text cannot trigger it; a false positive only
// costs a parse.
Keys scan_keys(std::string_view data) {
  Keys seen = Keys::None;
  for (std::size_t at = find_key(data, 0); at != std::string_view::npos;
       at = find_key(data, at + 1)) {
    if (data.compare(at, kErrorKey.size(), kErrorKey) == 0) return Keys::WorthParsing;
    std::size_t pos = json::skip_ws(data, at + kUsageKey.size());
    if (pos >= data.size() || data[pos] != ':') continue;
    pos = json::skip_ws(data, pos + 1);
    if (pos < data.size() && data[pos] == '{') return Keys::WorthParsing;
    if (data.substr(std::min(pos, data.size()), 4) == "null") seen = Keys::NullUsage;
  }
  return seen;
}

// A JSON integer's value; nullopt for any other value (as simdjson's get_int64 would).
std::optional<std::int64_t> json_int(std::string_view value) {
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return number;
}

// read_usage_fields() for the members of a usage object in `text`: a usage object is a few
// members, and walking them by their bytes cost a third of an On-Demand parse of them.
void read_usage_members(std::string_view text, std::span<const json::Member> members,
                        UsageFields& out) {
  const auto value_of = [&](const json::Member& m) {
    return text.substr(m.value_begin, m.value_end - m.value_begin);
  };
  thread_local std::vector<json::Member> details;
  for (const json::Member& member : members) {
    // Keys are seldom escaped: then a plain compare, which mostly stops at the lengths.
    const bool escaped = member.key.find('\\') != std::string_view::npos;
    const auto named = [&](std::string_view name) {
      return escaped ? json::key_equals(member.key, name) : member.key == name;
    };
    if (named("prompt_tokens_details")) {
      details.clear();
      if (out.cached || text[member.value_begin] != '{' ||
          !json::members(text, member.value_begin, details)) {
        continue;
      }
      for (const json::Member& detail : details) {
        // As read_usage_fields() finds it (find_field_unordered): by its raw bytes.
        if (detail.key != "cached_tokens") continue;
        out.cached = json_int(value_of(detail));
        break;
      }
      continue;
    }
    for (const auto& [name, count] : kCounts) {
      if (named(name)) {
        if (!(out.*count)) out.*count = json_int(value_of(member));
        break;
      }
    }
  }
}

// Whether `text` may hold a key that decodes to "usage" without reading so: one of its letters
// (u, s, a, g, e: 0x61 to 0x75) written as an escape, \u006X or \u007X. A false alarm (an escaped
// backslash before "u006") only costs the whole parse.
bool may_spell_usage_escaped(std::string_view text) {
  for (std::size_t at = text.find('\\'); at != std::string_view::npos;
       at = text.find('\\', at + 2)) {
    const std::string_view escape = text.substr(at + 1, 4);
    if (escape == "u006" || escape == "u007") return true;
  }
  return false;
}

// Offset of the first "usage" (quotes included) in `data`, or npos.
std::size_t first_usage_key(std::string_view data) {
  std::size_t at = find_key(data, 0);
  while (at != std::string_view::npos && data.compare(at, kUsageKey.size(), kUsageKey) != 0) {
    at = find_key(data, at + 1);
  }
  return at;
}

// The usage of an answer whose last member is its usage object, as answers send it, parsing only
// that object rather than the choices before it; nullopt when the body must be read whole: the
// usage is elsewhere, or the bytes "usage" come earlier too (as a key named so, of which the first
// counts, or a value).
std::optional<Usage> usage_when_last(std::string_view body) {
  const std::size_t key = first_usage_key(body);
  if (key == std::string_view::npos || may_spell_usage_escaped(body.substr(0, key))) {
    return std::nullopt;
  }
  // A real key: its opening quote follows ',' or '{' (an escaped quote follows a backslash).
  std::size_t before = key;
  while (before > 0 && json::is_ws(body[before - 1])) --before;
  if (before == 0 || (body[before - 1] != ',' && body[before - 1] != '{')) return std::nullopt;
  std::size_t pos = json::skip_ws(body, key + kUsageKey.size());
  if (pos >= body.size() || body[pos] != ':') return std::nullopt;
  pos = json::skip_ws(body, pos + 1);
  if (pos >= body.size() || body[pos] != '{') return std::nullopt;
  thread_local std::vector<json::Member> members;
  members.clear();
  std::size_t end = 0;
  if (!json::members(body, pos, members, &end)) return std::nullopt;
  // Only the closing brace of the body's object after it: the last member, at the top level.
  const std::size_t close = json::skip_ws(body, end);
  if (close >= body.size() || body[close] != '}' || json::skip_ws(body, close + 1) != body.size()) {
    return std::nullopt;
  }
  UsageFields fields;
  read_usage_members(body, members, fields);
  return reconcile(fields);
}

void append_string(simdjson::dom::object object, std::string_view key, std::string& out) {
  std::string_view text;
  if (object.at_key(key).get_string().get(text) == simdjson::SUCCESS) out.append(text);
}

void append_model(std::string& out, std::string_view id, std::string_view owner,
                  std::string_view created) {
  out += R"({"id":)";
  append_json_string(out, id);
  out += R"(,"object":"model","created":)";
  out += created;
  out += R"(,"owned_by":)";
  out += owner;
  out += '}';
}

}  // namespace

Usage usage_from_body(std::string_view body) {
  if (const auto usage = usage_when_last(body)) return *usage;
  TopLevel top;
  if (!read_top_level(body, top)) return {};
  return top.usage;
}

ChunkInfo inspect_chunk(std::string_view data) {
  ChunkInfo info;
  const std::string_view payload = trim(data);
  if (payload == "[DONE]") {
    info.done = true;
    return info;
  }
  const Keys keys = scan_keys(payload);
  if (keys != Keys::WorthParsing) {
    info.null_usage = keys == Keys::NullUsage;
    return info;
  }
  TopLevel top;
  if (!read_top_level(payload, top)) return info;
  info.has_error = top.has_error;
  info.null_usage = top.null_usage;
  info.usage = top.usage;
  info.usage_only = top.usage.known && !top.has_choices;
  return info;
}

void append_delta_text(std::string_view data, std::string& out) {
  element doc;
  simdjson::dom::array choices;
  if (json::parse(data, doc) != simdjson::SUCCESS ||
      doc.at_key("choices").get_array().get(choices) != simdjson::SUCCESS) {
    return;
  }
  for (element choice : choices) {
    simdjson::dom::object object;
    if (choice.get_object().get(object) != simdjson::SUCCESS) continue;
    append_string(object, "text", out);
    simdjson::dom::object delta;
    if (object.at_key("delta").get_object().get(delta) != simdjson::SUCCESS) continue;
    // Reasoning text (DashScope's reasoning_content) and tool-call arguments are billed as
    // completion tokens too.
    append_string(delta, "reasoning_content", out);
    append_string(delta, "content", out);
    simdjson::dom::array tool_calls;
    if (delta.at_key("tool_calls").get_array().get(tool_calls) != simdjson::SUCCESS) continue;
    for (element call : tool_calls) {
      std::string_view arguments;
      if (call.at_pointer("/function/arguments").get_string().get(arguments) == simdjson::SUCCESS) {
        out.append(arguments);
      }
    }
  }
}

std::string with_model(std::string_view json_text, std::string_view model) {
  const std::size_t open = json::skip_ws(json_text, 0);
  std::vector<json::Member> members;
  if (!json::members(json_text, open, members)) return std::string(json_text);
  std::vector<json::Edit> edits;
  for (const json::Member& member : members) {
    if (json::key_equals(member.key, "model") && json_text[member.value_begin] == '"') {
      json::Edit edit{member.value_begin, member.value_end, {}};
      append_json_string(edit.with, model);
      edits.push_back(std::move(edit));
    }
  }
  return json::apply(json_text, edits);
}

std::string without_usage(std::string_view json_text) {
  const std::size_t open = json::skip_ws(json_text, 0);
  std::vector<json::Member> members;
  if (!json::members(json_text, open, members)) return std::string(json_text);
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!json::key_equals(members[i].key, "usage")) continue;
    // The member and one comma: the one before it, or (for the first member) the one after.
    const std::size_t key_quote =
        static_cast<std::size_t>(members[i].key.data() - json_text.data()) - 1;
    std::size_t begin = i > 0 ? members[i - 1].value_end : key_quote;
    std::size_t end = members[i].value_end;
    if (i == 0 && members.size() > 1) {
      end = static_cast<std::size_t>(members[1].key.data() - json_text.data()) - 1;
    }
    return json::apply(json_text, {json::Edit{begin, end, {}}});
  }
  return std::string(json_text);
}

std::string models_list(std::span<const std::string> ids, std::string_view owned_by,
                        std::int64_t created) {
  std::string owner;
  append_json_string(owner, owned_by);
  const std::string created_text = std::to_string(created);
  std::string out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    append_model(out, ids[i], owner, created_text);
  }
  out += "]}";
  return out;
}

std::string model_object(std::string_view id, std::string_view owned_by, std::int64_t created) {
  std::string owner;
  append_json_string(owner, owned_by);
  std::string out;
  append_model(out, id, owner, std::to_string(created));
  return out;
}

}  // namespace sluice::proto
