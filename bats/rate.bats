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
    # The sessions caught up after the stall, but slots waited for one in it.
    [ "$(grep -c "warning: achieved 20.0/s of 20/s offered; " "$d/err")" -eq 1 ]
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
# message done. The sessions caught up after it, so every slot was sent
# (20/s achieved); but slots waited for a session in it: the rate was not
# held, and the advice covers every slot due in the stall.
iv = j['intervals']
assert sum(1 for i in iv if i['due'] > 0 and i['sent'] == 0) >= 2, iv
assert sum(i['sent'] for i in iv) == slots and sch['achieved_per_s'] == 20, sch
assert sch['shortfall'] and sch['sessions_needed'] >= stall * 20 // 1000, sch
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
    [[ "$line" =~ smtp-source:\ warning:\ achieved\ [0-9.]+/s\ of\ 50/s\ offered\;\ [0-9]+\ messages\ were\ due\ and\ unfinished\ at\ once,\ for\ 1\ session:\ about\ ([0-9]+)\ sessions\ \(-s\)\ would\ hold\ it$ ]]
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

@test "--rate with neither --duration nor -m is refused at startup, in one line" {
    start_sink
    run src --rate=100 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" == *"smtp-source: fatal: --rate needs --duration or -m: without either the run would be one message" ]]
    [ "$(dump_count)" -eq 0 ]
    # Either bound makes it a run.
    run src --rate=100 -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ] && [ "$(dump_count)" -eq 2 ]
}

@test "under --rate the latency table has service, corrected and start lag rows, and a legend" {
    start_sink
    run src --rate=200 -m 20 -s 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    table=$(sed -n '/^  latency ms /,$p' <<<"$output")
    # The message phase is the service time under --rate: one row, not two.
    ! grep -q '^  message ' <<<"$table"
    [[ "$table" =~ $'\n'"  service            20 "[^$'\n']*$'\n'"  corrected          20 "[^$'\n']*$'\n'"  start lag          20 "[^$'\n']*$'\n'"  (service: from the actual start; corrected: from the intended start)"$ ]]
}

# Replies held from 2 s to 4 s after the server starts (the run starts
# less than 2 s after it, however long its forks take on a busy machine);
# every other reply at once.
stall_script() {
    start_fake_script - <<'EOF'
nodelay
stall-window 2000 2000
EOF
}

@test "an interrupted --rate run: due counts the slots due until the offer ended; the intervals add up to it" {
    # The 90th message's end of data is held 3 s: the drain after SIGINT
    # lasts that long, and nothing is due in it.
    start_fake_script - <<'EOF'
nodelay
dot gnth=90 : sleep 3000; reply 250 2.0.0 held
EOF
    d=$(sink_dir)
    bg_start "$SRC" --rate=100 -m 1000 -s 20 --interval=0.5 --records="$d/rec" --json="$d/r.json" \
        "$FAKE_ADDR" >"$d/out" 2>"$d/err"
    for _ in $(seq 1 400); do
        [ "$(grep -c ' MAIL ' "$FAKE_LOG/events")" -ge 100 ] && break
        sleep 0.02
    done
    kill -INT "$BG_PID"
    rc=0
    wait "$BG_PID" || rc=$?
    BG_PIDS=
    [ "$rc" -eq 130 ]
    python3 - "$d" "$(fake_dots)" <<'EOF'
import json, sys
d, dots = sys.argv[1], int(sys.argv[2])
j = json.load(open(d + '/r.json'))
recs = [json.loads(l) for l in open(d + '/rec')]
m, sch, iv = j['messages'], j['schedule'], j['intervals']
end = sch['offer_end_us']
started = [r for r in recs if r['result'] != 'not_done']
# Due: the slots whose time (k/R, 10 ms apart) came before the offer ended,
# not the 1000 planned.
assert sch['due'] == sum(1 for k in range(1000) if k * 10000 < end) < 1000, (sch['due'], end)
assert sch['started'] == len(started) == m['sent'] + m['failed'], (sch, m)
assert all(r['intended_us'] < end for r in started), 'a started slot was due'
# The stop ended the offer, and the report says when.
assert sch['offer_stopped'] and '\n  offer       stopped at %.3f s\n' % (end / 1e6) in open(d + '/out').read()
assert m['sent'] == dots and m['not_done'] == 1000 - m['sent'] - m['failed'], (m, dots)
# The intervals add up exactly: due, started (by their due time), sent and
# failed (by their end), not done (due and never started).
for k, want in (('due', sch['due']), ('started', sch['started']), ('sent', m['sent']),
                ('failed', m['failed']), ('not_done', sch['due'] - sch['started'])):
    assert sum(i[k] for i in iv) == want, (k, [i[k] for i in iv], want)
for i in iv:
    assert i['due'] == i['started'] + i['not_done'], i
    # Nothing is due after the offer ended.
    if i['start_s'] * 1e6 >= end:
        assert i['due'] == 0, i
EOF
    assert_no_workers
}

