#!/usr/bin/env bash
# Drives the server through Alibaba Cloud's official Python SDK: makes a virtual environment
# (target/sdk-venv), installs the pinned SDK from PyPI, starts the server on a free loopback
# port with an empty database, and runs check_sdk.py against it. Run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$root/target/sdk-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r server/sdk/requirements.txt
cargo build --quiet --release -p snapjobs-server
work=$(mktemp -d)
out="$work/server.out"
"$root/target/release/snapjobs-server" --listen 127.0.0.1:0 --access-keys server/access-keys.txt \
  --data "$work/jobs.db" >"$out" 2>"$work/server.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out")
[ -n "$port" ] || { echo "the server did not start"; cat "$work/server.err"; exit 1; }
"$venv/bin/python" server/sdk/check_sdk.py "$port" server/access-keys.txt
