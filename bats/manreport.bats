#!/usr/bin/env bats
# The man page's REPORT section names every key the JSON reports carry
# (issue 19, point 14): the keys of a few real runs' --json (plain,
# --rate with --interval and --fail-if, --stages, a --merge, --find-rate and
# a workload run, both with sizes)
# and of the unit tests' golden reports (TLS, AUTH, LMTP), each found as a
# word in that section; the --records lines' keys anywhere in the page.
load helpers

teardown() { common_teardown; }

@test "every JSON key of real runs' reports is in the man page's REPORT section; the page has no groff warning" {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    start_sink
    d=$SINK_DIR
    run src -m 6 -s 2 --json="$d/plain.json" --records="$d/plain.rec" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src -m 20 -s 2 --rate=100 --interval=0.1 --fail-if='p99(corrected)>10s' \
        --json="$d/rate.json" --records="$d/rate.rec" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src -s 2 --stages=0.2s:50/s,0.2s:100/s --interval=0.1 --json="$d/stages.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    for i in 0 1; do
        run src --shard=$i/2 -m 10 --rate=100 --json="$d/s$i.json" "$SINK_ADDR"
        [ "$status" -eq 0 ]
    done
    run src --merge --json="$d/merged.json" "$d/s0.json" "$d/s1.json"
    [ "$status" -eq 0 ]
    run src --find-rate=2-4 --step=1s -s 2 --fail-if='p50(corrected)>10s' --json="$d/find.json" \
        --seed=2 --size=1k-300k "$SINK_ADDR"
    [ "$status" -eq 4 ]
    run src --seed=3 --size=500-20k --rcpts=1-3 -m 6 -s 2 --json="$d/workload.json" \
        --records="$d/workload.rec" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run python3 "$TOP/tests/manreport.py" "$TOP/man/smtp-source.1" "$d"/*.json "$TOP"/tests/golden/*.json
    echo "not in REPORT: $output"
    [ "$status" -eq 0 ]
    run python3 "$TOP/tests/manreport.py" --whole "$TOP/man/smtp-source.1" "$d"/*.rec
    echo "not in the page: $output"
    [ "$status" -eq 0 ]
    run groff -man -Tutf8 -ww "$TOP/man/smtp-source.1"
    [ "$status" -eq 0 ]
    run bash -c 'groff -man -Tutf8 -ww "$1" 2>&1 >/dev/null' _ "$TOP/man/smtp-source.1"
    [ -z "$output" ]
}
