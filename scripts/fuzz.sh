#!/usr/bin/env bash
#
# Fuzzes one @FuzzTest of smtpd-core with Jazzer for as long as asked (coverage-guided,
# libFuzzer underneath). In `mvn verify` the same tests only replay their committed inputs.
#
# Usage: scripts/fuzz.sh <Class#method> [duration]      e.g. scripts/fuzz.sh FramerFuzzTests#dataMode 10m
#        scripts/fuzz.sh --list                          the fuzz tests there are
#
# duration: seconds, or with s/m/h [5m]. The class is in dev.smtpd.core.engine unless it is
# given with its package. The corpus the fuzzer grows is kept in smtpd-core/.cifuzz-corpus/
# (not committed) and reused by the next run; a finding (crash-*, timeout-*) is written to
# the test's inputs directory, src/test/resources/<package>/<Class>Inputs/<method>/, so that
# `mvn verify` replays it from then on: commit it with the fix.
#
# Environment: JAVA_OPTS [-Xmx512m], FUZZ_ARGS [] more libFuzzer flags (e.g. -jobs=2 -workers=2,
# -max_len=8192).
#
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CORE="$ROOT/smtpd-core"
TESTS="$CORE/src/test/java"

if [[ "${1:-}" == "--list" || -z "${1:-}" ]]; then
	grep -rl "@FuzzTest" "$TESTS" | while read -r file; do
		class="$(basename "$file" .java)"
		grep -A12 "@FuzzTest" "$file" | grep -oE 'void [a-zA-Z]+\(' | sed "s/void \(.*\)(/$class#\1/"
	done | sort -u
	[[ -z "${1:-}" ]] && { echo "Usage: $0 <Class#method> [duration]" >&2; exit 2; }
	exit 0
fi

target="$1"
duration="${2:-5m}"
class="${target%%#*}"
method="${target#*#}"
[[ "$class" == *.* ]] || class="dev.smtpd.core.engine.$class"
case "$duration" in
	*h) seconds=$((${duration%h} * 3600)) ;;
	*m) seconds=$((${duration%m} * 60)) ;;
	*s) seconds="${duration%s}" ;;
	*) seconds="$duration" ;;
esac

cd "$ROOT"
# compiles the tests and writes the test class path (no install, offline)
mvn -o -q -B -pl smtpd-core test-compile dependency:build-classpath -Dmdep.includeScope=test \
	-Dmdep.outputFile="$CORE/target/fuzz-classpath.txt" -Dspring-javaformat.skip=true >&2

package_dir="$(dirname "${class//.//}")"
simple="${class##*.}"
inputs="$CORE/src/test/resources/$package_dir/${simple}Inputs/$method"
corpus="$CORE/.cifuzz-corpus/$class/$method"
mkdir -p "$inputs" "$corpus"

echo "Fuzzing $class#$method for ${seconds}s; corpus $corpus, findings to $inputs" >&2
cd "$CORE"
set +e
# shellcheck disable=SC2086
java ${JAVA_OPTS:--Xmx512m} -Dio.netty.leakDetection.level=disabled \
	-cp "target/test-classes:target/classes:$(cat target/fuzz-classpath.txt)" \
	com.code_intelligence.jazzer.Jazzer --target_class="$class" --target_method="$method" \
	-max_total_time="$seconds" -artifact_prefix="$inputs/" -print_final_stats=1 ${FUZZ_ARGS:-} \
	"$corpus" 2> >(grep --line-buffered -v '^INFO: Instrumented' >&2)
status=$?
set -e
if ((status != 0)); then
	echo "Jazzer stopped with status $status: a finding in $inputs (replay: mvn -o -pl smtpd-core test -Dtest=${simple})" >&2
fi
exit "$status"
