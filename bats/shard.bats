#!/usr/bin/env bats
# Several machines, one run: --shard, --start-at and --merge, on the
# loopback (the tests with network namespaces and GNU parallel are in
# netns.bats). What the server saw is read from smtp-sink's dump; what the
# merge says is checked against it and against the shards' own reports.
load helpers
bats_require_minimum_version 1.5.0

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
assert j['version'] == 3 and run['shard'] is None, run
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

# run_shards N SLOTS DIR OPTS...: N shards of one SLOTS-message run against
# the sink, started together at one --start-at instant, each writing
# DIR/sI.json; fails if one fails.
run_shards() {
    local n=$1 m=$2 dir=$3 i rc=0 at
    shift 3
    at=$(($(date +%s) + 2))
    local -a pids=()
    for ((i = 0; i < n; i++)); do
        bg_start "$SRC" --shard=$i/$n --start-at=@$at -N -m "$m" --json="$dir/s$i.json" "$@" \
            "$SINK_ADDR" >"$dir/out$i" 2>"$dir/err$i"
        pids+=("$BG_PID")
    done
    for i in "${pids[@]}"; do wait "$i" || rc=$?; done
    BG_PIDS=
    [ "$rc" -eq 0 ] || { cat "$dir"/err* >&2; return 1; }
}

@test "--merge of 3 shards is what the sink saw: every -N number once, counts and histograms of every message" {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    start_sink
    d=$(sink_dir)
    run_shards 3 60 "$d" -s 2 --rate=300 --interval=0.1
    run src --merge --json="$d/m.json" "$d/s0.json" "$d/s1.json" "$d/s2.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *"smtp-source: completed in "* ]]
    [[ "$output" == *"  messages    60 requested, 60 sent, 0 failed"$'\n'* ]]
    # (Whether 2 sessions a shard held 100/s each is the stalls tests' matter.)
    [[ "$output" =~ $'\n'"  sessions    6, 60 connections"($'\n'|\;) ]]
    [[ "$output" =~ \ \ shards\ \ \ \ \ \ 3\ of\ 3,\ t0\ [-0-9T:]+\.000000Z,\ lag\ max ]]
    [ "$(dump_count)" -eq 60 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | uniq | wc -l)" -eq 60 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 60 | tr '\n' ' ')" ]
    python3 - "$d" 60 <<'PY'
import json, sys
d, m = sys.argv[1], int(sys.argv[2])
j = json.load(open(d + '/m.json'))
shards = [json.load(open('%s/s%d.json' % (d, i))) for i in range(3)]
assert j['status'] == 'completed' and j['merged']['partial'] is False, j['merged']
assert j['messages'] == {'requested': m, 'sent': m, 'failed': 0, 'not_done': 0, 'unknown_outcome': 0}, j['messages']
assert j['recipients']['accepted'] == m and j['connections'] == m
lat = j['latency_ms']
for h in ('message', 'service', 'corrected', 'start_lag'):
    assert lat[h]['count'] == m and sum(b[2] for b in lat[h]['buckets']) == m, h
    # Bucket by bucket, the shards' sum.
    want = {}
    for s in shards:
        for lo, hi, c in s['latency_ms'][h]['buckets']:
            want[lo] = want.get(lo, 0) + c
    assert {b[0]: b[2] for b in lat[h]['buckets']} == want, h
    assert lat[h]['max_us'] == max(s['latency_ms'][h]['max_us'] for s in shards)
assert sum(i['sent'] for i in j['intervals']) == m
assert j['schedule']['due'] == m and j['schedule']['started'] == m
assert j['run']['shard'] is None and j['run']['identity']['shards'] == 3
assert [p['index'] for p in j['merged']['parts']] == [0, 1, 2]
# Every shard started at the one instant: t0 is it.
assert j['run']['t0_unix_us'] == j['run']['identity']['start_at_unix_us']
PY
    assert_no_workers
}

