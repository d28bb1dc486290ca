#!/usr/bin/env bats
# The verdict: --fail-if thresholds judged on runs whose numbers the
# server fixes (the fake server's script, its events log), their report
# lines and JSON, the exit status, the merged verdict, and every bad
# expression refused before a connection.
load helpers

setup() { command -v python3 >/dev/null || skip "python3 is needed to read JSON"; }
teardown() { common_teardown; }

fake_dots() { grep -c ' dot ' "$FAKE_LOG/events" || true; }
fake_accepts() { grep -c ' accept$' "$FAKE_LOG/events" 2>/dev/null || true; }

# Each threshold's line ("passed" or "FAILED") in out, and its JSON entry.
check_lines() {
    python3 - "$@" <<'EOF'
import json, sys
out, js, want = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3:]
th = js['thresholds']
assert js['version'] == 3, js['version']
assert len(th) == len(want) // 2, (th, want)
for (expr, verdict), t in zip(zip(want[::2], want[1::2]), th):
    word = 'passed' if verdict == 'pass' else 'FAILED'
    line = '\n  threshold   %s: %s (' % (expr, word)
    assert line in out, (line, out)
    assert t['expression'] == expr and t['passed'] == (verdict == 'pass'), (t, expr, verdict)
EOF
}

@test "--fail-if: each form passes and fails in turn on numbers the server fixed; a failed one exits 2" {
    # 10 messages: the first 2 ends of data are refused, every end of data
    # is answered after 30 ms at the earliest.
    start_fake_script - <<'EOF'
dot gnth=1-2 : sleep 30; reply 550 5.7.1 not this one
dot : sleep 30; default
EOF
    d=$(sink_dir)
    set -- 'failed>2' pass 'failed>1' fail 'failed>=2' fail 'rejected>2' pass 'rejected>1' fail \
        'failed>20%' pass 'failed>19.99%' fail 'sent<8' pass 'sent<9' fail 'not_done>0' pass \
        'not_done>=0' fail 'min(dot)<30ms' pass 'min(dot)<60s' fail 'p50(dot)>60s' pass \
        'p50(dot)>=30ms' fail 'message.p99.9>=30ms' fail 'mean(dot)>60s' pass \
        'p100(connect)>60s' pass 'rate<0.001/s' pass 'rate<1000000/s' fail 'p99(tls)>1us' pass
    local args=() want=()
    while [ $# -gt 0 ]; do args+=("--fail-if=$1"); want+=("$1" "$2"); shift 2; done
    src -A -m 10 -s 2 --json="$d/r.json" "${args[@]}" "$FAKE_ADDR" >"$d/out" 2>"$d/err" || rc=$?
    [ "${rc:-0}" -eq 2 ]
    [ "$(fake_dots)" -eq 10 ]
    grep -q '^  messages    10 requested, 8 sent, 2 failed$' "$d/out"
    check_lines "$d/out" "$d/r.json" "${want[@]}"
    grep -q '^  threshold   p99(tls)>1us: passed (no value: nothing measured)$' "$d/out"
    grep -q '^  threshold   failed>1: FAILED (failed 2)$' "$d/out"
    grep -q '^  threshold   failed>20%: passed (failed 20% (2 of 10))$' "$d/out"
    # Only passing ones (the refusals are behind the server now): exit 0.
    run src -A -m 10 -s 2 --fail-if='failed>0' --fail-if='p50(dot)>60s' "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"threshold   failed>0: passed (failed 0)"* ]]
}

@test "--fail-if under --rate: achieved, lag, late, service and corrected pass and fail in turn" {
    start_fake plain
    d=$(sink_dir)
    set -- 'achieved<50%' pass 'achieved<200%' fail 'achieved<1/s' pass 'achieved<=1000/s' fail \
        'lag.max>60s' pass 'lag.max>=0us' fail 'late>100%' pass 'late>=0' fail \
        'p99(corrected)>60s' pass 'p99(corrected)>=1us' fail 'max(service)>60s' pass \
        'min(service)<60s' fail 'start_lag.p50>60s' pass
    local args=() want=()
    while [ $# -gt 0 ]; do args+=("--fail-if=$1"); want+=("$1" "$2"); shift 2; done
    src --rate=100 -m 20 -s 4 --json="$d/r.json" "${args[@]}" "$FAKE_ADDR" >"$d/out" 2>"$d/err" || rc=$?
    [ "${rc:-0}" -eq 2 ]
    check_lines "$d/out" "$d/r.json" "${want[@]}"
    grep -Eq '^  threshold   achieved<50%: passed \(achieved [0-9.]+% \([0-9.]+/s of 100.0/s offered\)\)$' "$d/out"
}

@test "--fail-if against smtp-sink, as CI would: the status says pass or fail, the JSON says which" {
    start_sink
    d=$(sink_dir)
    run src -m 20 -s 2 --fail-if='failed>0' --fail-if='p99(message)>30s' "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"threshold   failed>0: passed (failed 0)"* ]]
    [ "$(dump_count)" -eq 20 ]
    run src -m 20 -s 2 --json --fail-if='failed>0' --fail-if='sent<21' "$SINK_ADDR"
    [ "$status" -eq 2 ]
    python3 - "$output" <<'EOF'
import json, sys
j = json.loads(sys.argv[1])
assert j['thresholds'] == [
    {'expression': 'failed>0', 'value': 0, 'unit': '', 'passed': True},
    {'expression': 'sent<21', 'value': 20, 'unit': '', 'passed': False}], j['thresholds']
EOF
}

@test "--merge --fail-if: one verdict for the shards, on the merged numbers" {
    start_fake_script - <<'EOF'
dot gnth=1-3 : reply 550 5.7.1 not this one
EOF
    d=$(sink_dir)
    # Shard 0 runs first and meets the 3 refusals; shard 1 none. Each
    # shard's own threshold judges its own part.
    run src --shard=0/2 -A -m 10 --json="$d/s0.json" --fail-if='failed>2' "$FAKE_ADDR"
    [ "$status" -eq 2 ]
    run src --shard=1/2 -A -m 10 --json="$d/s1.json" --fail-if='failed>2' "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(fake_dots)" -eq 10 ]
    run src --merge --fail-if='failed>3' --fail-if='failed>30%' "$d/s0.json" "$d/s1.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *"threshold   failed>3: passed (failed 3)"* ]]
    [[ "$output" == *"threshold   failed>30%: passed (failed 30% (3 of 10))"* ]]
    run src --merge --json --fail-if='failed>2' "$d/s0.json" "$d/s1.json"
    [ "$status" -eq 2 ]
    python3 - "$output" <<'EOF'
import json, sys
j = json.loads(sys.argv[1])
assert j['messages']['failed'] == 3 and j['merged']['shards'] == 2, j['messages']
assert j['thresholds'] == [{'expression': 'failed>2', 'value': 3, 'unit': '', 'passed': False}], j['thresholds']
EOF
    # A partial merge that fails a threshold: the threshold's status.
    run src --merge --fail-if='failed>2' "$d/s0.json"
    [ "$status" -eq 2 ]
    run src --merge --fail-if='failed>5' "$d/s0.json"
    [ "$status" -eq 3 ]
}

@test "--fail-if: every bad expression is refused with one line listing the forms, before any connection" {
    start_fake_script - <<'EOF'
banner : default
EOF
    for e in 'p99(mesage)>1s' 'p99(message)>250' 'p99(message)>250xs' 'p0(message)>1s' \
        'p101(message)>1s' 'q99(message)>1s' 'failed' 'failed>' 'failed>1ms' 'achieved>5' \
        'rate>5%' '>5' 'failed>>5' 'failed=5' 'p99(message>1s' 'p99(message)>0.0000001ms' \
        'failed>1.1234567%' 'dot.max>1min' 'frobs>1' 'p99(message)>8000000s' ''; do
        run src --fail-if="$e" -m 1 "$FAKE_ADDR"
        [ "$status" -eq 1 ] || { echo "status $status for '$e'"; return 1; }
        [ "${#lines[@]}" -eq 1 ] || { echo "not one line for '$e': $output"; return 1; }
        [[ "${lines[0]}" == *"smtp-source: fatal: --fail-if=$e: "*" (give METRIC OP VALUE, OP one of > >= < <=: pN(VIEW), "*"VIEW: connect, banner, "*", message, service, corrected, lag)" ]] \
            || { echo "got: ${lines[0]}"; return 1; }
    done
    # A metric of the schedule needs one.
    run src --fail-if='achieved<95%' -m 1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"smtp-source: fatal: --fail-if=achieved<95%: the metric needs --rate or --stages: only a schedule measures it" ]]
    run src --fail-if='p99(corrected)>1s' -m 1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$(fake_accepts)" -eq 0 ]
}

