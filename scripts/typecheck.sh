#!/usr/bin/env bash
# Type-check the library with mypy. The repository keeps one folder per room (core/, models/,
# align/, ...), installed as termalign.<room> through setup.cfg's package_dir, which mypy cannot
# read; so this links the folders into .typecheck/termalign/<room> and checks that tree.
# Settings are in setup.cfg [mypy]. Usage: scripts/typecheck.sh [extra mypy arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
rooms=(core text models align glossary corpus app)
tree=.typecheck/termalign
rm -rf "$tree"  # the links only; mypy's cache in .typecheck/.mypy_cache is kept
mkdir -p "$tree"
: > "$tree/__init__.py"
for room in "${rooms[@]}"; do
  ln -s "../../$room" "$tree/$room"
done
checked=(core text models align glossary corpus app)
args=()
for room in "${checked[@]}"; do
  args+=(-p "termalign.$room")
done
MYPYPATH=.typecheck exec python -m mypy "${args[@]}" "$@"
