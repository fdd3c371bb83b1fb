// Learned ratios that turn Sluice's own estimates into what a channel's provider will count.
#pragma once

#include <cmath>
#include <cstdint>

namespace sluice::core {

// A channel's ratio of reported prompt tokens to Sluice's tokenizer estimate (providers count
// chat templates and special tokens their own way). Exponentially weighted, clamped to [0.25, 4]
// so one odd answer cannot wreck admission.
class TokenCalibration {
 public:
  void observe(std::int64_t reported, std::int64_t estimated) {
    if (reported <= 0 || estimated <= 0) return;
    double r = static_cast<double>(reported) / static_cast<double>(estimated);
    r = r < 0.25 ? 0.25 : (r > 4.0 ? 4.0 : r);
    ratio_ = samples_ == 0 ? r : ratio_ + kAlpha * (r - ratio_);
    ++samples_;
  }
  double ratio() const { return ratio_; }
  std::int64_t samples() const { return samples_; }
  std::int64_t apply(std::int64_t estimate) const {
    return static_cast<std::int64_t>(std::ceil(static_cast<double>(estimate) * ratio_));
  }

 private:
  static constexpr double kAlpha = 0.1;
  double ratio_ = 1.0;
  std::int64_t samples_ = 0;
};

// Expected completion length of a model's answers when the client sets no max_tokens: the mean
// plus two mean deviations of recent answers (a high quantile, so that most answers fit their
// reservation and the token window is rarely overrun by a surprise).
class CompletionEstimate {
 public:
  explicit CompletionEstimate(std::int64_t initial = 512) : initial_(initial) {}
  void observe(std::int64_t completion_tokens) {
    if (completion_tokens < 0) return;
    const double x = static_cast<double>(completion_tokens);
    if (samples_ == 0) {
      mean_ = x;
      dev_ = x / 2;
    } else {
      dev_ += kAlpha * (std::fabs(x - mean_) - dev_);
      mean_ += kAlpha * (x - mean_);
    }
    ++samples_;
  }
  std::int64_t expected() const {
    if (samples_ == 0) return initial_;
    return static_cast<std::int64_t>(std::ceil(mean_ + 2 * dev_));
  }
  std::int64_t samples() const { return samples_; }

 private:
  static constexpr double kAlpha = 0.05;
  std::int64_t initial_;
  double mean_ = 0;
  double dev_ = 0;
  std::int64_t samples_ = 0;
};

}  // namespace sluice::core