@test "--stages: a ramp's slots per interval are the integral of the rate, and the server saw each" {
    start_fake_script - <<'EOF2'
banner : default
EOF2
    d=$(sink_dir)
    # 0 -> 40/s over 1 s, 40/s for 1 s, 40/s -> 0 over 0.5 s: 20 + 40 + 10
    # slots, the offered rate rising through the first second.
    src --stages=1s:40/s,1s:40/s,0.5s:0/s -s 4 --interval=0.25 --json="$d/r.json" \
        --plot="$d/p.svg" "$FAKE_ADDR" >"$d/out" 2>"$d/err"
    python3 - "$d" "$(fake_dots)" <<'PY'
import json, math, sys
from fractions import Fraction as F
d, seen = sys.argv[1], int(sys.argv[2])
j = json.load(open(d + '/r.json'))
stages = [(F(1), F(40)), (F(1), F(40)), (F(1, 2), F(0))]
def integral(t):
    c, a, start = F(0), F(0), F(0)
    for length, b in stages:
        dt = min(max(t - start, F(0)), length)
        c += (a + (a + (b - a) * dt / length)) / 2 * dt
        start += length
        a = b
    return c
def within(t):          # slots k >= 0 with k < integral(t)
    return min(math.ceil(integral(t)), 70)
assert j['messages'] == {'requested': 70, 'sent': 70, 'failed': 0, 'not_done': 0, 'unknown_outcome': 0}, j['messages']
assert seen == 70, seen
iv = j['intervals']
for i, it in enumerate(iv[:10]):
    due = within(F(i + 1, 4)) - within(F(i, 4))
    assert it['due'] == due, (i, it['due'], due)
    assert abs(it['sent'] - due) <= 2, (i, it['sent'], due)
assert sum(it['due'] for it in iv) == 70 and sum(it['sent'] for it in iv) == 70
# The offered rate rises through the ramp, holds, then falls.
off = [it['offered_per_s'] for it in iv[:10]]
assert off[0] < off[1] < off[2] < off[3] and off[4] == off[5] == off[6] == off[7] == 40, off
assert off[8] > off[9], off
rows = j['stages']
assert [r['due'] for r in rows] == [20, 40, 10], rows
assert [r['sent'] for r in rows] == [20, 40, 10], rows
assert rows[0]['from_per_s'] == 0 and rows[0]['to_per_s'] == 40 and rows[2]['to_per_s'] == 0
assert j['schedule']['due'] == 70, j['schedule']
out = open(d + '/out').read()
assert '\n  stage 1     1.000 s, 0/s -> 40/s: 20 due, offered 20.0/s, ' in out, out
assert '\n  stage 3     0.500 s, 40/s -> 0/s: 10 due, offered 20.0/s, ' in out, out
svg = open(d + '/p.svg').read()
assert 'offered' in svg
PY
}

