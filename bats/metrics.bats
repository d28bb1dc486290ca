#!/usr/bin/env bats
# --metrics: the parent serves the run's numbers on /metrics from its own
# loop. What a scraper gets (read with tests/scrape.py) is checked against
# the report and the sink's dump; the server's refusals, its bounds and its
# startup failure are checked as a user sees them.
load helpers

SCRAPE=$TOP/tests/scrape.py

setup() { command -v python3 >/dev/null || skip "python3 is needed for the HTTP client"; }
teardown() { common_teardown; }

# A loopback port nothing listens on now (the run fails at once, with its
# one line, should another program take it first).
free_port() {
    local p hex
    while :; do
        p=$((30000 + RANDOM % 10000))
        printf -v hex '%04X' "$p"
        grep -q ":$hex .* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
    done
}

# Waits (at most 30 s) until file $1 holds a line matching $2.
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

# The value of the sample that begins with $2 in the scrape $1.
sample() { awk -v p="$2" 'index($0, p) == 1 { print $NF }' "$1"; }

@test "--metrics serves the run's totals after it, in both formats, with the run's id" {
    start_sink
    d=$(sink_dir)
    port=$(free_port)
    bg_start "$SRC" --metrics="$port" --metrics-linger=30 -m 200 -s 4 --json="$d/r.json" \
        "$SINK_ADDR" >"$d/out" 2>"$d/err"
    pid=$BG_PID
    # The report is written before the linger: from then on the totals stand.
    wait_for_line "$d/out" '^smtp-source: completed'
    python3 "$SCRAPE" get "$port" >"$d/text"
    python3 "$SCRAPE" get "$port" 'application/openmetrics-text;version=1.0.0' >"$d/om"
    kill -INT "$pid"
    wait "$pid"
    [ "$(dump_count)" -eq 200 ]
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$d/r.json")
    [[ "$id" =~ ^[0-9a-f]{16}$ ]]
    head -1 "$d/text" | grep -qx $'HTTP/1.1 200 OK\r'
    grep -qx $'Content-Type: text/plain; version=0.0.4; charset=utf-8\r' "$d/text"
    [ "$(sample "$d/text" "smtp_source_messages_total{run=\"$id\",outcome=\"sent\"}")" = 200 ]
    [ "$(sample "$d/text" "smtp_source_messages_total{run=\"$id\",outcome=\"failed\"}")" = 0 ]
    [ "$(sample "$d/text" "smtp_source_connections_total{run=\"$id\"}")" = 200 ]
    [ "$(sample "$d/text" "smtp_source_running{run=\"$id\"}")" = 0 ]
    [ "$(sample "$d/text" "smtp_source_phase_duration_seconds_count{run=\"$id\",phase=\"message\"}")" = 200 ]
    [ "$(sample "$d/text" "smtp_source_phase_duration_seconds_bucket{run=\"$id\",phase=\"message\",le=\"+Inf\"}")" = 200 ]
    grep -q '^# TYPE smtp_source_messages_total counter' "$d/text"
    grep -qx $'Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r' "$d/om"
    grep -q '^# TYPE smtp_source_messages counter' "$d/om"
    [ "$(tail -c 6 "$d/om")" = "# EOF" ]
    [ "$(sample "$d/om" "smtp_source_messages_total{run=\"$id\",outcome=\"sent\"}")" = 200 ]
    # The body is as long as the head says.
    python3 - "$d/text" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
head, body = raw.split(b'\r\n\r\n', 1)
n = [int(l.split(b':')[1]) for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')]
assert n == [len(body)], (n, len(body))
PY
    assert_no_workers
}

@test "--metrics during a --rate run: in flight and due as the run goes; a shard's label" {
    start_sink
    d=$(sink_dir)
    port=$(free_port)
    # Shard 1 of 2 at 20/s offers 10/s for 50 s: scraped once its first
    # interval has passed, then stopped by SIGINT (in-flight ones finish).
    bg_start "$SRC" --metrics="$port" --metrics-linger=0 --rate=20 -m 1000 --shard=1/2 \
        --interval=0.5 --json="$d/r.json" "$SINK_ADDR" >"$d/out" 2>"$d/err"
    pid=$BG_PID
    wait_for_line "$d/err" 'interval .*'
    python3 "$SCRAPE" get "$port" >"$d/live"
    kill -INT "$pid"
    st=0
    wait "$pid" || st=$?
    [ "$st" -eq 130 ]
    run_label=$(grep -o 'run="[0-9a-f]*",shard="1"' "$d/live" | head -1)
    [ -n "$run_label" ]
    [ "$(sample "$d/live" "smtp_source_running{$run_label}")" = 1 ]
    [ "$(sample "$d/live" "smtp_source_offered_messages_per_second{$run_label}")" = 10 ]
    due=$(sample "$d/live" "smtp_source_due_messages_total{$run_label}")
    sent=$(sample "$d/live" "smtp_source_messages_total{$run_label,outcome=\"sent\"}")
    [ "$due" -ge 1 ] && [ "$due" -lt 500 ] && [ "$sent" -le "$due" ]
    flight=$(sample "$d/live" "smtp_source_messages_in_flight{$run_label}")
    [ "$flight" -ge 0 ] && [ "$flight" -le 1 ]
    grep -q "smtp_source_message_duration_seconds_count{$run_label,view=\"corrected\"}" "$d/live"
    # What the sink saw is what the run reports.
    [ "$(dump_count)" -eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"]["sent"])' "$d/r.json")" ]
    assert_no_workers
}

@test "--metrics: a port that cannot be bound stops the run at startup, with one line" {
    start_sink
    d=$(sink_dir)
    run src --metrics="$SINK_PORT" -m 5 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: --metrics=127.0.0.1:$SINK_PORT: bind: Address already in use" ]
    [ "$(dump_count)" -eq 0 ]
    assert_no_workers
}

@test "--metrics and --metrics-linger: bad values are refused with one line" {
    run src --metrics=abc 127.0.0.1:25
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: --metrics=abc: give PORT or ADDR:PORT, the port a number (9464, 0.0.0.0:9464, [::1]:9464)" ]
    run src --metrics=70000 127.0.0.1:25
    [ "$status" -eq 1 ]
    [[ "$output" == "$SRC: fatal: --metrics=70000: give PORT or ADDR:PORT"* ]]
    run src --metrics=127.0.0.1 127.0.0.1:25
    [ "$status" -eq 1 ]
    [[ "$output" == "$SRC: fatal: --metrics=127.0.0.1: give PORT"* ]]
    run src --metrics-linger=5 127.0.0.1:25
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: --metrics-linger needs --metrics" ]
    run src --metrics=9464 --metrics-linger=soon 127.0.0.1:25
    [ "$status" -eq 1 ]
    [[ "$output" == "$SRC: fatal: --metrics-linger=soon: "* ]]
    run src --merge --metrics=9464 /dev/null
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: --metrics: a merge has no run to watch, only the shards' reports" ]
}

@test "--metrics: a malformed or huge request gets 400 and is closed; other paths and methods too" {
    start_sink
    d=$(sink_dir)
    port=$(free_port)
    bg_start "$SRC" --metrics="$port" --metrics-linger=30 -m 1 "$SINK_ADDR" >"$d/out" 2>"$d/err"
    pid=$BG_PID
    wait_for_line "$d/out" 'smtp-source: completed'
    printf 'GARBAGE\r\n\r\n' | python3 "$SCRAPE" raw "$port" >"$d/bad"
    head -1 "$d/bad" | grep -qx $'HTTP/1.1 400 Bad Request\r'
    grep -q 'Connection: close' "$d/bad"
    # 9000 bytes and no end of head: refused at the bound, not read on.
    python3 -c 'import sys; sys.stdout.write("GET /metrics HTTP/1.1\r\nX: " + "a" * 9000)' \
        | python3 "$SCRAPE" raw "$port" >"$d/huge"
    head -1 "$d/huge" | grep -qx $'HTTP/1.1 400 Bad Request\r'
    printf 'GET /other HTTP/1.1\r\n\r\n' | python3 "$SCRAPE" raw "$port" >"$d/404"
    head -1 "$d/404" | grep -qx $'HTTP/1.1 404 Not Found\r'
    printf 'POST /metrics HTTP/1.1\r\n\r\n' | python3 "$SCRAPE" raw "$port" >"$d/405"
    head -1 "$d/405" | grep -qx $'HTTP/1.1 405 Method Not Allowed\r'
    grep -qx $'Allow: GET, HEAD\r' "$d/405"
    printf 'HEAD /metrics HTTP/1.0\r\n\r\n' | python3 "$SCRAPE" raw "$port" >"$d/head"
    head -1 "$d/head" | grep -qx $'HTTP/1.1 200 OK\r'
    [ "$(tail -c 4 "$d/head" | od -An -c | tr -d ' ')" = '\r\n\r\n' ]
    # Still serving after all that.
    python3 "$SCRAPE" get "$port" >"$d/ok"
    grep -q '^smtp_source_messages_total{run="[0-9a-f]*",outcome="sent"} 1$' "$d/ok"
    # SIGINT ends the linger at once; the run's status is the run's.
    kill -INT "$pid"
    wait "$pid"
    assert_no_workers
}

@test "--metrics: scrapers that never read hold no worker back, and a real one is still served" {
    start_sink
    d=$(sink_dir)
    port=$(free_port)
    # Gated by --start-at, so that the stuck scrapers are in before any message.
    bg_start "$SRC" --metrics="$port" --metrics-linger=30 -m 300 -s 4 \
        --start-at=@$(( $(date +%s) + 4 )) "$SINK_ADDR" >"$d/out" 2>"$d/err"
    pid=$BG_PID
    for ((i = 0; i < 1000; i++)); do
        grep -q ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp && break
        sleep 0.01
    done
    # More stuck scrapers than the server keeps: the oldest make room.
    bg_start python3 "$SCRAPE" stuck "$port" 12 "$d/ready"
    wait_for_line "$d/ready" ready
    wait_for_line "$d/out" 'smtp-source: completed'
    [ "$(dump_count)" -eq 300 ]
    grep -q '300 sent, 0 failed' "$d/out"
    python3 "$SCRAPE" get "$port" >"$d/ok"
    grep -q '^smtp_source_messages_total{run="[0-9a-f]*",outcome="sent"} 300$' "$d/ok"
    kill -INT "$pid"
    wait "$pid"
    assert_no_workers
}

@test "--metrics: only the parent holds the socket; without --metrics nothing listens" {
    start_sink
    d=$(sink_dir)
    port=$(free_port)
    for metrics in yes no; do
        opt=()
        [ "$metrics" = yes ] && opt=(--metrics="$port" --metrics-linger=0)
        # The workers wait at --start-at's gate until SIGINT ends the run.
        bg_start "$SRC" "${opt[@]}" -m 2 -s 2 --start-at=@$(( $(date +%s) + 600 )) \
            "$SINK_ADDR" >"$d/out" 2>"$d/err"
        pid=$BG_PID
        for ((i = 0; i < 1000; i++)); do
            [ "$(pgrep -P "$pid" | wc -l)" -eq 2 ] && break
            sleep 0.01
        done
        [ "$(pgrep -P "$pid" | wc -l)" -eq 2 ]
        listening=()
        for p in "$pid" $(pgrep -P "$pid"); do
            for ino in $(awk '$4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6); do
                if [ -n "$(find /proc/$p/fd -lname "socket:\[$ino\]" 2>/dev/null)" ]; then
                    listening+=("$p")
                fi
            done
        done
        if [ "$metrics" = yes ]; then
            [ "${listening[*]}" = "$pid" ]
        else
            [ "${#listening[@]}" -eq 0 ]
        fi
        kill -INT "$pid"
        st=0
        wait "$pid" || st=$?
        [ "$st" -eq 130 ]
    done
    [ "$(dump_count)" -eq 0 ]
    assert_no_workers
}

@test "examples: the Grafana dashboard is JSON whose every metric and label a --rate run serves; the scrape config passes promtool" {
    start_sink
    d=$(sink_dir)
    port=$(free_port)
    bg_start "$SRC" --metrics="$port" --metrics-linger=30 --rate=200 -m 20 -s 2 "$SINK_ADDR" \
        >"$d/out" 2>"$d/err"
    pid=$BG_PID
    wait_for_line "$d/out" '^smtp-source: completed'
    python3 "$SCRAPE" get "$port" >"$d/scrape"
    kill -INT "$pid"
    wait "$pid"
    python3 - "$TOP/examples/grafana-dashboard.json" "$d/scrape" <<'PY'
import json, re, sys
dash = json.load(open(sys.argv[1]))
served = {}
for line in open(sys.argv[2], newline='').read().split('\r\n\r\n', 1)[1].splitlines():
    m = re.match(r'(smtp_source_\w+)\{([^}]*)\} ', line)
    if m:
        served.setdefault(m.group(1), set()).update(re.findall(r'(\w+)="', m.group(2)))
exprs = [t['expr'] for p in dash['panels'] for t in p['targets']]
exprs.append(dash['templating']['list'][1]['query']['query'])
assert len(exprs) >= 10, exprs
titles = ' '.join(p['title'] for p in dash['panels'])
for want in ('Offered vs achieved', 'corrected vs service', 'Failures'):
    assert want in titles, titles
for e in exprs:
    for name, labels in re.findall(r'(smtp_source_\w+)(?:\{([^}]*)\})?', e):
        assert name in served, (name, e)
        for label in re.findall(r'(\w+)\s*=~?', labels):
            assert label in served[name], (label, name)
    for by in re.findall(r'by \(([^)]*)\)', e):
        for label in by.replace(' ', '').split(','):
            assert any(label in s for s in served.values()), (label, e)
PY
    run /usr/bin/promtool check config "$TOP/examples/prometheus.yml"
    [ "$status" -eq 0 ]
    assert_no_workers
}
