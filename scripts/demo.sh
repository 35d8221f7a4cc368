#!/usr/bin/env bash
# Runs the main job against the local emulator: an audit, a deletion of every member
# account's root credentials, and a second audit that shows nothing is left.
# Writes target/demo/audit-before.csv, delete.csv and audit-after.csv.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ROOTWARD_BIN:-$root/target/release/rootward}
out=$root/target/demo
scenario=$root/tests/emulator/scenarios/demo.json

mkdir -p "$out"
rm -f "$out"/*.csv "$out"/emulator.*

source "$root/scripts/emulator.sh"
start_emulator "$out" --scenario "$scenario"

echo "== rootward audit (before)"
"$bin" audit --report "$out/audit-before.csv"

echo
echo "== rootward delete-credentials --execute"
"$bin" delete-credentials --execute --report "$out/delete.csv"

echo
echo "== rootward audit (after)"
"$bin" audit --report "$out/audit-after.csv"

python3 "$root/scripts/check_clean.py" "$out/audit-after.csv"
echo
echo "Reports: $out/audit-before.csv, $out/delete.csv, $out/audit-after.csv"