@test "--stages: every bad stage list is refused with one line, before any connection" {
    start_fake_script - <<'EOF2'
banner : default
EOF2
    for s in '' '30s' '30s:' ':100/s' '30x:100/s' '30s:100/x' '30s:-1/s' '30s:100/s,' \
        '30s:100/s,,10s:0/s' '0s:100/s' '30s:0/s' '8d:1/s' '30s:2000000/s' \
        "$(printf '1s:1/s,%.0s' $(seq 1 33))1s:1/s"; do
        run src --stages="$s" "$FAKE_ADDR"
        [ "$status" -eq 1 ] || { echo "status $status for '$s'"; return 1; }
        [ "${#lines[@]}" -eq 1 ] || { echo "not one line for '$s': $output"; return 1; }
        [[ "${lines[0]}" == *"smtp-source: fatal: --stages=$s: "*" (give DURATION:RATE,... e.g. --stages=30s:100/s,60s:500/s,30s:500/s,10s:0/s: "* ]] \
            || { echo "got: ${lines[0]}"; return 1; }
    done
    run src --stages=1s:10/s --rate=10 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"fatal: --stages cannot be used with --rate: the stages give the rate and the time" ]]
    run src --stages=1s:10/s --duration=1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$(fake_accepts)" -eq 0 ]
}

