#include "sim/answer_body.h"

#include "sim/json_out.h"
#include "sim/rng.h"

#include <fmt/format.h>

#include <cmath>

namespace sluice::sim {
namespace {

void append_usage(std::string& out, const Usage& u) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{},)"
                 R"("prompt_tokens_details":{{"cached_tokens":0}}}})",
                 u.prompt_tokens, u.completion_tokens, u.prompt_tokens + u.completion_tokens);
}

void begin_chunk(std::string& out, const ChunkHeader& h) {
  out += R"(data: {"id":)";
  append_json_string(out, h.id);
  fmt::format_to(std::back_inserter(out), R"(,"object":"chat.completion.chunk","created":{})",
                 h.created);
  out += R"(,"model":)";
  append_json_string(out, h.model);
}

void end_chunk(std::string& out, const ChunkHeader& h) {
  if (h.usage_null) out += R"(,"usage":null)";
  out += "}\n\n";
}

}  // namespace

std::string completion_body(std::string_view id, int64_t created, std::string_view model,
                            std::string_view content, std::string_view finish_reason,
                            const Usage& usage) {
  std::string out;
  out.reserve(320 + content.size());
  out += R"({"id":)";
  append_json_string(out, id);
  fmt::format_to(std::back_inserter(out), R"(,"object":"chat.completion","created":{})", created);
  out += R"(,"model":)";
  append_json_string(out, model);
  out += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)";
  append_json_string(out, content);
  out += R"(},"finish_reason":)";
  append_json_string(out, finish_reason);
  out += R"(}],"usage":)";
  append_usage(out, usage);
  out += '}';
  return out;
}

void append_role_chunk(std::string& out, const ChunkHeader& h) {
  begin_chunk(out, h);
  out += R"(,"choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
         R"("finish_reason":null}])";
  end_chunk(out, h);
}

void append_content_chunk(std::string& out, const ChunkHeader& h, std::string_view content) {
  begin_chunk(out, h);
  out += R"(,"choices":[{"index":0,"delta":{"content":)";
  append_json_string(out, content);
  out += R"(},"finish_reason":null}])";
  end_chunk(out, h);
}

void append_finish_chunk(std::string& out, const ChunkHeader& h, std::string_view finish_reason) {
  begin_chunk(out, h);
  out += R"(,"choices":[{"index":0,"delta":{},"finish_reason":)";
  append_json_string(out, finish_reason);
  out += "}]";
  end_chunk(out, h);
}

void append_usage_chunk(std::string& out, const ChunkHeader& h, const Usage& usage) {
  begin_chunk(out, h);
  out += R"(,"choices":[],"usage":)";
  append_usage(out, usage);
  out += "}\n\n";
}

std::string embeddings_body(std::string_view model, const std::vector<uint64_t>& input_hashes,
                            uint64_t dimensions, uint64_t prompt_tokens) {
  std::string out;
  out.reserve(128 + input_hashes.size() * (dimensions * 11 + 48));
  out += R"({"object":"list","data":[)";
  std::vector<double> v(dimensions);
  for (std::size_t i = 0; i < input_hashes.size(); ++i) {
    Rng rng(input_hashes[i]);
    double norm = 0;
    for (double& x : v) {
      x = rng.uniform() * 2 - 1;
      norm += x * x;
    }
    norm = norm > 0 ? std::sqrt(norm) : 1;
    if (i != 0) out += ',';
    out += R"({"object":"embedding","index":)";
    fmt::format_to(std::back_inserter(out), "{}", i);
    out += R"(,"embedding":[)";
    for (std::size_t d = 0; d < v.size(); ++d) {
      if (d != 0) out += ',';
      fmt::format_to(std::back_inserter(out), "{:.6f}", v[d] / norm);
    }
    out += "]}";
  }
  out += R"(],"model":)";
  append_json_string(out, model);
  fmt::format_to(std::back_inserter(out), R"(,"usage":{{"prompt_tokens":{},"total_tokens":{}}}}})",
                 prompt_tokens, prompt_tokens);
  return out;
}

std::string models_body(const std::vector<std::string>& models, int64_t created) {
  std::string out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (i != 0) out += ',';
    out += R"({"id":)";
    append_json_string(out, models[i]);
    fmt::format_to(std::back_inserter(out),
                   R"(,"object":"model","created":{},"owned_by":"system"}})", created);
  }
  out += "]}";
  return out;
}

}  // namespace sluice::sim
