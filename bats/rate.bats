#!/usr/bin/env bats
# Open-loop load: --rate, --duration, --interval, --plot. Every assertion
# is read from what the server saw (smtp-sink's dump, the fake server's
# events) or from the schedule and the records, never from the wall clock
# alone; the few bounds on times are derived from the options under test.
# The JSON checks of a test are one Python program (a failed assert names
# what differs).
load helpers

setup() { command -v python3 >/dev/null || skip "python3 is needed to read JSON"; }
teardown() { common_teardown; }

# Messages the fake server saw to their end of data.
fake_dots() { grep -c ' dot ' "$FAKE_LOG/events" || true; }

@test "--rate with --duration: the server sees the slots due within T, each at its time" {
    start_sink
    d=$(sink_dir)
    # 30/s does not divide a second into whole microseconds: the schedule
    # must still be exact. The progress line is on: the interval lines too.
    src --rate=30 --duration=2 -s 4 --interval=0.5 --progress --json="$d/r.json" \
        --records="$d/rec" "$SINK_ADDR" >"$d/out" 2>"$d/err"
    tr '\r' '\n' <"$d/err" | sed 's/\x1b\[K//g' | grep 'smtp-source: interval ' >"$d/lines" || true
    python3 - "$d" "$(dump_count)" <<'EOF'
import json, re, sys
d, seen = sys.argv[1], int(sys.argv[2])
j = json.load(open(d + '/r.json'))
m, due = j['messages'], 60
# ceil(2 s x 30/s) slots, sent and seen by the sink (within a slot or two,
# should the machine lag at the very end).
assert j['schedule']['due'] == m['requested'] == due, j['schedule']
assert due - 2 <= m['sent'] <= due and seen == m['sent'], (m, seen)
out = open(d + '/out').read()
assert '\n  schedule    30/s offered, ' in out and ' achieved, %d due, %d started\n' % (due, m['sent']) in out, out
for row in ('service', 'corrected', 'start lag'):
    assert re.search(r'\n  %s +%d ' % (row, m['sent']), out), (row, out)
# Each record: its slot's intended start exactly k/R after t0 (in whole
# microseconds, rounded down), never started early; the corrected latency
# is the service time plus the lag.
recs = [json.loads(l) for l in open(d + '/rec')]
assert sorted(r['slot'] for r in recs) == list(range(len(recs))), 'each slot once'
assert sum(r['result'] == 'sent' for r in recs) == m['sent']
for r in recs:
    assert r['intended_us'] == r['slot'] * 1000000 // 30, r
    assert r['start_us'] >= r['intended_us'] and r['lag_us'] == r['start_us'] - r['intended_us'], r
    if r['result'] == 'sent':
        assert r['service_us'] == r['end_us'] - r['start_us'] == r['us']['message'], r
        assert r['corrected_us'] == r['service_us'] + r['lag_us'], r
# The intervals add up exactly to the totals and to the slots due.
iv = j['intervals']
assert sum(i['sent'] for i in iv) == m['sent']
assert sum(i['failed'] for i in iv) == m['failed']
assert sum(i['not_done'] for i in iv) == m['not_done']
assert sum(i['due'] for i in iv) == due
for kind in ('service', 'corrected'):
    assert sum(i[kind + '_ms']['count'] for i in iv) == j['latency_ms'][kind]['count'] == m['sent']
# One line per interval on stderr, with the JSON's figures.
lines = open(d + '/lines').read().splitlines()
assert len(lines) == len(iv), (lines, len(iv))
for line, i in zip(lines, iv):
    g = re.search(r'smtp-source: interval (\d+): (\d+) messages, (\d+) failed, ([\d.]+)/s', line)
    assert g and int(g[1]) == i['index'] and int(g[2]) == i['sent'] and int(g[3]) == i['failed'], line
    assert abs(float(g[4]) - i['achieved_per_s']) < 0.051, line
    assert not i['sent'] or (', corrected p50 ' in line and ' ms, service p50 ' in line), line
EOF
    assert_no_workers
}

