#include "core/tokens/bpe_tokenizer.h"

#include "core/tokens/nfc.h"
#include "core/tokens/utf8.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <string>

namespace sluice::core::tokens {
namespace {

using simdjson::dom::element;

// The inverse of GPT-2's bytes_to_unicode: code point in a vocabulary string -> raw byte.
struct ByteDecoder {
  std::int16_t byte_of[512];
  ByteDecoder() {
    std::fill(std::begin(byte_of), std::end(byte_of), std::int16_t{-1});
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      byte_of[printable ? b : 256 + extra++] = static_cast<std::int16_t>(b);
    }
  }
  // Raw bytes of a vocabulary string; false if it is not a byte-level string.
  bool decode(std::string_view s, std::string& out) const {
    out.clear();
    std::size_t i = 0;
    while (i < s.size()) {
      const char32_t cp = next_code_point(s, i);
      if (cp >= 512 || byte_of[cp] < 0) return false;
      out += static_cast<char>(byte_of[cp]);
    }
    return true;
  }
};

// String -> id, open addressing over views whose bytes outlive the table (the parsed document).
class StringIds {
 public:
  static constexpr std::uint32_t kMissing = 0xffffffffu;

  void reserve(std::size_t n) {
    std::size_t size = 16;
    while (size < n * 2) size <<= 1;
    slots_.assign(size, Slot{});
    mask_ = size - 1;
  }
  // REQUIRES: reserve() made room; `key` outlives the table.
  void insert(std::string_view key, std::uint32_t id) {
    const std::uint64_t h = hash(key);
    for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id == kMissing) {
        s = Slot{h, key, id};
        return;
      }
      if (s.hash == h && s.key == key) return;  // a duplicate key keeps its first id
    }
  }
  std::uint32_t find(std::string_view key) const {
    const std::uint64_t h = hash(key);
    for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kMissing) return kMissing;
      if (s.hash == h && s.key == key) return s.id;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view key;
    std::uint32_t id = kMissing;
  };
  static std::uint64_t hash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
    for (const char c : s) h = (h ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ull;
    return h ^ (h >> 29);
  }
  std::vector<Slot> slots_;
  std::uint64_t mask_ = 0;
};

[[noreturn]] void unsupported(const std::string& what) {
  throw std::invalid_argument("tokenizer.json: " + what);
}

std::string_view str(element e, const char* what) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) unsupported(std::string(what) + " is not a string");
  return s;
}

// Collects the Split rules of a pre_tokenizer (single or Sequence).
void collect_splits(element pre, std::vector<SplitRule>& rules) {
  if (pre.is_null()) return;
  const std::string_view type = str(pre["type"], "pre_tokenizer.type");
  if (type == "Sequence") {
    for (element child : pre["pretokenizers"].get_array()) collect_splits(child, rules);
  } else if (type == "Split") {
    SplitRule rule;
    element pattern = pre["pattern"];
    std::string_view regex;
    if (pattern["Regex"].get(regex) == simdjson::SUCCESS) {
      rule.pattern = std::string(regex);
    } else {
      unsupported("Split with a String pattern");
    }
    bool invert = false;
    if (pre["invert"].get(invert) == simdjson::SUCCESS) rule.invert = invert;
    const std::string_view behavior = str(pre["behavior"], "Split.behavior");
    if (!rule.invert && behavior != "Isolated")
      unsupported("Split behavior " + std::string(behavior));
    rules.push_back(std::move(rule));
  } else if (type == "ByteLevel") {
    bool use_regex = true;
    bool prefix = false;
    if (pre["use_regex"].get(use_regex) != simdjson::SUCCESS) use_regex = true;
    if (pre["add_prefix_space"].get(prefix) != simdjson::SUCCESS) prefix = false;
    if (use_regex || prefix) unsupported("ByteLevel with use_regex or add_prefix_space");
  } else {
    unsupported("pre_tokenizer " + std::string(type));
  }
}

