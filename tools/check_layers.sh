#!/usr/bin/env bash
# The dependency rule of docs/DESIGN.md: core/ and proto/ are pure (no I/O, no threads, no clock of
# their own); only net/ may include Beast.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root/src" || exit 2
bad=0
pure=$(grep -rnE '#include <(boost/(asio|beast)|sqlite3\.h|hiredis|libpq|thread>|mutex>)|::now\(\)' core proto 2>/dev/null)
[ -n "$pure" ] && { echo "impure include or clock read in core/ or proto/:"; echo "$pure"; bad=1; }
beast=$(grep -rln '#include <boost/beast' --include='*.h' --include='*.cpp' . | grep -v '^./net/')
[ -n "$beast" ] && { echo "Boost.Beast outside net/:"; echo "$beast"; bad=1; }
up=$(grep -rnE '#include "pipeline/' net store admin/../net 2>/dev/null)
[ -n "$up" ] && { echo "net/ or store/ includes pipeline/:"; echo "$up"; bad=1; }
[ $bad = 0 ] && echo "layering ok"
exit $bad
