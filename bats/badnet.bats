#!/usr/bin/env bats
# Under a bad network (loss, link flaps, resets), the client's numbers are
# what the server received, message for message (issue 19, point 12).
# The client runs in a network namespace of its own, smtp-sink in another;
# the faults are made there alone: nft rules that drop a share of the
# packets and reset a share of the connections, and the client's link
# taken down and up while the run goes on. (tc netem would do the loss
# too, but not every kernel has it; nft does the same here.) Without root
# or namespaces the tests are skipped.
load helpers

setup() {
    local why
    if why=$(netns_unavailable); then skip "$why"; fi
    command -v nft >/dev/null || skip "nft is not installed"
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    NETNS_PREFIX=sst$$$RANDOM
}

teardown() {
    stop_flaps
    common_teardown
    netns_down
}

. "$TOP/tests/netns.sh"

# faults LOSS_PCT RESET_PER_MILLE: in the client's namespace, drops LOSS_PCT
# percent of the packets each way and answers RESET_PER_MILLE per mille of
# the client's outgoing packets to the server (after the SYN) with a reset.
faults() {
    local ns=$NETNS_PREFIX-0
    ip netns exec "$ns" nft -f - <<EOF2
table inet badnet {
    chain out {
        type filter hook output priority 0;
        oif "eth0" tcp dport $SINK_PORT tcp flags & syn == 0 numgen random mod 1000 < $2 reject with tcp reset
        oif "eth0" numgen random mod 100 < $1 drop
    }
    chain in {
        type filter hook input priority 0;
        iif "eth0" numgen random mod 100 < $1 drop
    }
}
EOF2
}

# The client's link goes down for 0.2 s every second, until stop_flaps.
start_flaps() {
    local ns=$NETNS_PREFIX-0
    ( while :; do
        sleep 0.8
        ip -n "$ns" link set eth0 down
        sleep 0.2
        ip -n "$ns" link set eth0 up
      done ) &
    FLAPS_PID=$!
}

stop_flaps() {
    if [ -n "${FLAPS_PID:-}" ]; then
        kill "$FLAPS_PID" 2>/dev/null || true
        wait "$FLAPS_PID" 2>/dev/null || true
        FLAPS_PID=
        ip -n "$NETNS_PREFIX-0" link set eth0 up 2>/dev/null || true
    fi
}

# check_counts JSON RECORDS: the report, the records and the sink's dump
# tell one story. Each slot has one record; sent + failed + not_done is
# what was asked for; every message the client counts sent is in the dump
# once; a message the sink has beyond those is one of the failed with an
# unknown outcome; nothing the client counts failed before its dot or not
# done reached the sink. Prints "client ... server N".
check_counts() {
    python3 - "$1" "$2" "$SINK_DUMP" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
recs = [json.loads(l) for l in open(sys.argv[2]) if l.startswith('{')]
dump = open(sys.argv[3], errors='replace').read() if sys.argv[3] else ''
got = re.findall(r'^X-Rcpt-Args: <(\d+)foo@', dump, re.M)
m = j['messages']
req = m['requested']
assert m['sent'] + m['failed'] + m['not_done'] == req, m
slots = [r['slot'] for r in recs]
assert len(slots) == len(set(slots)) and all(0 <= k < req for k in slots), 'one record a slot'
res = {k: sum(1 for r in recs if r['result'] == k) for k in ('sent', 'failed', 'not_done')}
# Slots never claimed (the run stopped first) are not done without a record.
assert res['sent'] == m['sent'] and res['failed'] == m['failed'], (res, m)
assert res['not_done'] + req - len(recs) == m['not_done'], (res, m)
unknown = sum(1 for r in recs if r.get('unknown_outcome'))
assert unknown == m['unknown_outcome'], (unknown, m)
assert len(got) == len(set(got)), 'a message received twice'
server = len(got)
assert m['sent'] <= server <= m['sent'] + unknown, (m, server)
print('client sent %d failed %d (unknown outcome %d) not_done %d; server %d'
      % (m['sent'], m['failed'], unknown, m['not_done'], server))
PY
}

@test "loss, resets and link flaps with -A: sent, failed and not done match what the sink received" {
    ensure_sink_dir
    d=$SINK_DIR
    SINK_DUMP=$d/dump
    netns_up 1
    netns_sink "$SINK_DUMP"
    faults 3 4
    start_flaps
    run timeout -k 5 120 ip netns exec "$NETNS_PREFIX-0" "$SRC" -A -d -N -s 8 -m 300 --timeout=3 \
        --records="$d/rec" --json="$d/j.json" "$NETNS_SINK_ADDR"
    stop_flaps
    stop_sink
    echo "$output"
    [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
    run check_counts "$d/j.json" "$d/rec"
    echo "$output" >&3
    [ "$status" -eq 0 ]
}

@test "a fatal network error under loss and resets: the run stops, and still each number is what the sink received" {
    ensure_sink_dir
    d=$SINK_DIR
    SINK_DUMP=$d/dump
    netns_up 1
    netns_sink "$SINK_DUMP"
    faults 3 4
    start_flaps
    run timeout -k 5 120 ip netns exec "$NETNS_PREFIX-0" "$SRC" -N -s 8 -m 300 --timeout=1 \
        --records="$d/rec" --json="$d/j.json" "$NETNS_SINK_ADDR"
    stop_flaps
    stop_sink
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"smtp-source: stopped by a fatal error in "* ]]
    run check_counts "$d/j.json" "$d/rec"
    echo "$output" >&3
    [ "$status" -eq 0 ]
}
