#!/usr/bin/env bats
# --metrics scraped by a real Prometheus (Debian's prometheus, a private
# instance: its own config and storage in the test's directory, a free
# loopback port, a scrape every second, started and stopped here). The
# numbers are read back through Prometheus's HTTP API and held against the
# run's own report; the test waits on what Prometheus has scraped (its API
# polled a bounded number of times), never on a sleep.
load helpers

PROM=${PROM:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
SCRAPE=$TOP/tests/scrape.py

setup() {
    [ -x "$PROM" ] && [ -x "$PROMTOOL" ] || {
        echo "prometheus and promtool are missing: make deps installs them" >&2
        return 1
    }
}

teardown() {
    if [ -n "${PROM_PID:-}" ]; then
        kill "$PROM_PID" 2>/dev/null || true
        wait "$PROM_PID" 2>/dev/null || true
    fi
    common_teardown
}

free_port() {
    local p hex
    while :; do
        p=$((30000 + RANDOM % 10000))
        printf -v hex '%04X' "$p"
        grep -q ":$hex .* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
    done
}

# start_prometheus TARGET_PORT: Prometheus scraping 127.0.0.1:TARGET_PORT
# every second. Sets PROM_PID and PROM_URL once it answers ready.
start_prometheus() {
    local d i port
    d=$(sink_dir)/prom
    mkdir -p "$d/data"
    cat >"$d/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: smtp-source
    static_configs:
      - targets: ['127.0.0.1:$1']
YML
    "$PROMTOOL" check config "$d/prometheus.yml" >/dev/null
    port=$(free_port)
    "$PROM" --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
        --web.listen-address="127.0.0.1:$port" --log.level=warn >"$d/log" 2>&1 &
    PROM_PID=$!
    PROM_URL=http://127.0.0.1:$port
    # Ready, and its first scrape of the target done (it finds nothing
    # there yet): from then on it scrapes every second.
    for ((i = 0; i < 600; i++)); do
        python3 - "$PROM_URL" 2>/dev/null <<'PY' && return 0
import json, sys, urllib.request
t = json.load(urllib.request.urlopen(sys.argv[1] + '/api/v1/targets', timeout=1))
active = t['data']['activeTargets']
assert active and active[0]['health'] != 'unknown', active
PY
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "prometheus did not start, or never scraped:" >&2
    cat "$d/log" >&2
    return 1
}

# Waits (at most 30 s) until file $1 holds a line matching $2.
wait_for_line() {
    local i
    for ((i = 0; i < 3000; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.01
    done
    echo "never saw '$2' in $1" >&2
    return 1
}

@test "a private Prometheus scrapes a --rate run: its totals, its p99 within a bucket, the run's id" {
    start_sink
    d=$(sink_dir)
    mport=$(free_port)
    start_prometheus "$mport"
    # 3 s at 100/s: Prometheus scrapes it while it runs, then the totals
    # during the linger, which ends once they have been read back.
    bg_start "$SRC" --metrics="$mport" --metrics-linger=60 --rate=100 -m 300 -s 4 \
        --json="$d/r.json" "$SINK_ADDR" >"$d/out" 2>"$d/err"
    pid=$BG_PID
    wait_for_line "$d/out" '^smtp-source: completed'
    python3 "$SCRAPE" get "$mport" >"$d/scrape"
    # promtool reads the exposition as Prometheus's own linter does.
    sed '1,/^\r$/d' "$d/scrape" >"$d/body"
    run "$PROMTOOL" check metrics <"$d/body"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    python3 - "$PROM_URL" "$d/r.json" "$d/body" "$(dump_count)" "$TOP/examples/grafana-dashboard.json" <<'PY'
import json, sys, time, urllib.parse, urllib.request
url, report, body, seen = sys.argv[1], json.load(open(sys.argv[2])), open(sys.argv[3]).read(), int(sys.argv[4])
dash = json.load(open(sys.argv[5]))

def query(q):
    u = url + '/api/v1/query?' + urllib.parse.urlencode({'query': q})
    r = json.load(urllib.request.urlopen(u, timeout=5))
    assert r['status'] == 'success', r
    return r['data']['result']

run_id, sent = report['run']['id'], report['messages']['sent']
assert sent == seen == 300, (sent, seen)
# The final value, once Prometheus has scraped it (each try is one query).
for _ in range(300):
    got = query('smtp_source_messages_total{outcome="sent"}')
    if got and int(got[0]['value'][1]) == sent:
        break
    time.sleep(0.1)
else:
    raise AssertionError('Prometheus never had sent=%d: %r' % (sent, got))
labels = got[0]['metric']
assert labels['run'] == run_id and labels['job'] == 'smtp-source', labels
assert 'shard' not in labels, labels
# Scraped while the run went on, not only after it.
live = query('max_over_time(smtp_source_running{run="%s"}[5m])' % run_id)
assert live and live[0]['value'][1] == '1', live
for q, v in (('smtp_source_messages_total{outcome="failed"}', report['messages']['failed']),
             ('smtp_source_connections_total', report['connections']),
             ('smtp_source_sent_bytes_total', report['bytes_sent']),
             ('smtp_source_started_messages_total', report['schedule']['started']),
             ('smtp_source_due_messages_total', report['schedule']['due']),
             ('smtp_source_phase_duration_seconds_count{phase="message"}', sent)):
    got = query(q)
    assert got and float(got[0]['value'][1]) == v, (q, got, v)

# Each latency's p99 by Prometheus falls in the exposition's bucket that
# holds the report's p99 (300 samples: both take rank 297).
def bounds(name, sel):
    les = []
    for line in body.splitlines():
        if line.startswith(name + '_bucket{') and sel in line:
            le = line.split('le="')[1].split('"')[0]
            if le != '+Inf':
                les.append(float(le))
    return les

for name, sel, key in (('smtp_source_phase_duration_seconds', 'phase="message"', 'message'),
                       ('smtp_source_message_duration_seconds', 'view="corrected"', 'corrected'),
                       ('smtp_source_message_duration_seconds', 'view="service"', 'service')):
    mine = report['latency_ms'][key]['p99'] / 1000
    les = bounds(name, sel)
    hi = next(le for le in les if le >= mine - 1e-9)
    lo = max([0] + [le for le in les if le < hi])
    got = query('histogram_quantile(0.99, %s_bucket{%s})' % (name, sel))
    prom = float(got[0]['value'][1])
    assert lo - 1e-9 <= prom <= hi + 1e-9, (key, mine, prom, lo, hi)

# examples/grafana-dashboard.json: each panel's query, as Grafana would
# send it for this run, is valid PromQL with an answer (the failures'
# "> 0" has none in a run without failures).
u = url + '/api/v1/label/run/values?' + urllib.parse.urlencode({'match[]': 'smtp_source_running'})
assert run_id in json.load(urllib.request.urlopen(u, timeout=5))['data']
for panel in dash['panels']:
    for t in panel['targets']:
        q = t['expr'].replace('$run', run_id).replace('$__rate_interval', '1m')
        got = query(q)
        assert got or '> 0' in q, (panel['title'], q)
PY
    kill -INT "$pid"
    wait "$pid"
    assert_no_workers
}
