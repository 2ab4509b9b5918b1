#!/bin/sh
# Runs promtool with the given arguments in this directory; exit 77 (ctest's skip) when
# promtool is not installed (scripts/setup installs Debian's prometheus package, which
# ships it).
set -eu
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIPPED: promtool not installed (scripts/setup installs the prometheus package)"
  exit 77
fi
cd "$(dirname "$0")"
exec promtool "$@"
