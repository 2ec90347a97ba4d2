#!/bin/sh
# Builds the unit-file fuzzer (libFuzzer + AddressSanitizer) straight from the FleetCore
# Unit sources with swiftc, and runs it for SECONDS (default 60) with a seed corpus made from
# examples/*.service. Findings land in Fuzz/.build-fuzz/artifacts/.
#   Fuzz/run-unitfile-fuzzer.sh 600
set -eu
SECONDS_TO_RUN="${1:-60}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/.build-fuzz"
mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts"

swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -swift-version 6 \
    -enable-upcoming-feature ExistentialAny \
    -enable-upcoming-feature MemberImportVisibility \
    -enable-upcoming-feature InternalImportsByDefault \
    -module-name UnitFileFuzzer \
    "$HERE/UnitFileFuzzer.swift" \
    "$ROOT"/Sources/FleetCore/Unit/*.swift \
    "$ROOT/Sources/FleetCore/Job/UnitRequirements.swift" \
    -o "$OUT/unitfile-fuzzer" 2>&1 | grep -v "Cannot export local symbol" || true
test -x "$OUT/unitfile-fuzzer"

# Seeds: the example units plus a few edge cases of the syntax.
cp "$ROOT"/examples/*.service "$OUT/seeds/"
printf '[S]\nA=x \\\n  y\n# c \\\nB=1\n\n[X-Fleet]\nMachineMetadata="a=b" "c=d"\nConflicts=web[0-9]*\n' > "$OUT/seeds/continuations"
printf '[Unit]\r\nDescription=crlf\r\nA=x \\\r\n' > "$OUT/seeds/crlf"
printf 'hello@1.service\n[X-Fleet]\nGlobal=true\nMachineOf=%%n\nReplaces=%%p.service\n' > "$OUT/seeds/specifiers"

exec "$OUT/unitfile-fuzzer" \
    -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/" "$OUT/corpus" "$OUT/seeds"