# The knee chart (--plot) against the JSON's search: a point per step and
# series where the panel's scales put it, with its step's verdict; the
# found rate's line, the failing rates' shade, the p50 threshold's line;
# the title saying the range and the outcome ($3); the axes labelled; the
# latency thresholds' lines at $4 ms (150 unless given).
check_knee() {
    command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"
    xmllint --noout "$1"
    python3 - "$1" "$2" "$3" "${4:-150}" <<'PY'
import json, math, sys
import xml.etree.ElementTree as ET
svg, s, title = ET.parse(sys.argv[1]).getroot(), json.load(open(sys.argv[2]))['search'], sys.argv[3]
# argv[4]: the latency thresholds' limits, in ms.
ns = '{http://www.w3.org/2000/svg}'
texts = [t.text or '' for t in svg.iter(ns + 'text')]
assert texts[0].startswith('smtp-source: capacity search, ' + title), (texts[0], title)
assert texts.count('offered rate (messages/s)') == 2 and 'achieved (messages/s)' in texts, texts
want = {}
for i, p in enumerate(s['steps'], 1):
    want[('achieved', i)] = (p['offered_per_s'], p['achieved_per_s'], p['passed'])
    for q in ('p50', 'p99'):
        if p['corrected_%s_ms' % q] > 0:
            want[('corrected-' + q, i)] = (p['offered_per_s'], p['corrected_%s_ms' % q], p['passed'])
seen, marks = {}, {}
for g in svg.iter(ns + 'g'):
    a = g.attrib
    f = {k: float(a['data-' + k]) for k in ('px0', 'px1', 'py0', 'py1', 'x0', 'x1', 'y0', 'y1')}
    tr = math.log10 if a['data-ylog'] == '1' else (lambda v: v)
    X = lambda x: f['px0'] + (x - f['x0']) / (f['x1'] - f['x0']) * (f['px1'] - f['px0'])
    Y = lambda y: f['py0'] + (tr(y) - tr(f['y0'])) / (tr(f['y1']) - tr(f['y0'])) * (f['py1'] - f['py0'])
    for c in g.iter(ns + 'circle'):
        if c.get('class') != 'pt':
            continue
        k = (c.get('data-series'), int(c.get('data-step')))
        x, v = float(c.get('data-offered')), float(c.get('data-value'))
        seen[k] = (x, v, c.get('data-passed') == '1')
        assert abs(float(c.get('cx')) - X(x)) < 0.02 and abs(float(c.get('cy')) - Y(v)) < 0.02, k
    for e in g:
        if e.get('class') in ('found', 'failing', 'limit'):
            marks.setdefault((a['id'], e.get('class')), []).append(float(e.get('data-rate') or e.get('data-value')))
assert set(seen) == set(want), set(seen) ^ set(want)
for k in want:
    assert all(abs(u - w) < 0.0015 for u, w in zip(seen[k][:2], want[k][:2])) and seen[k][2] == want[k][2], (k, seen[k], want[k])
failed = [p['offered_per_s'] for p in s['steps'] if not p['passed']]
for panel in ('rate', 'latency'):
    assert marks.get((panel, 'found')) == ([s['rate_per_s']] if s['rate_per_s'] else None), marks
    assert marks.get((panel, 'failing')) == ([min(failed)] if failed else None), marks
assert marks[('latency', 'limit')] == [float(v) for v in sys.argv[4].split()], marks
PY
}

