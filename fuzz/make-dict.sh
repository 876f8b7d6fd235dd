#!/usr/bin/env bash
# Regenerates fuzz/dict/scenario.dict from the model registry: every key and model name that
# `joule list-models --markdown` documents, plus YAML punctuation and a few typical values.
# Usage: fuzz/make-dict.sh [path/to/joule]
set -euo pipefail
cd "$(dirname "$0")/.."
joule=${1:-build/joule}
{
  echo "# Scenario keys and model names from \`joule list-models --markdown\` (fuzz/make-dict.sh)."
  "$joule" list-models --markdown |
    grep -oE '^\| `[a-z_0-9]+`|^## [a-z_ ]+: `[a-z0-9-]+`' |
    sed -E 's/^\| `([^`]*)`/\1/; s/^## .*: `([^`]*)`/\1/' | sort -u | awk '{printf "\"%s\"\n", $0}'
  cat <<'DICT'
":"
": "
"{"
"}"
"["
"]"
", "
"\x0a  "
"- "
"extends: "
"generator: "
"type: "
"1 h"
"700 W"
"35 degC"
"2N"
"N+1"
"water-side"
"dgx-h100"
"cold-plate"
"poisson"
"lognormal"
DICT
} > fuzz/dict/scenario.dict
