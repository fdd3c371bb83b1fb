// A log sink that gathers lines in memory and writes them in batches: by spdlog's periodic
// flusher (spdlog::flush_every), or at once by the thread whose line filled the buffer. Logging
// a request then costs an append under a short lock, not a thread wake-up and a write per line,
// and no line is dropped under load (an async logger's full queue drops or blocks instead).
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>
#include <string>

namespace sluice::cli {

class BatchedSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // REQUIRES: `file` outlives the sink.
  explicit BatchedSink(std::FILE* file, std::size_t batch_bytes = 256 * 1024)
      : file_(file), batch_bytes_(batch_bytes) {
    buffer_.reserve(batch_bytes_);
  }
  // The lines since the last flush go out too: spdlog::shutdown() drops loggers unflushed.
  ~BatchedSink() override {
    std::lock_guard lock(mutex_);
    flush_();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= batch_bytes_) flush_();
  }

  void flush_() override {
    if (buffer_.empty()) return;
    std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    std::fflush(file_);
    buffer_.clear();
  }

 private:
  std::FILE* file_;
  std::size_t batch_bytes_;
  std::string buffer_;
};

}  // namespace sluice::cli
