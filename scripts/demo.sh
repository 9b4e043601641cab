#!/usr/bin/env bash
# The main job, as a new user runs it: `yo forge demo --defaults` with the real yo CLI (install phase
# included), then the commands it prints: migrate, and serve on http://127.0.0.1:${PORT:-8000} (/docs, /health).
# Run from a checkout after `npm ci`. FORGE_DEMO_DIR chooses where the project goes (default: a new temp folder).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$repo/generators" ] || npm --prefix "$repo" run build

sandbox="${FORGE_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/forge-demo.XXXXXX")}"
mkdir -p "$sandbox/node_modules" "$sandbox/home"
chmod 755 "$sandbox"
# yo discovers generators in node_modules folders above the working directory.
ln -sfn "$repo" "$sandbox/node_modules/generator-forge"
# As root, yo switches itself to uid 1000: that user must own the folders it writes.
[ "$(id -u)" -eq 0 ] && chown 1000:1000 "$sandbox" "$sandbox/home"
cd "$sandbox"

HOME="$sandbox/home" "$repo/node_modules/.bin/yo" forge demo --defaults </dev/null
cd demo
.venv/bin/alembic upgrade head
echo "Serving $sandbox/demo on http://127.0.0.1:${PORT:-8000} (/docs, /health); Ctrl-C to stop."
exec .venv/bin/uvicorn app.main:app --host 127.0.0.1 --port "${PORT:-8000}"