@test "a stall the average hides: the longest stall, the worst second, one warning line" {
    stall_script
    d=$(sink_dir)
    # 20/s, and sessions enough for the 40 slots due in the stall: every
    # slot starts on time, every message is sent, 20/s is achieved.
    src -d --rate=20 --duration=5 -s 60 --records="$d/rec" --json="$d/r.json" "$FAKE_ADDR" \
        >"$d/out" 2>"$d/err"
    python3 - "$d" <<'EOF'
import json, re, sys
d = sys.argv[1]
j = json.load(open(d + '/r.json'))
recs = [json.loads(l) for l in open(d + '/rec')]
sch, bin_us = j['schedule'], j['timeline']['bin_us']
due = sch['due']
assert due == 100 and j['messages']['sent'] == 100 and sch['achieved_per_s'] == 20, (sch, j['messages'])
assert not sch['shortfall'] and sch['sessions_needed'] is None, sch
# From the records: the stretches with no message sent while some slot was
# due and had not ended.
ev = [(k * 50000, 1, False) for k in range(due)]
ev += [(r['end_us'], -1, r['result'] == 'sent') for r in recs if r['result'] != 'not_done']
ev.sort()
h, start, stalls, i = 0, None, [], 0
while i < len(ev):
    t, sent = ev[i][0], False
    while i < len(ev) and ev[i][0] == t:
        h += ev[i][1]
        sent = sent or ev[i][2]
        i += 1
    if start is not None and (sent or h == 0):
        stalls.append((start, t))
        start = None
    if start is None and h > 0:
        start = t
a, b = max(stalls, key=lambda s: s[1] - s[0])
ls = sch['longest_stall']
assert b - a >= 1900000, (a, b)
assert abs(ls['from_s'] * 1e6 - a) <= bin_us and abs(ls['to_s'] * 1e6 - b) <= bin_us, (ls, a, b)
# The worst second (whole seconds from t0, all with slots due): messages
# sent in it, exactly.
sent = [r['end_us'] for r in recs if r['result'] == 'sent']
per = [sum(1 for e in sent if s * 1000000 <= e < (s + 1) * 1000000) for s in range(5)]
w = sch['worst']
assert w['per'] == 'second' and w['achieved_per_s'] == min(per), (w, per)
assert w['start_s'] == per.index(min(per)) and w['length_s'] == 1, (w, per)
# The text says the same.
out = open(d + '/out').read()
assert ('\n  stalls      longest %.3f s with no message completed (%.3f s to %.3f s)\n'
        '  worst       second %.1f/s (%g s to %g s)\n' % (ls['length_s'], ls['from_s'], ls['to_s'],
        min(per), w['start_s'], w['start_s'] + 1)) in out, out
# One warning, of the stall: when and how long.
warn = [l for l in open(d + '/err').read().splitlines() if ' warning: ' in l]
assert len(warn) == 1, warn
g = re.search(r'smtp-source: warning: ([0-9.]+)/s achieved from ([0-9.]+) s to ([0-9.]+) s \(20/s offered\)$', warn[0])
assert g and g[1] == '0.0', warn
assert abs(float(g[2]) - a / 1e6) <= 0.05 + bin_us / 1e6 and abs(float(g[3]) - b / 1e6) <= 0.05 + bin_us / 1e6, (warn, a, b)
bh = sch['below_half']
assert bh['achieved_per_s'] == 0 and bh['stretches'] == 1 and bh['from_s'] == ls['from_s'], bh
EOF
}

