#include "store/wall_time.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace sluice::store {
namespace {

// Reads exactly `width` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

}  // namespace

ports::UnixMillis wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<ports::UnixMillis> parse_utc_time(std::string_view s) {
  using namespace std::chrono;
  if (s.starts_with("@")) {
    long long secs = 0;
    auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), secs);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return secs * 1000;
  }
  const auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  sys_seconds t = sys_days{ymd};
  std::string_view rest = s.substr(10);
  if (!rest.empty()) {
    if (rest.back() == 'Z') rest.remove_suffix(1);
    const auto h = digits(rest, 1, 2), mi = digits(rest, 4, 2);
    if ((rest[0] != 'T' && rest[0] != ' ') || !h || !mi || rest[3] != ':' || *h > 23 || *mi > 59) {
      return std::nullopt;
    }
    int sec = 0;
    if (rest.size() == 9 && rest[6] == ':') {
      const auto sv = digits(rest, 7, 2);
      if (!sv || *sv > 59) return std::nullopt;
      sec = *sv;
    } else if (rest.size() != 6) {
      return std::nullopt;
    }
    t += hours{*h} + minutes{*mi} + seconds{sec};
  }
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::optional<ports::UnixMillis> parse_since(std::string_view s, ports::UnixMillis now) {
  if (s == "all") return 0;
  if (s.size() >= 2) {
    long long n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, n);
    if (ec == std::errc{} && p == s.data() + s.size() - 1 && n >= 0) {
      long long unit = 0;
      switch (s.back()) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60'000;
          break;
        case 'h':
          unit = 3'600'000;
          break;
        case 'd':
          unit = 86'400'000;
          break;
        case 'w':
          unit = 7 * 86'400'000LL;
          break;
        default:
          return std::nullopt;
      }
      return now - n * unit;
    }
  }
  return parse_utc_time(s);
}

std::string format_utc_time(ports::UnixMillis t) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const sys_days day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(tp - day)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace sluice::store
