// Boost.URL is header-only in Debian's Boost 1.81: this is the one translation unit that compiles
// it.
#include <boost/url/src.hpp>
