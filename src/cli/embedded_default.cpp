#include "cli/embedded_default.h"

#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace sluice::cli {

struct EmbeddedDefault::Impl {};

EmbeddedDefault::EmbeddedDefault() : impl_(std::make_unique<Impl>()) {}
EmbeddedDefault::~EmbeddedDefault() { stop(); }

config::Config EmbeddedDefault::start() {
  throw std::runtime_error("embedded default: simulator not wired yet");
}

void EmbeddedDefault::print_examples(const std::string&, uint16_t) const {}
void EmbeddedDefault::stop() {}

}  // namespace sluice::cli
