#!/usr/bin/env bash
# run.sh — run test binaries one after another and add up their results.
#
#   tests/run.sh BIN...        (make test / make unit / make e2e call this)
#
# Shows each binary's output as it runs, reads cmocka's summary lines
#   [  PASSED  ] N test(s).
#   [  FAILED  ] N test(s), listed below:
# and prints per-binary counts and wall time. A binary that crashes, times out
# or exits non-zero without a summary counts as one failure; so does one that
# exits 0 without any summary (it ran no test) and one whose summary reports
# no failure but whose exit status says otherwise (a sanitizer report at exit,
# a crash in teardown). The last line is exactly "N passed, N failed"; the
# exit status is 0 only when nothing failed.
#
# Environment: TEST_TIMEOUT (seconds per binary, default 600).

set -u

if [ "$#" -eq 0 ]; then
    echo "usage: tests/run.sh TEST_BINARY..." >&2
    exit 2
fi

timeout_s=${TEST_TIMEOUT:-600}

now_ms() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME//[.,]/}     # microseconds, whatever the locale's point
        echo $((10#$t / 1000))
    else
        echo $(( $(date +%s%N) / 1000000 ))
    fi
}

# Sum the N of every line matching the pattern (a binary may run several groups).
sum_matches() {
    local pattern=$1 file=$2
    grep -oE "$pattern" "$file" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }'
}

log=$(mktemp "${TMPDIR:-/tmp}/okr-run.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

total_pass=0
total_fail=0
total_skip=0
bad_bins=()
report=()

for bin in "$@"; do
    name=$(basename "$bin")
    echo "=== $name"
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin: no such executable"
        total_fail=$((total_fail + 1))
        bad_bins+=("$name (missing)")
        report+=("$(printf '%-22s missing' "$name")")
        continue
    fi

    start=$(now_ms)
    if command -v timeout >/dev/null 2>&1; then
        timeout --kill-after=10 "$timeout_s" "$bin" 2>&1 </dev/null | tee "$log"
        rc=${PIPESTATUS[0]}
    else
        "$bin" 2>&1 </dev/null | tee "$log"
        rc=${PIPESTATUS[0]}
    fi
    elapsed=$(( $(now_ms) - start ))

    pass=$(sum_matches '\[  PASSED  \] [0-9]+ test\(s\)\.' "$log")
    fail=$(sum_matches '\[  FAILED  \] [0-9]+ test\(s\), listed below:' "$log")
    skip=$(sum_matches '\[  SKIPPED \] [0-9]+ test\(s\), listed below:' "$log")
    has_summary=0
    grep -qE '\[  PASSED  \] [0-9]+ test\(s\)\.' "$log" && has_summary=1

    note=""
    if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$elapsed" -ge $((timeout_s * 1000)) ]; }; then
        note="timed out after ${timeout_s}s"
        fail=$((fail + 1))
    elif [ "$has_summary" -eq 0 ]; then
        if [ "$rc" -gt 128 ]; then
            note="crashed (signal $((rc - 128))) before its summary"
        elif [ "$rc" -ne 0 ]; then
            note="exited $rc without a summary"
        else
            note="exited 0 without a summary (ran no test)"
        fi
        fail=$((fail + 1))
    elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
        if [ "$rc" -gt 128 ]; then
            note="crashed (signal $((rc - 128))) after reporting no failure"
        else
            note="exited $rc after reporting no failure"
        fi
        fail=$((fail + 1))
    fi

    secs=$(printf '%d.%02d' $((elapsed / 1000)) $((elapsed % 1000 / 10)))
    line=$(printf '%-22s %4d passed, %3d failed, %3d skipped  %7ss' \
                  "$name" "$pass" "$fail" "$skip" "$secs")
    [ -n "$note" ] && line="$line  -- $note"
    echo "--- $line"
    report+=("$line")

    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + fail))
    total_skip=$((total_skip + skip))
    if [ "$fail" -ne 0 ]; then
        bad_bins+=("$name${note:+ ($note)}")
    fi
done

echo
echo "=== summary"
for line in "${report[@]}"; do
    echo "  $line"
done
if [ "${#bad_bins[@]}" -gt 0 ]; then
    echo "failing binaries:"
    for b in "${bad_bins[@]}"; do
        echo "  $b"
    done
fi
if [ "$total_skip" -gt 0 ]; then
    echo "($total_skip skipped)"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