@test "the sessions advice holds the rate: a rerun with -s from it falls short no more" {
    stall_script
    d=$(sink_dir)
    # 5 sessions for 20/s: stuck in the stall, while the 40 slots due in it
    # wait for a session.
    src -d --rate=20 --duration=5 -s 5 --json="$d/r1.json" "$FAKE_ADDR" >"$d/out1" 2>"$d/err1"
    need=$(python3 - "$d" <<'EOF'
import json, re, sys
d = sys.argv[1]
sch = json.load(open(d + '/r1.json'))['schedule']
need, peak = sch['sessions_needed'], sch['peak_due_unfinished']
# Had every slot started on time, those due in the stall would all have
# been in flight at its end.
assert sch['shortfall'] and peak >= 40 and need >= peak * 1.1, sch
# One figure, the same on standard error and in the report.
err, out = open(d + '/err1').read(), open(d + '/out1').read()
assert re.search(r'warning: achieved [0-9.]+/s of 20/s offered; %d messages were due and unfinished at once, for 5 sessions: about %d sessions \(-s\) would hold it\n' % (peak, need), err), err
assert '\n  sessions    5, ' in out and '; about %d (-s) would hold the rate\n' % need in out, out
print(need)
EOF
)
    stop_fake
    stall_script
    src -d --rate=20 --duration=5 -s "$need" --records="$d/rec" --json="$d/r2.json" "$FAKE_ADDR" \
        >"$d/out2" 2>"$d/err2"
    python3 - "$d" "$(fake_dots)" "$need" <<'EOF'
import json, sys
d, dots, need = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sch = json.load(open(d + '/r2.json'))['schedule']
recs = [json.loads(l) for l in open(d + '/rec')]
# Every slot due was sent, and the server has each one.
assert sorted(r['slot'] for r in recs if r['result'] == 'sent') == list(range(100)), 'every slot sent'
assert dots == 100 and sch['due'] == sch['started'] == 100, (sch, dots)
# No slot waited for a session: never more due and unfinished than sessions.
assert sch['peak_due_unfinished'] <= need and not sch['shortfall'], sch
assert sch['sessions_needed'] is None, sch
EOF
    ! grep -q 'sessions (-s)' "$d/err2"
}

@test "--plot: the percentile curves are the corrected and the service histograms" {
    start_fake_script - <<'EOF'
nodelay
stall-window 1000 1000
EOF
    d=$(sink_dir)
    src -d --rate=50 --duration=3 -s 5 --interval=0.5 --plot="$d/p.svg" --json="$d/r.json" \
        "$FAKE_ADDR" >/dev/null 2>&1
    python3 - "$d/p.svg" "$d/r.json" <<'EOF'
import json, math, sys
import xml.etree.ElementTree as ET
svg = ET.parse(sys.argv[1]).getroot()
lat = json.load(open(sys.argv[2]))['latency_ms']
ns = '{http://www.w3.org/2000/svg}'
# The stall sets the two apart: the test sees which curve is which.
assert lat['corrected']['p90'] > 2 * lat['service']['p90'], (lat['corrected'], lat['service'])
panel = [g for g in svg.iter(ns + 'g') if g.get('id') == 'percentiles'][0]
f = {k: float(panel.get('data-' + k)) for k in ('px0', 'px1', 'py0', 'py1', 'x0', 'x1', 'y0', 'y1')}
seen = set()
for line in panel.iter(ns + 'polyline'):
    kind = line.get('data-series')
    pts = [tuple(map(float, p.split(','))) for p in line.get('points').split()]
    for nines, key in ((1, 'p90'), (2, 'p99'), (3, 'p999')):
        px = f['px0'] + (nines - f['x0']) / (f['x1'] - f['x0']) * (f['px1'] - f['px0'])
        y = [p[1] for p in pts if abs(p[0] - px) < 0.01]
        assert len(y) == 1, (kind, nines)
        v = 10 ** (math.log10(f['y0']) + (y[0] - f['py0']) / (f['py1'] - f['py0'])
                   * (math.log10(f['y1']) - math.log10(f['y0'])))
        want = lat[kind][key]
        assert abs(v - want) <= 0.002 * want + 0.002, (kind, key, v, want)
    seen.add(kind)
assert seen == {'corrected', 'service'}, seen
EOF
}