# The shortfall is the whole run's: the merge says it once, of the run's
# offered rate, as one machine would have (a shard warns of its own share,
# if it fell short).
@test "--merge warns of the whole run's shortfall, in one line, of the run's offered rate" {
    start_sink -w 1
    d=$(sink_dir)
    run_shards 3 12 "$d" -s 1 --rate=60
    run src --merge "$d/s0.json" "$d/s1.json" "$d/s2.json"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: achieved' <<<"$output")" -eq 1 ]
    [[ "$output" =~ smtp-source:\ warning:\ achieved\ [0-9.]+/s\ of\ 60/s\ offered\;\ [0-9]+\ messages\ were\ due\ and\ unfinished\ at\ once,\ for\ 3\ sessions:\ about\ [0-9]+\ sessions\ \(-s\)\ would\ hold\ it ]]
}

@test "--merge without some shards of a --rate run: no sessions advice, the shortfall is the missing shards'" {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    start_sink
    d=$(sink_dir)
    run_shards 2 20 "$d" -s 2 --rate=100
    run src --merge --json="$d/m.json" "$d/s0.json"
    [ "$status" -eq 3 ]
    ! grep -q 'sessions (-s)' <<<"$output"
    [ "$(grep -c 'warning: achieved' <<<"$output")" -eq 1 ]
    [[ "$output" =~ smtp-source:\ warning:\ achieved\ [0-9.]+/s\ of\ 100/s\ offered\;\ the\ shortfall\ comes\ from\ the\ missing\ shards\ \(1/2\) ]]
    python3 - "$d" <<'PY'
import json, sys
d = sys.argv[1]
j, s0 = json.load(open(d + '/m.json')), json.load(open(d + '/s0.json'))
sch = j['schedule']
# The run's slots were due, the missing shard's too; only the present one's
# started.
assert sch['due'] == 20 and sch['started'] == s0['schedule']['started'] == 10, sch
assert sch['shortfall'] and sch['sessions_needed'] is None and sch['peak_due_unfinished'] is None, sch
PY
}