# A capacity search against the fake server of capacity C (see the
# capacity directive atop tests/fakeserver.c); the objective: the median
# corrected latency under 150 ms, no failure. Past C the queue grows by
# (R - C) a second, so a step of 3 s at 1.1 C fails it and one at C passes.
find_capacity() {
    local c=$1 range=$2
    start_fake_script - <<EOF2
capacity $c
EOF2
    d=$(sink_dir)
    src --find-rate="$range" --step=3s -d -s 40 --fail-if='p50(corrected)>150ms' \
        --fail-if='failed>1%' --json="$d/r.json" --plot="$d/knee.svg" "$FAKE_ADDR" \
        >"$d/out" 2>"$d/err" || rc=$?
    [ "${rc:-0}" -eq 0 ] || { cat "$d/out" "$d/err"; return 1; }
    check_knee "$d/knee.svg" "$d/r.json" "${range%-*}/s to ${range#*-}/s: found "
    python3 - "$d" "$c" "$(fake_dots)" <<'PY'
import json, sys
d, c, seen = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = json.load(open(d + '/r.json'))['search']
assert s['outcome'] == 'found', s
assert 0.9 * c <= s['rate_per_s'] <= 1.1 * c, (s['rate_per_s'], c, s['steps'])
steps = s['steps']
assert sum(p['sent'] + p['failed'] for p in steps) == seen, (steps, seen)
# Rising geometric steps until the first failure, then bisection.
first_fail = next(i for i, p in enumerate(steps) if not p['passed'])
assert all(steps[i + 1]['offered_per_s'] == 2 * steps[i]['offered_per_s'] for i in range(first_fail)), steps
passed = [p['offered_per_s'] for p in steps if p['passed']]
failed = [p['offered_per_s'] for p in steps if not p['passed']]
assert s['rate_per_s'] == max(passed) and min(failed) <= 1.05 * max(passed) + 0.001, steps
out = open(d + '/out').read()
assert out.startswith('smtp-source: capacity search, ') and ': found: ' in out, out
PY
}

@test "--find-rate finds a server's capacity within 10%: 20/s" {
    find_capacity 20 5-80
}

@test "--find-rate finds a server's capacity within 10%: 50/s" {
    find_capacity 50 15-200
}

@test "--find-rate: passed even at TO (exit 4), failed already at FROM (exit 2)" {
    start_fake_script - <<'EOF2'
capacity 20
EOF2
    d=$(sink_dir)
    run src --find-rate=2-4 --step=1s -d -s 10 --fail-if='p50(corrected)>150ms' --json="$d/r.json" \
        --plot="$d/knee.svg" "$FAKE_ADDR"
    [ "$status" -eq 4 ]
    check_knee "$d/knee.svg" "$d/r.json" '2/s to 4/s: passed even at TO'
    grep -q '>passed at TO 4/s</text>' "$d/knee.svg"
    [[ "$output" == *"
smtp-source: capacity search, 2/s to 4/s: passed at TO: even 4/s met every threshold
"* ]]
    run src --find-rate=60-400 --step=1s -d -s 40 --fail-if='p50(corrected)>150ms' --json "$FAKE_ADDR"
    [ "$status" -eq 2 ]
    python3 - "$output" <<'PY'
import json, sys
s = json.loads(next(l for l in sys.argv[1].split('\n') if l.startswith('{')))['search']
assert s['outcome'] == 'failed at FROM' and s['rate_per_s'] is None, s
assert len(s['steps']) == 1 and not s['steps'][0]['passed'] and s['steps'][0]['offered_per_s'] == 60, s
PY
}

@test "--find-rate: bad ranges and the options it excludes are refused before any connection" {
    start_fake_script - <<'EOF2'
banner : default
EOF2
    for r in '' '10' '10-' '-10' '20-10' '10-10' 'x-10' '10-20/x' '0-10'; do
        run src --find-rate="$r" "$FAKE_ADDR"
        [ "$status" -eq 1 ] || { echo "status $status for '$r'"; return 1; }
        [ "${#lines[@]}" -eq 1 ] || { echo "not one line for '$r': $output"; return 1; }
        [[ "${lines[0]}" == *"smtp-source: fatal: --find-rate=$r: "*" (give FROM-TO, rates as --rate takes them, FROM less than TO: e.g. --find-rate=50-2000)" ]] \
            || { echo "got: ${lines[0]}"; return 1; }
    done
    for o in --rate=10 --stages=1s:1/s --duration=1 -m5 --shard=0/2; do
        run src --find-rate=1-10 "$o" "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [[ "$output" == *"fatal: --find-rate cannot be used with "*": each step is a --rate run of --step" ]]
    done
    run src --step=1s -m 1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"fatal: --step needs --find-rate" ]]
    run src --find-rate=1-10 --step=0.5s "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$(fake_accepts)" -eq 0 ]
}

