#!/usr/bin/env bats
# Several machines, one run: --shard, --start-at and --merge, on the
# loopback (the tests with network namespaces and GNU parallel are in
# netns.bats). What the server saw is read from smtp-sink's dump; what the
# merge says is checked against it and against the shards' own reports.
load helpers

teardown() { common_teardown; }

# dump_to FILE ARGS...: the normalised dump of one run of ARGS against a
# fresh sink, in FILE. (Not in a $(...) subshell: teardown must know the
# sink it started.)
dump_to() {
    local file=$1
    shift
    stop_sink
    rm -f "$SINK_DIR/dump"
    start_sink
    src "$@" "$SINK_ADDR" >/dev/null 2>"$SINK_DIR/err" || { cat "$SINK_DIR/err" >&2; return 1; }
    normalize_dump >"$file"
}

# Waits (at most 10 s) until the run started in the background with
# bg_start has its workers: from then on its signal handlers are in place.
wait_workers() {
    local i
    for ((i = 0; i < 500; i++)); do
        [ "$(test_processes | wc -l)" -ge "$1" ] && return 0
        sleep 0.02
    done
    echo "the run never had $1 processes" >&2
    return 1
}

@test "--shard=0/1 puts the same bytes on the wire as no --shard" {
    # One session, so that both runs send in one order; -N, -d with
    # pipelining, and --rate: every part that reads the slot.
    ensure_sink_dir
    d=$SINK_DIR
    for opts in "-N -r 3 -m 4" "-d --pipelining -N -r 2 -m 5" "-N -m 3 --rate=200" "-o -m 2" \
                "-d -N -r 2 -m 4 -S hello -M vm"; do
        # shellcheck disable=SC2086
        dump_to "$d/plain" $opts
        # shellcheck disable=SC2086
        dump_to "$d/sharded" $opts --shard=0/1
        [ -s "$d/plain" ] && cmp "$d/plain" "$d/sharded" || { echo "differs: $opts"; diff "$d/plain" "$d/sharded"; false; }
    done
}

@test "3 shards send the run's slots once each: -N numbers and Message-Id counts are one run's" {
    start_sink
    for i in 0 1 2; do
        run src --shard=$i/3 -N -r 2 -s 2 -m 10 -M vm "$SINK_ADDR"
        [ "$status" -eq 0 ]
        # Shard 0 owns slots 0, 3, 6, 9; the others 3 each.
        want=$((i == 0 ? 4 : 3))
        [[ "$output" == *"messages    $want requested, $want sent, 0 failed"* ]]
    done
    [ "$(dump_count)" -eq 10 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 20 | tr '\n' ' ')" ]
    # The Message-Id's last field counts down the run's slots: 9 .. 0.
    [ "$(sed -n 's/^Message-Id: <[0-9a-f]*\.[0-9a-f]*\.\([0-9a-f]*\)@.*/\1/p' "$SINK_DUMP" | sort | tr '\n' ' ')" = "0000 0001 0002 0003 0004 0005 0006 0007 0008 0009 " ]
    # Slot k's numbers are 2k+1, 2k+2, its count 9-k: both in one message.
    awk '/^X-Rcpt-Args/ && !n { sub(/^X-Rcpt-Args: </, ""); n = $0 + 0 }
         /^Message-Id/ { split($0, f, /[.@]/); k = (n - 1) / 2; if (f[3] + 0 != 9 - k) bad = 1; n = 0 }
         END { exit bad }' "$SINK_DUMP"
    assert_no_workers
}

@test "every bad --shard is refused before any connection" {
    start_fake_script - </dev/null
    for bad in --shard=4/4 --shard=0/0 --shard=1 --shard=1/ --shard=/2 --shard=-1/2 \
               --shard=0/10001 --shard=a/b --shard=1/2x --shard=; do
        run src "$bad" -m 3 "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "${lines[0]}" == *"smtp-source: fatal: ${bad}: "* ]]
    done
    # The server's first connection is our own probe: none came before it.
    run fake_session $'QUIT\r\n'
    [[ "$output" == "220 "* ]]
    for _ in $(seq 1 100); do grep -q ' accept' "$FAKE_LOG/events" && break; sleep 0.05; done
    [ "$(grep ' accept' "$FAKE_LOG/events")" = "1 accept" ]
}

