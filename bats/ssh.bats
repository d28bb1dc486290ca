#!/usr/bin/env bats
# Shards launched over real ssh, as the README says: four client machines
# as four network namespaces, each with an sshd of its own (host and user
# keys made here, listening only at the namespace's address, a home of its
# own), and the README's GNU parallel --sshlogin block run as it stands
# (only its first line, the settings, is this test's) from a fifth
# namespace that also holds the sink. The binary goes out with --basefile,
# the --json reports come back with --return and are merged; the sink's
# dump is the truth they are read against.
load helpers

. "$TOP/tests/netns.sh"
. "$TOP/tests/sshhosts.sh"

setup() {
    local why
    if why=$(netns_unavailable); then skip "$why"; fi
    parallel --version 2>/dev/null | grep -q 'GNU parallel' || skip "GNU parallel is not installed (make deps)"
    for tool in /usr/sbin/sshd rsync unshare python3; do
        command -v "$tool" >/dev/null || { echo "$tool is missing: make deps installs it" >&2; return 1; }
    done
    NETNS_PREFIX=sst$$$RANDOM
}

teardown() {
    sshhosts_down
    common_teardown
    netns_down
}

# The README's fenced block that runs GNU parallel over ssh.
readme_block() {
    python3 - "$TOP/README.md" <<'PY'
import re, sys
blocks = re.findall(r'```sh\n(.*?)```', open(sys.argv[1]).read(), re.S)
ssh = [b for b in blocks if '--sshlogin' in b]
assert len(ssh) == 1, 'one README block with --sshlogin, not %d' % len(ssh)
sys.stdout.write(ssh[0])
PY
}

@test "the README's GNU parallel --sshlogin block over real ssh: 4 hosts, the binary sent, the reports returned and merged, each -N number once" {
    ensure_sink_dir
    d=$SINK_DIR
    SINK_DUMP=$d/dump
    netns_up 4
    netns_sink "$SINK_DUMP"
    mkdir "$d/ssh" "$d/op"
    sshhosts_up 4 "$d/ssh"
    cp "$SRC" "$d/op/smtp-source"
    readme_block >"$d/block"
    # Its first line is the settings a user changes: here, this test's.
    head -1 "$d/block" | grep -q '^hosts=c1,c2,c3,c4 server=.* load=.* lead=[0-9]*$'
    {
        echo 'set -e'
        echo "hosts=c1,c2,c3,c4 server=$NETNS_SINK_ADDR load='-N -s 2 -m 200 --rate=400' lead=5"
        tail -n +2 "$d/block"
    } >"$d/op/run.sh"
    run timeout -k 5 120 ip netns exec "$NETNS_SERVER" \
        env HOME="$d/op" PARALLEL_SSH="$PARALLEL_SSH" bash -c 'cd "$1" && bash run.sh' _ "$d/op"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"  messages    200 requested, 200 sent, 0 failed"* ]]
    [[ "$output" == *"  shards      4 of 4, t0 "* ]]
    stop_sink
    # Each -N number of the run once, from the four hosts, 50 each.
    [ "$(dump_count)" -eq 200 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 200 | tr '\n' ' ')" ]
    [ "$(sed -n 's/^X-Client-Addr: //p' "$SINK_DUMP" | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" = "50 50 50 50 " ]
    [ "$(sed -n 's/^X-Client-Addr: //p' "$SINK_DUMP" | sort -u | tr '\n' ' ')" = "$(for i in 10 11 12 13; do printf '%s ' "${NETNS_SERVER_IP%.1}.$i"; done)" ]
    # The merge of the returned reports counts what the sink saw.
    python3 - "$d/op" 200 <<'PY'
import json, sys
d, m = sys.argv[1], int(sys.argv[2])
shards = [json.load(open('%s/shard%d.json' % (d, i))) for i in range(4)]
assert [s['run']['shard']['index'] for s in shards] == [0, 1, 2, 3]
assert len({s['run']['id'] for s in shards}) == 1
j = json.load(open(d + '/run.json'))
assert j['status'] == 'completed' and not j['merged']['partial'], j['status']
assert j['run']['id'] == shards[0]['run']['id']
assert j['messages'] == {'requested': m, 'sent': m, 'failed': 0, 'not_done': 0, 'unknown_outcome': 0}, j['messages']
assert j['recipients']['accepted'] == m and j['connections'] == m
assert sum(s['messages']['sent'] for s in shards) == m
for h in ('message', 'service', 'corrected', 'start_lag'):
    lat = j['latency_ms'][h]
    assert lat['count'] == m and sum(b[2] for b in lat['buckets']) == m, h
    # Bucket by bucket, the sum of the shards'.
    want = {}
    for s in shards:
        for lo, hi, n in s['latency_ms'][h]['buckets']:
            want[(lo, hi)] = want.get((lo, hi), 0) + n
    assert {(lo, hi): n for lo, hi, n in lat['buckets']} == want, h
PY
    # --cleanup left nothing on the hosts: each home is empty again.
    for p in $SSH_PIDS; do
        [ "$(stat -f -c %T "/proc/$p/root/root")" = tmpfs ]
        ls -A "/proc/$p/root/root" >>"$d/left"
    done
    [ ! -s "$d/left" ] || { cat "$d/left"; false; }
    sshhosts_down
    netns_down
    [ -z "$(netns_mine)" ]
}
