// The one translation unit that compiles Boost.JSON (header-only in Debian 1.81) for the program.
#include <boost/json/src.hpp>
