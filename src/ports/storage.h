// One backend holds both keys and usage (spend is updated with the ledger in one transaction).
#pragma once

#include "ports/key_store.h"
#include "ports/usage_ledger.h"

namespace sluice::ports {

class Storage : public KeyStore, public UsageLedger {
 public:
  ~Storage() override = default;
};

}  // namespace sluice::ports