# What AUTH's numbers mean depends on what each shard asked for: the merge
# adds them exactly and says when the shards differ, never taking the first
# file's word for all.
@test "--merge adds AUTH's counts exactly, and says so (and warns) when the shards asked differently" {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    d=$(sink_dir)
    printf '%s\n' 'EHLO : reply 250-fake\r\n250 AUTH PLAIN' 'AUTH : reply 235 2.7.0 ok' >"$d/script"
    start_fake_script "$d/script"
    echo pw >"$d/pw"
    auth=(--auth-user=u --auth-password-file="$d/pw" --auth-allow-plaintext)
    for i in 0 1; do
        run src --shard=$i/2 -m 6 "${auth[@]}" --json="$d/a$i.json" "$FAKE_ADDR"
        [ "$status" -eq 0 ]
    done
    run src --shard=1/2 -m 6 --json="$d/n1.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    run --separate-stderr src --merge --json="$d/m.json" "$d/a0.json" "$d/a1.json"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    grep -qx '  auth        PLAIN: 6 attempts, 6 authenticated' <<<"$output"
    [ "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["run"]["settings"]["auth"], j["auth"])' "$d/m.json")" = "PLAIN or LOGIN, as offered {'not_tried': 0, 'mechanisms': {'PLAIN': {'attempts': 6, 'authenticated': 6, 'refused': 0, 'refused_codes': {}, 'given_up': 0, 'unanswered': 0}}}" ]
    for order in "a0 n1" "n1 a0"; do
        set -- $order
        run --separate-stderr src --merge --json="$d/m.json" "$d/$1.json" "$d/$2.json"
        [ "$status" -eq 0 ]
        if [ "$1" = a0 ]; then
            differs='"PLAIN or LOGIN, as offered" in 1 of 2 shards, null in 1'
        else
            differs='null in 1 of 2 shards, "PLAIN or LOGIN, as offered" in 1'
        fi
        [ "$stderr" = "$SRC: warning: the shards differ in auth: $differs" ]
        [ "$(sed -n '/^  auth        [^ ]/,/^  recipients/p' <<<"$output" | sed '$d')" = "  auth        PLAIN: 3 attempts, 3 authenticated
  settings    auth differs: $differs" ]
        [ "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["merged"]["settings_differ"], j["auth"]["mechanisms"]["PLAIN"]["attempts"])' "$d/m.json")" = "['auth'] 3" ]
    done
}

@test "--merge without some shards: the report marked partial, the missing ones named in one line, status 3" {
    start_sink
    d=$(sink_dir)
    run_shards 4 8 "$d"
    run src --merge "$d/s1.json" "$d/s3.json"
    [ "$status" -eq 3 ]
    [ "$(grep -c missing <<<"$output")" -eq 1 ]
    [[ "$output" == *"smtp-source: missing shards 0/4, 2/4"$'\n'* ]]
    [[ "$output" == *"  shards      2 of 4 (partial), t0 "* ]]
    [[ "$output" == *"  messages    8 requested, 4 sent, 0 failed, 4 not done"$'\n'* ]]
    # From standard input too, as JSON.
    run src --merge --json - <"$d/s0.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *'"merged":{"shards":4,"partial":true,"missing":[1,2,3],'* ]]
}

@test "--merge carries a shard's SIGINT into the merged status (130)" {
    start_sink
    d=$(sink_dir)
    at=$(($(date +%s) + 2))
    bg_start "$SRC" --shard=0/2 --start-at=@$at -s 2 -m 10 --json="$d/s0.json" "$SINK_ADDR" >"$d/out0" 2>"$d/err0"
    wait_workers 3
    kill -INT "$BG_PID"
    rc=0
    wait "$BG_PID" || rc=$?
    BG_PIDS=
    [ "$rc" -eq 130 ]
    run src --shard=1/2 --start-at=@$at -s 2 -m 10 --json="$d/s1.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src --merge "$d/s1.json" "$d/s0.json"
    [ "$status" -eq 130 ]
    [[ "$output" == "smtp-source: interrupted by SIGINT in "* ]]
    [[ "$output" == *"  messages    10 requested, 5 sent, 0 failed, 5 not done"$'\n'* ]]
    [ "$(dump_count)" -eq 5 ]
}

@test "--merge refuses what is not the parts of one run, in one line naming the file" {
    start_sink
    d=$(sink_dir)
    run_shards 2 4 "$d"
    run src -m 2 --json="$d/plain.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src --shard=1/2 -m 4 -s 2 --json="$d/other.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    echo 'not json' >"$d/text"
    sed 's/^{"version":3,/{"version":4,/' "$d/s1.json" >"$d/v4.json"
    sed 's/"latency_ms":{"connect":{"count":2,/"latency_ms":{"connect":{"count":12,/' "$d/s1.json" >"$d/hist.json"
    check_refusal() {
        local want=$1
        shift
        run src --merge "$@"
        [ "$status" -eq 1 ] || { echo "status $status for $*"; return 1; }
        [ "${#lines[@]}" -eq 1 ] || { echo "not one line: $output"; return 1; }
        [[ "${lines[0]}" == *"smtp-source: fatal: $want"* ]] || { echo "got: ${lines[0]}"; return 1; }
    }
    check_refusal "$d/text: line 1, column 1: not a value" "$d/s0.json" "$d/text"
    check_refusal "$d/v4.json: line 1: format version 4, not 3" "$d/s0.json" "$d/v4.json"
    check_refusal "$d/other.json: another run than $d/s0.json: \"run.identity.sessions\" differs (2, not 1)" \
        "$d/s0.json" "$d/other.json"
    check_refusal "$d/s0.json: shard 0/2 twice (also $d/s0.json)" "$d/s0.json" "$d/s0.json"
    check_refusal "$d/plain.json: an unsharded report mixed with a shard's one ($d/s0.json)" "$d/s0.json" "$d/plain.json"
    check_refusal "$d/hist.json: line 1: \"latency_ms.connect.buckets\" hold 2 values, \"count\" says 12" \
        "$d/s0.json" "$d/hist.json"
    check_refusal "--merge $d/none.json: No such file or directory" "$d/s0.json" "$d/none.json"
    check_refusal "--merge needs the shards' reports" 
    check_refusal "--merge: standard input (-) given twice" - - </dev/null
    # The two that belong together still merge.
    run src --merge "$d/s0.json" "$d/s1.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *"  messages    4 requested, 4 sent, 0 failed"$'\n'* ]]
}