bool parse_normalizer(element n) {
  if (n.is_null()) return false;
  const std::string_view type = str(n["type"], "normalizer.type");
  if (type == "NFC") return true;
  if (type == "Sequence") {
    bool nfc = false;
    for (element child : n["normalizers"].get_array()) nfc = parse_normalizer(child) || nfc;
    return nfc;
  }
  unsupported("normalizer " + std::string(type));
}

}  // namespace

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_json(std::string_view json, bool padded) {
  simdjson::dom::parser parser;
  element root;
  const auto error = padded ? parser.parse(json.data(), json.size(), false).get(root)
                            : parser.parse(simdjson::padded_string(json)).get(root);
  if (error) unsupported(simdjson::error_message(error));

  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer());
  static std::atomic<std::uint64_t> serials{0};
  t->serial_ = ++serials;
  element model = root["model"];
  if (str(model["type"], "model.type") != "BPE") unsupported("model is not BPE");
  std::vector<SplitRule> rules;
  collect_splits(root["pre_tokenizer"], rules);
  t->pre_tokenizer_ = std::make_unique<PreTokenizer>(rules);
  t->nfc_ = parse_normalizer(root["normalizer"]);

  // Keys stay in byte-level form (views into the parser's strings): the merge of a and b is the
  // concatenation in either form, so only the 256 byte tokens need decoding.
  static const ByteDecoder decoder;
  StringIds ids;
  std::uint32_t next_id = 0;
  simdjson::dom::object vocab = model["vocab"].get_object();
  ids.reserve(vocab.size() + 1024);
  std::string bytes;
  for (auto [key, value] : vocab) {
    const auto id = static_cast<std::uint32_t>(value.get_uint64().value());
    next_id = std::max(next_id, id + 1);
    ids.insert(key, id);
    if (key.size() <= 2 && decoder.decode(key, bytes) && bytes.size() == 1) {
      t->model_.set_byte_token(static_cast<std::uint8_t>(bytes[0]), id);
      t->byte_seen_[static_cast<std::uint8_t>(bytes[0])] = true;
    }
  }
  for (const bool seen : t->byte_seen_) {
    if (!seen) unsupported("vocabulary lacks a byte token");
  }

  simdjson::dom::array merges = model["merges"].get_array();
  t->model_.reserve(merges.size());
  std::uint32_t rank = 0;
  std::string joined;
  std::deque<std::string> extra;  // merge results missing from the vocabulary (keys must live)
  for (element m : merges) {
    std::string_view a;
    std::string_view b;
    if (m.is_array()) {
      simdjson::dom::array pair = m.get_array();
      auto it = pair.begin();
      a = str(*it, "merge");
      b = str(*++it, "merge");
    } else {  // legacy "a b" form
      const std::string_view s = str(m, "merge");
      const std::size_t space = s.find(' ');
      if (space == std::string_view::npos) unsupported("merge without a space");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    }
    const std::uint32_t l = ids.find(a);
    const std::uint32_t r = ids.find(b);
    if (l == StringIds::kMissing || r == StringIds::kMissing) {
      ++rank;  // the pair can never form; keep the numbering of the others
      continue;
    }
    joined.assign(a);
    joined += b;
    std::uint32_t merged = ids.find(joined);
    if (merged == StringIds::kMissing) {
      // The reference merges strings, so a result missing from the vocabulary still forms (and
      // may merge further); give it an id of its own.
      merged = next_id++;
      ids.insert(extra.emplace_back(joined), merged);
    }
    t->model_.add_merge(l, r, rank++, merged);
  }

  std::vector<std::string> added;
  for (element a : root["added_tokens"].get_array()) {
    added.emplace_back(str(a["content"], "added_tokens.content"));
  }
  t->build_trie(added);
  return t;
}

void BpeTokenizer::build_trie(const std::vector<std::string>& tokens) {
  trie_children_.assign(1, {});
  trie_terminal_.assign(1, false);
  for (const std::string& token : tokens) {
    if (token.empty()) continue;
    added_first_byte_[static_cast<unsigned char>(token[0])] = true;
    std::uint32_t node = 0;
    for (const char ch : token) {
      const auto byte = static_cast<unsigned char>(ch);
      auto& kids = trie_children_[node];
      auto it =
          std::find_if(kids.begin(), kids.end(), [&](const auto& e) { return e.first == byte; });
      if (it != kids.end()) {
        node = it->second;
        continue;
      }
      const auto child = static_cast<std::uint32_t>(trie_children_.size());
      kids.emplace_back(byte, child);  // `kids` may dangle after the push_back below
      trie_children_.emplace_back();
      trie_terminal_.push_back(false);
      node = child;
    }
    trie_terminal_[node] = true;
  }
}