wait_for_line() {
    local i
    for ((i = 0; i < 3000; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.01
    done
    echo "never saw '$2' in $1:" >&2
    cat "$1" >&2
    return 1
}

@test "--find-rate: SIGINT during a step: the table so far, where it stopped, exit 130" {
    start_fake_script - <<'EOF2'
capacity 200
EOF2
    d=$(sink_dir)
    bg_start "$SRC" --find-rate=5-80 --step=1s -d -s 10 --json="$d/r.json" --plot="$d/knee.svg" \
        "$FAKE_ADDR" >"$d/out" 2>"$d/err"
    pid=$BG_PID
    # Step 2 has begun: the signal stops it (it is not judged) and the search.
    wait_for_line "$d/err" ': step 2: 10/s offered for 1 s$'
    kill -INT "$pid"
    st=0
    wait "$pid" || st=$?
    [ "$st" -eq 130 ] || { cat "$d/out" "$d/err"; return 1; }
    grep -qx 'smtp-source: capacity search, 5/s to 80/s: interrupted by SIGINT during step 2 (10/s), which was not judged' "$d/out"
    grep -qx '  so far:   5/s met every threshold' "$d/out"
    grep -Eq '^  1       5\.000/s    5\.000/s +[0-9.]+ +[0-9.]+       5       0  passed$' "$d/out"
    [ "$(grep -c '^  [0-9]' "$d/out")" -eq 1 ]
    python3 - "$d/r.json" "$(fake_dots)" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j['search']
assert j['status'] == 'interrupted' and s['outcome'] == 'interrupted', j
assert s['interrupted'] == {'signal': 'SIGINT', 'step': 2, 'offered_per_s': 10, 'during': True}, s
assert [p['offered_per_s'] for p in s['steps']] == [5] and s['steps'][0]['sent'] == 5, s
assert s['rate_per_s'] == 5, s
# Step 2's messages in flight finished; no new one started after the signal.
assert 5 <= int(sys.argv[2]) <= 5 + 10, sys.argv[2]
PY
    # The default thresholds: p99(corrected)>1s is drawn.
    check_knee "$d/knee.svg" "$d/r.json" '5/s to 80/s: interrupted at step 2 (10/s)' 1000
    assert_no_workers
}

# little_figures OUTPUT: its one Little's-law warning says, of the 300 ms
# server, what its own figures give: the sessions needed at the peak rate
# (mean service time x rate, rounded up) and the rate the sessions hold
# (sessions / mean service time, rounded down). The service time itself
# grows with the machine's load, so it is read, not assumed.
little_figures() {
    python3 - "$1" <<'PY'
import math, re, sys
m = re.findall(r"warning: --(?:find-rate up to|stages peaks at) (\d+)/s: at the ([\d.]+) ms mean "
               r"service time of (?:step|stage) 1, that needs at least (\d+) sessions \(Little's "
               r"law\), -s gives (\d+): raise -s, or the (?:steps|stages) past (\d+)/s measure", sys.argv[1])
assert len(m) == 1, sys.argv[1]
rate, ms, need, s, past = int(m[0][0]), float(m[0][1]), int(m[0][2]), int(m[0][3]), int(m[0][4])
assert ms >= 300, ms
lo, hi = (ms - 0.05) / 1000, (ms + 0.05) / 1000
assert math.ceil(rate * lo - 1e-9) <= need <= math.ceil(rate * hi - 1e-9), (need, ms)
assert math.floor(s / hi) <= past <= math.floor(s / lo), (past, ms)
assert need > s
PY
}

@test "-s too low for --find-rate's and --stages' highest rate: one warning from Little's law, the short steps and stages marked; --merge refuses both reports" {
    # Every message takes 300 ms: 20/s keeps 6 to 7 sessions busy.
    start_fake_script - <<'EOF2'
dot : sleep 300; default
EOF2
    d=$(sink_dir)
    run src --find-rate=5-20 --step=1s -d -s 4 --fail-if='failed>0' --json="$d/r.json" "$FAKE_ADDR"
    [ "$status" -eq 4 ]
    w=$(grep -c 'warning: --find-rate up to' <<<"$output")
    [ "$w" -eq 1 ]
    # After step 1's line, before step 2's: the service time is step 1's.
    [[ "$output" =~ ": step 1: 5/s offered, 5.0/s achieved, corrected p99 "[0-9.]+" ms: passed"$'\n'[^$'\n']*": warning: --find-rate up to 20/s: at the "[0-9.]+" ms mean service time of step 1, that needs at least "[0-9]+" sessions (Little's law), -s gives 4: raise -s, or the steps past "[0-9]+"/s measure the sessions, not the server"$'\n'[^$'\n']*": step 2: 10/s offered for 1 s" ]]
    little_figures "$output"
    [[ "$output" == *": step 3: 20/s offered, "*" achieved, corrected p99 "*" ms: passed (short of sessions: raise -s)"* ]]
    python3 - "$d/r.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))['search']
# 5/s needs 2 sessions of the 4, 20/s more than 4 can give at >= 300 ms
# each; 10/s is near the edge (3 busy at 300 ms) and is left to the load.
assert [p['short_of_sessions'] for p in s['steps']][::2] == [False, True], s['steps']
assert s['steps'][2]['achieved_per_s'] < 16, s['steps']
PY
    run src --stages=1s:5/s,1s:20/s -d -s 2 --json="$d/s.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: --stages peaks at' <<<"$output")" -eq 1 ]
    little_figures "$output"
    [[ "$output" =~ $'\n'"  stage 2     1.000 s, 5/s -> 20/s: 12 due, offered 12.0/s, achieved "[0-9.]+"/s, 0 failed; ms p50/p99 service "[0-9./]+", corrected "[0-9./]+" (short of sessions: raise -s, about "[0-9]+" needed)"($'\n'|$) ]]
    [[ "$output" =~ $'\n'"  stage 1     1.000 s, 0/s -> 5/s: 3 due, offered 3.0/s, achieved 3.0/s, 0 failed; ms p50/p99 service "[0-9./]+", corrected "[0-9./]+$'\n' ]]
    python3 - "$d/s.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))['stages']
assert [r['short_of_sessions'] for r in rows] == [False, True], rows
assert rows[1]['sessions_needed'] == 7 and rows[0]['sessions_needed'] == 2, rows
PY
    # Neither report merges: one line each, naming the file and why.
    run src --merge "$d/s.json" "$d/s.json"
    [ "$status" -eq 1 ] && [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" == *"smtp-source: fatal: $d/s.json: line 1: a --stages run: its rows per stage keep percentiles, not histograms, and cannot be merged exactly" ]]
    run src --merge "$d/r.json"
    [ "$status" -eq 1 ] && [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" == *"smtp-source: fatal: $d/r.json: line 1: a capacity search (--find-rate), not a run: its steps are runs of their own, with nothing to merge" ]]
}