@test "a stall: the corrected latency counts every message that should have gone out during it" {
    # Replies are held from 1.5 s to 3.5 s after the server starts.
    start_fake_script - <<'EOF'
nodelay
stall-window 1500 2000
EOF
    d=$(sink_dir)
    # 20/s for 4 s: 80 slots, 50 ms apart; 4 sessions.
    src -d --rate=20 --duration=4 -s 4 --interval=0.5 --json="$d/r.json" "$FAKE_ADDR" \
        >"$d/out" 2>"$d/err"
    [ "$(grep -c "warning: achieved" "$d/err")" -eq 0 ]
    python3 - "$d/r.json" "$(fake_dots)" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
stall, spacing, sessions, slots = 2000, 50, 4, 80
L, sch = j['latency_ms'], j['schedule']
assert j['messages']['sent'] == int(sys.argv[2]) == slots, (j['messages'], sys.argv[2])
# With at most 100 messages the p99 is the largest: the message due as the
# stall began waited for all of it but one slot (less the histogram's
# 1/128 bucket width).
assert L['corrected']['p99'] >= (stall - spacing) * (1 - 1 / 128), L['corrected']
# Most messages never met the stall: their service time stays small.
assert L['service']['p50'] < stall / 10, L['service']
# Once every session was stuck, each slot due in the rest of the stall
# started late, the first of them by the stall less those sessions' slots.
assert sch['late'] >= stall * 20 // 1000 - sessions - 2, sch
assert stall - (sessions + 1) * spacing <= sch['max_lag_ms'] <= stall + sessions * spacing, sch
# Offered and not served: intervals inside the stall have slots due and no
# message done. The sessions caught up after it: no shortfall.
iv = j['intervals']
assert sum(1 for i in iv if i['due'] > 0 and i['sent'] == 0) >= 2, iv
assert sum(i['sent'] for i in iv) == slots and not sch['shortfall'], sch
EOF
}

@test "too few sessions: one line says so and how many would hold the rate" {
    # Every message takes at least 100 ms: one session holds 10/s at most.
    start_fake_script - <<'EOF'
nodelay
MAIL : sleep 100; reply 250 2.1.0 Ok
EOF
    d=$(sink_dir)
    run src -d --rate=50 --duration=1 -s 1 --json="$d/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    line=$(grep 'warning: achieved' <<<"$output")
    [[ "$line" =~ smtp-source:\ warning:\ achieved\ [0-9.]+/s\ of\ 50/s\ offered\;\ about\ ([0-9]+)\ sessions\ \(-s\)\ would\ hold\ it$ ]]
    python3 - "$d/r.json" "$(fake_dots)" "${BASH_REMATCH[1]}" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
m, sch, need = j['messages'], j['schedule'], int(sys.argv[3])
# Little's law: 50/s x at least 0.1 s in a session.
assert need >= 5 and sch['shortfall'] and sch['sessions_needed'] == need, sch
# The server saw what was sent; what was offered and never started is
# "not done".
assert m['sent'] == int(sys.argv[2]), (m, sys.argv[2])
assert m['not_done'] == 50 - m['sent'] - m['failed'] > 0, m
EOF
}

@test "every bad --rate, --duration and --interval is refused before any connection" {
    start_fake_script - </dev/null
    for bad in --rate=0 --rate=0.0 --rate=-5 --rate=+5 --rate=5/x --rate=5/ --rate=abc \
               --rate= --rate=1000001 --rate=1000000.5 --rate=0.0000001 --rate=60000001/m \
               --duration=0 --duration=-1 --duration=8d --duration=604801 --duration=169h \
               --duration=1.5x --duration= --duration=0.0000000001 \
               --interval=0.05 --interval=0 --interval=x --interval=8d; do
        run src "$bad" -s 2 -m 3 "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "${lines[0]}" == *"smtp-source: fatal: ${bad%%=*}="* ]]
    done
    run src --rate=10 -w 1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"smtp-source: fatal: --rate cannot be used with -w: the schedule says when each message starts" ]]
    # The server's first connection is our own probe: none came before it.
    run fake_session $'QUIT\r\n'
    [[ "$output" == "220 "* ]]
    for _ in $(seq 1 100); do grep -q ' accept' "$FAKE_LOG/events" && break; sleep 0.05; done
    [ "$(grep ' accept' "$FAKE_LOG/events")" = "1 accept" ]
}