@test "--start-at: the run waits for the instant, with nothing on the wire before it; t0 is that instant" {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    start_sink
    d=$(sink_dir)
    # A whole second at least one second ahead.
    at=$(($(date +%s) + 2))
    bg_start "$SRC" --start-at=@$at -m 3 -s 2 --json="$d/r.json" "$SINK_ADDR" >"$d/out" 2>"$d/err"
    wait_workers 3
    # Its workers exist and wait: nothing reached the server yet. (Only
    # meaningful before the instant, which the test makes sure of.)
    idle_conns=$(established "$SINK_PORT")
    idle_msgs=$(dump_count)
    [ "$(date +%s%N)" -lt "${at}000000000" ]
    [ "$idle_conns" -eq 0 ] && [ "$idle_msgs" -eq 0 ]
    rc=0
    wait "$BG_PID" || rc=$?
    BG_PIDS=
    [ "$rc" -eq 0 ]
    # It ended after the instant, having sent every message.
    [ "$(date +%s%N)" -ge "${at}000000000" ]
    [ "$(dump_count)" -eq 3 ]
    [[ "$(cat "$d/err")" =~ smtp-source:\ starting\ at\ ([-0-9T:]+)\.000000Z,\ in\ [0-9.]+\ s\ \(--start-at\) ]]
    [ "$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%S)" = "${BASH_REMATCH[1]}" ]
    grep -q "^  start       t0 ${BASH_REMATCH[1]}.000000Z, start lag [0-9.]* ms$" "$d/out"
    python3 - "$d/r.json" "$at" <<'PY'
import json, sys
j, at = json.load(open(sys.argv[1])), int(sys.argv[2])
run = j['run']
assert j['version'] == 2 and run['shard'] is None, run
assert run['identity']['start_at_unix_us'] == run['t0_unix_us'] == at * 1000000, run
# The gate opened at the instant or after it, never before.
assert run['start_lag_us'] >= 0, run
assert 0 <= run['first_start_us'] <= run['last_end_us'] <= run['elapsed_us'], run
PY
}

@test "--start-at in the past starts at once, with one line saying how late" {
    start_sink
    run src --start-at=@$(($(date +%s) - 5)).5 -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" =~ smtp-source:\ warning:\ --start-at=@[0-9]+\.5\ is\ ([0-9.]+)\ s\ past:\ starting\ now ]]
    late=${BASH_REMATCH[1]}
    [ "${late%%.*}" -ge 4 ]
    [ "$(grep -c 'past: starting now' <<<"$output")" -eq 1 ]
    [ "$(dump_count)" -eq 2 ]
    [[ "$output" =~ \ \ start\ \ \ \ \ \ \ t0\ [-0-9T:.]+Z,\ start\ lag\ ([0-9]+)\.[0-9]+\ ms ]]
    # The lag is how late the run started: at least the 4.5 s.
    [ "${BASH_REMATCH[1]}" -ge 4500 ]
}

@test "--start-at more than 24 h away, or not a time, is refused before any connection" {
    start_fake_script - </dev/null
    far=$(($(date +%s) + 86400 + 60))
    for bad in "@$far" "$(date -u -d "@$far" +%Y-%m-%dT%H:%M:%SZ)" 2026-12-01T10:00:00 "2026-12-01 10:00:00Z" \
               2026-02-30T10:00:00Z @ @-5 @1e9 now ""; do
        run src --start-at="$bad" -m 3 "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "${lines[0]}" == *"smtp-source: fatal: --start-at=$bad: "* ]]
    done
    [[ "$(src --start-at="@$far" -m 1 "$FAKE_ADDR" 2>&1)" == *": more than 24 h away ("* ]]
    # The server's first connection is our own probe: none came before it.
    run fake_session $'QUIT\r\n'
    [[ "$output" == "220 "* ]]
    for _ in $(seq 1 100); do grep -q ' accept' "$FAKE_LOG/events" && break; sleep 0.05; done
    [ "$(grep ' accept' "$FAKE_LOG/events")" = "1 accept" ]
}

@test "the wait for --start-at ends on SIGINT (130) or SIGTERM (143), with the report and no message" {
    start_sink
    d=$(sink_dir)
    for sig in INT TERM; do
        bg_start "$SRC" --start-at=@$(($(date +%s) + 60)) -s 2 -m 4 "$SINK_ADDR" >"$d/out" 2>"$d/err"
        wait_workers 3
        kill -$sig "$BG_PID"
        rc=0
        wait "$BG_PID" || rc=$?
        BG_PIDS=
        want=$([ $sig = INT ] && echo 130 || echo 143)
        [ "$rc" -eq "$want" ]
        grep -q "^smtp-source: interrupted by SIG$sig in " "$d/out"
        [ $sig = TERM ] || grep -q "SIGINT: the run stops before --start-at's time; no message starts" "$d/err"
        grep -q "^  messages    4 requested, 0 sent, 0 failed, 4 not done$" "$d/out"
        assert_no_workers
    done
    [ "$(dump_count)" -eq 0 ]
}
