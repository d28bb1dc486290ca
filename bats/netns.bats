#!/usr/bin/env bats
# Several client machines, one run, on this machine: each shard in a
# network namespace of its own (its own address and TCP stack), launched
# by GNU parallel with `ip netns exec`, against one smtp-sink in another
# namespace; then --merge, read against the sink's dump. The namespaces
# are made and removed by each test (also when it fails); without root or
# namespace support, or without GNU parallel, the tests are skipped.
load helpers

setup() {
    local why
    if why=$(netns_unavailable); then skip "$why"; fi
    parallel --version 2>/dev/null | grep -q 'GNU parallel' || skip "GNU parallel is not installed (make deps)"
    NETNS_PREFIX=sst$$$RANDOM
}

teardown() {
    common_teardown
    netns_down
}

. "$TOP/tests/netns.sh"

@test "4 shards in 4 namespaces by GNU parallel, merged: the sink saw each -N number once, from 4 addresses; the merge counts every message" {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    ensure_sink_dir
    d=$SINK_DIR
    SINK_DUMP=$d/dump
    netns_up 4
    netns_sink "$SINK_DUMP"
    at=$(($(date +%s) + 3))
    run timeout -k 5 60 parallel --jobs 4 ip netns exec "$NETNS_PREFIX-{}" "$SRC" --shard={}/4 \
        --start-at=@$at -N -s 2 -m 200 --rate=400 --interval=0.1 --json="$d/s{}.json" \
        "$NETNS_SINK_ADDR" ::: 0 1 2 3
    [ "$status" -eq 0 ]
    run src --merge --json="$d/m.json" "$d"/s[0-3].json
    [ "$status" -eq 0 ]
    stop_sink
    # Each -N number of the run once, and nothing else.
    [ "$(dump_count)" -eq 200 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 200 | tr '\n' ' ')" ]
    # From the four client machines, 50 each.
    [ "$(sed -n 's/^X-Client-Addr: //p' "$SINK_DUMP" | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" = "50 50 50 50 " ]
    [ "$(sed -n 's/^X-Client-Addr: //p' "$SINK_DUMP" | sort -u | tr '\n' ' ')" = "$(for i in 10 11 12 13; do printf '%s ' "${NETNS_SERVER_IP%.1}.$i"; done)" ]
    python3 - "$d/m.json" 200 <<'PY'
import json, sys
j, m = json.load(open(sys.argv[1])), int(sys.argv[2])
assert j['status'] == 'completed' and not j['merged']['partial'], j['status']
assert j['messages'] == {'requested': m, 'sent': m, 'failed': 0, 'not_done': 0, 'unknown_outcome': 0}, j['messages']
assert j['recipients']['accepted'] == m and j['connections'] == m
for h in ('message', 'service', 'corrected', 'start_lag'):
    lat = j['latency_ms'][h]
    assert lat['count'] == m and sum(b[2] for b in lat['buckets']) == m, h
assert sum(i['sent'] for i in j['intervals']) == m
assert [p['index'] for p in j['merged']['parts']] == [0, 1, 2, 3]
# Each shard's t0 is the --start-at instant, or (a shard that came up
# after it, on a loaded machine) as late as its start lag says.
at = j['run']['identity']['start_at_unix_us']
for p in j['merged']['parts']:
    assert p['t0_unix_us'] == at or abs(p['t0_unix_us'] - at - p['start_lag_us']) <= 1, p
assert j['run']['t0_unix_us'] == min(p['t0_unix_us'] for p in j['merged']['parts'])
PY
    # The namespaces go with the test.
    netns_down
    [ -z "$(netns_mine)" ]
}

@test "a shard that cannot reach the server fails in its namespace; the merge says so (status 1)" {
    ensure_sink_dir
    d=$SINK_DIR
    SINK_DUMP=$d/dump
    netns_up 2
    netns_sink "$SINK_DUMP"
    # Shard 1's link goes down: its connections fail, shard 0's do not.
    ip -n "$NETNS_PREFIX-1" link set eth0 down
    run timeout -k 5 60 parallel --jobs 2 ip netns exec "$NETNS_PREFIX-{}" "$SRC" --shard={}/2 \
        -m 6 --timeout=5 --json="$d/s{}.json" "$NETNS_SINK_ADDR" ::: 0 1
    [ "$status" -eq 1 ]
    run src --merge "$d/s0.json" "$d/s1.json"
    [ "$status" -eq 1 ]
    [[ "$output" == *"smtp-source: stopped by a fatal error in "* ]]
    [[ "$output" == *"  messages    6 requested, 3 sent, "* ]]
    [ "$(dump_count)" -eq 3 ]
}