@test "--duration without --rate: a closed loop until T, or until -m if that comes first" {
    start_sink
    d=$(sink_dir)
    src -s 2 --duration=1 --json="$d/r.json" "$SINK_ADDR" >"$d/out"
    n1=$(dump_count)
    # -m ends it first.
    : >"$SINK_DUMP"
    run src -s 2 -m 5 --duration=60 "$SINK_ADDR"
    [ "$status" -eq 0 ] && [ "$(dump_count)" -eq 5 ]
    # T ends it first: claiming stops, in-flight messages finish.
    : >"$SINK_DUMP"
    run src -s 1 -m 1000000 --duration=0.5 --json="$d/m.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 - "$d" "$n1" "$(dump_count)" <<'EOF'
import json, sys
d, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = json.load(open(d + '/r.json'))['messages']
# No -m: no count was asked for.
assert m['requested'] is None and m['not_done'] == 0 and m['sent'] == n1 > 0, (m, n1)
assert '\n  messages    %d sent, 0 failed\n' % n1 in open(d + '/out').read()
m = json.load(open(d + '/m.json'))['messages']
assert m['sent'] == n2 > 0 and m['not_done'] == 1000000 - n2, (m, n2)
EOF
}

@test "--plot writes one self-contained SVG whose points are the JSON's intervals" {
    command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"
    start_sink
    d=$(sink_dir)
    run src -d --pipelining --rate=40 --duration=2 -s 4 --interval=0.5 --plot="$d/p.svg" \
        --json="$d/r.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    xmllint --noout "$d/p.svg"
    python3 - "$d/p.svg" "$d/r.json" "$(dump_count)" <<'EOF'
import json, math, sys
import xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
svg = ET.fromstring(text)
j = json.load(open(sys.argv[2]))
# 80 slots due, all seen by the sink (within a slot or two, should the
# machine lag at the very end).
m = j['messages']
assert 78 <= m['sent'] == int(sys.argv[3]) <= 80 and j['schedule']['due'] == 80, (m, sys.argv[3])
assert j['latency_ms']['start_lag']['count'] == m['sent'] + m['failed'], m
assert '<script' not in text and 'href' not in text and 'url(' not in text, 'self-contained'
ns = '{http://www.w3.org/2000/svg}'
iv = j['intervals']
want = {}
for i in iv:
    n = i['index']
    want[('offered', n)] = i['offered_per_s']
    want[('achieved', n)] = i['achieved_per_s']
    for kind in ('corrected', 'service'):
        h = i[kind + '_ms']
        for q in ('p50', 'p99', 'max') if h['count'] else ():
            want[('%s-%s' % (kind, q), n)] = h[q]
seen = {}
for g in svg.iter(ns + 'g'):
    a = g.attrib
    if a.get('class') != 'panel':
        continue
    f = {k: float(a['data-' + k]) for k in ('px0', 'px1', 'py0', 'py1', 'x0', 'x1', 'y0', 'y1')}
    tr = math.log10 if a['data-ylog'] == '1' else (lambda v: v)
    for c in g.iter(ns + 'circle'):
        s, n, v = c.get('data-series'), int(c.get('data-interval')), float(c.get('data-value'))
        seen[(s, n)] = v
        # Each point sits where the panel's scales put its value.
        y = f['py0'] + (tr(v) - tr(f['y0'])) / (tr(f['y1']) - tr(f['y0'])) * (f['py1'] - f['py0'])
        t = iv[n]['start_s'] + iv[n]['length_s'] / 2
        x = f['px0'] + (t - f['x0']) / (f['x1'] - f['x0']) * (f['px1'] - f['px0'])
        assert abs(float(c.get('cy')) - y) < 0.02 and abs(float(c.get('cx')) - x) < 0.02, (s, n)
assert set(seen) == set(want), set(seen) ^ set(want)
for k in want:
    assert abs(seen[k] - want[k]) < 0.0015, (k, seen[k], want[k])
EOF
    command -v rsvg-convert >/dev/null || skip "rsvg-convert (librsvg2-bin) is not installed"
    rsvg-convert "$d/p.svg" -o "$d/p.png"
    [ "$(head -c 4 "$d/p.png" | tail -c 3)" = PNG ]
}
