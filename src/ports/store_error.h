// Errors of the storage ports, as values (boost::system::result): the request path never sees an
// exception from a store, and a backend's message survives up to the operator's log or CLI.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>

namespace sluice::ports {

struct StoreError {
  enum class Code {
    kUnavailable,  // I/O, lock timeout, corrupt file: the operation may succeed later
    kConflict,     // a unique constraint (e.g. a key name that already exists)
    kInvalid,      // bad argument (e.g. an empty name)
    kUnsupported,  // e.g. a storage scheme this build does not know
  };
  Code code = Code::kUnavailable;
  std::string message;
};

template <class T>
using StoreResult = boost::system::result<T, StoreError>;
using StoreStatus = boost::system::result<void, StoreError>;

// Lets StoreResult::value() throw (outside the request path: CLI, tests).
[[noreturn]] inline void throw_exception_from_error(const StoreError& e,
                                                    const boost::source_location&) {
  throw std::runtime_error(e.message);
}

}  // namespace sluice::ports
