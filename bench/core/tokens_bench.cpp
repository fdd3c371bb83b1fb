// Token counting throughput (bytes/s) of core/tokens on generated text.
//
//   build-x/tokens_bench --benchmark_filter=English
//
// English text is drawn from a Zipf distribution over common words (seeded), with punctuation,
// capitals and line breaks, 1 MiB per iteration. The vocabulary is loaded before timing.
#include "core/tokens/bpe_tokenizer.h"
#include "core/tokens/embedded_tokenizers.h"
#include "core/tokens/token_counter.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace tokens = sluice::core::tokens;

namespace {

constexpr std::size_t kMiB = 1 << 20;

const char* const kWords =
    "the of and to a in is it you that he was for on are with as I his they be at one have this "
    "from or had by hot word but what some we can out other were all there when up use your how "
    "said an each she which do their time if will way about many then them write would like so "
    "these her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find any new work "
    "part take get place made live where after back little only round man year came show every "
    "good me give our under name very through just form sentence great think say help low line "
    "differ turn cause much mean before move right boy old too same tell does set three want air "
    "well also play small end put home read hand port large spell add even land here must big "
    "high such follow act why ask men change went light kind off need house picture try us again "
    "animal point mother world near build self earth father head stand own page should country "
    "found answer school grow study still learn plant cover food sun four between state keep eye "
    "never last let thought city tree cross farm hard start might story saw far sea draw left late "
    "run while press close night real life few north open seem together next white children begin "
    "got walk example ease paper group always music those both mark often letter until mile river "
    "car feet care second book carry took science eat room friend began idea fish mountain stop "
    "once base hear horse cut sure watch color face wood main enough plain girl usual young ready "
    "above ever red list though feel talk bird soon body dog family direct pose leave song measure "
    "door product black short numeral class wind question happen complete ship area half rock "
    "order fire south problem piece told knew pass since top whole king space heard best hour "
    "better true during hundred five remember step early hold west ground interest reach fast verb "
    "sing listen six table travel less morning ten simple several vowel toward war lay against "
    "pattern slow center love person money serve appear road map rain rule govern pull cold notice "
    "voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star "
    "box noun field rest correct able pound done beauty drive stood contain front teach week final "
    "gave green oh quick develop ocean warm free minute strong special mind behind clear tail "
    "produce fact street inch multiply nothing course stay wheel full force blue object decide "
    "surface deep moon island foot system busy test record boat common gold possible plane stead "
    "dry wonder laugh thousand ago ran check game shape equate miss brought heat snow tire bring "
    "yes distant fill east paint language among gateway latency throughput tokenizer quota";

std::string english_text(std::size_t bytes, unsigned seed) {
  std::vector<std::string> words;
  std::istringstream in(kWords);
  for (std::string w; in >> w;) words.push_back(w);
  std::vector<double> weights;
  for (std::size_t i = 0; i < words.size(); ++i)
    weights.push_back(1.0 / (static_cast<double>(i) + 2.7));
  std::mt19937 rng(seed);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  std::string out;
  bool sentence_start = true;
  while (out.size() < bytes) {
    std::string w = words[pick(rng)];
    if (sentence_start) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    out += w;
    sentence_start = false;
    const unsigned r = rng() % 100;
    if (r < 6) {
      out += ". ";
      sentence_start = true;
    } else if (r < 10) {
      out += ", ";
    } else if (r < 11) {
      out += ".\n\n";
      sentence_start = true;
    } else {
      out += ' ';
    }
  }
  out.resize(bytes);
  return out;
}

std::string repeat_to(std::string_view unit, std::size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += unit;
  out.resize(bytes);
  return out;
}

void run(benchmark::State& state, const std::string& text) {
  (void)tokens::count_text("qwen3-max", "warm up");  // loads the vocabulary
  std::size_t count = 0;
  for (auto _ : state) {
    count = tokens::count_text("qwen3-max", text);
    benchmark::DoNotOptimize(count);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(count);
  state.counters["bytes/token"] = static_cast<double>(text.size()) / static_cast<double>(count);
}

void BM_Qwen3English(benchmark::State& state) { run(state, english_text(kMiB, 1)); }

void BM_Qwen3Chinese(benchmark::State& state) {
  run(state,
      repeat_to(
          "令牌网关把多个受限的上游账户合并成一个服务，并发请求按配额排队。我们需要精确的计数，"
          "因为按字节估算对中文会差两倍。",
          kMiB));
}

void BM_Qwen3Code(benchmark::State& state) {
  run(state, repeat_to("for (std::size_t i = 0; i < n; ++i) {\n    total += weights[i] * x[i];"
                       " // accumulate\n}\nif (total > kLimit) return Status::kOverBudget;\n",
                       kMiB));
}

// The non-quadratic guarantee: a single 1 MiB "word" (one pre-token, one BPE run).
void BM_Qwen3MegabyteWithoutSpaces(benchmark::State& state) {
  std::mt19937 rng(7);
  std::string word;
  while (word.size() < kMiB) word += static_cast<char>('a' + rng() % 26);
  run(state, word);
}

void BM_Qwen3MegabyteSameLetter(benchmark::State& state) { run(state, std::string(kMiB, 'a')); }

void BM_Qwen3Chat(benchmark::State& state) {
  const std::string a = english_text(2000, 2);
  const std::string b = english_text(600, 3);
  const std::vector<tokens::ChatMessage> messages = {
      {"system", "You are a helpful assistant."}, {"user", a}, {"assistant", b}, {"user", a}};
  std::size_t bytes = 0;
  for (const auto& m : messages) bytes += m.content.size();
  (void)tokens::count_text("qwen3-max", "warm up");
  for (auto _ : state) benchmark::DoNotOptimize(tokens::count_chat("qwen3-max", messages));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

// First use: parsing the embedded tokenizer.json (measured on a fresh tokenizer each time).
void BM_Qwen3LoadVocabulary(benchmark::State& state) {
  const std::string_view json = tokens::embedded_tokenizer_json(tokens::Vocabulary::Qwen3);
  if (json.empty()) {
    state.SkipWithError("built without embedded tokenizers");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(tokens::BpeTokenizer::from_json(json, true));
}

}  // namespace

BENCHMARK(BM_Qwen3English)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Qwen3Chinese)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Qwen3Code)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Qwen3MegabyteWithoutSpaces)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Qwen3MegabyteSameLetter)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Qwen3Chat)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Qwen3LoadVocabulary)->Unit(benchmark::kMillisecond);