std::size_t BpeTokenizer::added_token_at(std::string_view text, std::size_t at) const {
  std::uint32_t node = 0;
  std::size_t longest = 0;
  for (std::size_t i = at; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto& kids = trie_children_[node];
    auto it =
        std::find_if(kids.begin(), kids.end(), [&](const auto& e) { return e.first == byte; });
    if (it == kids.end()) break;
    node = it->second;
    if (trie_terminal_[node]) longest = i + 1 - at;
  }
  return longest;
}

std::size_t BpeTokenizer::count(std::string_view text) const {
  if (!is_valid_utf8(text)) return count(repair_utf8(text));
  std::size_t total = 0;
  std::size_t section_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!added_first_byte_[static_cast<unsigned char>(text[i])]) continue;
    const std::size_t n = added_token_at(text, i);
    if (n == 0) continue;
    total += count_section(text.substr(section_start, i - section_start)) + 1;
    i += n - 1;
    section_start = i + 1;
  }
  return total + count_section(text.substr(section_start));
}

std::size_t BpeTokenizer::count_section(std::string_view section) const {
  if (section.empty()) return 0;
  if (nfc_ && !is_nfc_quick(section)) return count_pieces(to_nfc(section));
  return count_pieces(section);
}

namespace {

// Direct-mapped cache of piece -> token count, one per thread and tokenizer. Natural text repeats
// its words, so most pieces skip BPE; a collision simply overwrites (bounded memory, no eviction
// bookkeeping).
class PieceCache {
 public:
  static constexpr std::size_t kMaxKey = 22;

  // Pointer to the cached count for `piece`, or nullptr; `slot` receives where to store it.
  const std::uint32_t* find(std::string_view piece, std::size_t hash, std::size_t& slot) const {
    slot = hash & (kSlots - 1);
    const Entry& e = entries_[slot];
    if (e.hash == hash && e.length == piece.size() &&
        std::equal(piece.begin(), piece.end(), e.key)) {
      return &e.count;
    }
    return nullptr;
  }
  void store(std::size_t slot, std::string_view piece, std::size_t hash, std::uint32_t count) {
    Entry& e = entries_[slot];
    e.hash = hash;
    e.length = static_cast<std::uint8_t>(piece.size());
    std::copy(piece.begin(), piece.end(), e.key);
    e.count = count;
  }

 private:
  static constexpr std::size_t kSlots = 1 << 15;
  struct Entry {
    std::size_t hash = 0;
    std::uint32_t count = 0;
    std::uint8_t length = 0xff;
    char key[kMaxKey] = {};
  };
  std::vector<Entry> entries_ = std::vector<Entry>(kSlots);
};

// Keyed by the tokenizer's serial number, not its address, which a later tokenizer may reuse.
PieceCache& cache_for(std::uint64_t tokenizer) {
  thread_local std::vector<std::pair<std::uint64_t, std::unique_ptr<PieceCache>>> caches;
  for (auto& [owner, cache] : caches) {
    if (owner == tokenizer) return *cache;
  }
  caches.emplace_back(tokenizer, std::make_unique<PieceCache>());
  return *caches.back().second;
}

}  // namespace

std::size_t BpeTokenizer::count_pieces(std::string_view normalized) const {
  PieceCache& cache = cache_for(serial_);
  std::size_t total = 0;
  pre_tokenizer_->split(normalized, [&](std::string_view piece) {
    if (piece.size() > PieceCache::kMaxKey) {
      total += model_.count(piece);
      return;
    }
    const std::size_t hash = std::hash<std::string_view>{}(piece);
    std::size_t slot = 0;
    if (const std::uint32_t* hit = cache.find(piece, hash, slot)) {
      total += *hit;
      return;
    }
    const auto n = static_cast<std::uint32_t>(model_.count(piece));
    cache.store(slot, piece, hash, n);
    total += n;
  });
  return total;
}

}  // namespace sluice::core::tokens
