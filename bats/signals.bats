#!/usr/bin/env bats
# Signals and process hygiene: SIGINT drains, SIGTERM/SIGHUP stop at once,
# SIGKILL to the parent takes the workers with it; after each, no process
# of ours is left. (The shared counters are an anonymous mapping: they go
# with the last process, so no process left means nothing left.)
load helpers

teardown() { common_teardown; }

# Starts the program in the background with a slow sink (DATA waits 2 s),
# and waits (bounded) until all its workers exist. Sets PID.
# start_slow_run [MESSAGES]: -s 3 -m MESSAGES (30).
start_slow_run() {
    start_sink -w 2
    bg_start "$SRC" -s 3 -m "${1:-30}" --json="$SINK_DIR/r.json" "$SINK_ADDR" >"$SINK_DIR/out" 2>"$SINK_DIR/err"
    PID=$BG_PID
    local i
    # Three workers exist and the sink holds their three connections.
    for i in $(seq 1 200); do
        [ "$(pgrep -c -P "$PID")" -ge 3 ] && [ "$(established "$SINK_PORT")" -ge 3 ] && return 0
        sleep 0.05
    done
    return 1
}

@test "SIGINT: in-flight messages finish, the report is printed, exit 130" {
    start_slow_run
    kill -INT "$PID"
    rc=0; wait "$PID" || rc=$?
    [ "$rc" -eq 130 ]
    grep -q "smtp-source: interrupted by SIGINT in " "$SINK_DIR/out"
    # The three messages in flight were completed, nothing else started.
    grep -q "30 requested, 3 sent, 0 failed, 27 not done" "$SINK_DIR/out"
    [ "$(dump_count)" -eq 3 ]
    [ "$(cat "$SINK_DIR/err")" = "$SRC: SIGINT: the messages in flight finish, no new one starts; a second SIGINT stops them at once" ]
    assert_no_workers
}

# Waits (bounded) until the parent has said it drains.
wait_draining() {
    local i
    for i in $(seq 1 200); do
        grep -q 'SIGINT: the messages in flight finish' "$SINK_DIR/err" && return 0
        sleep 0.05
    done
    return 1
}

@test "a second SIGINT stops the workers at once: the messages in flight are not finished" {
    start_slow_run
    kill -INT "$PID"
    wait_draining
    kill -INT "$PID"
    rc=0; wait "$PID" || rc=$?
    [ "$rc" -eq 130 ]
    grep -q "interrupted by SIGINT" "$SINK_DIR/out"
    # The sink holds each DATA for 2 s: stopped at once, none of the three
    # messages in flight reached it.
    grep -q "30 requested, 0 sent, 0 failed, 30 not done" "$SINK_DIR/out"
    [ "$(dump_count)" -eq 0 ]
    assert_no_workers
}

@test "^C at a terminal (SIGINT to the process group): the workers ignore it, the run drains" {
    start_sink -w 2
    setsid bash -c 'echo $$ >"$1/pgid"; exec "$2" -s 3 -m 30 "$3" >"$1/out" 2>"$1/err"' \
        _ "$SINK_DIR" "$SRC" "$SINK_ADDR" &
    BG=$!
    for i in $(seq 1 200); do
        [ -s "$SINK_DIR/pgid" ] && [ "$(established "$SINK_PORT")" -ge 3 ] && break
        sleep 0.05
    done
    kill -INT -- -"$(cat "$SINK_DIR/pgid")"
    rc=0; wait "$BG" || rc=$?
    [ "$rc" -eq 130 ]
    # Workers that died of the ^C would have lost their three messages.
    grep -q "30 requested, 3 sent, 0 failed, 27 not done" "$SINK_DIR/out"
    [ "$(dump_count)" -eq 3 ]
}

# The kernel's view of each worker's dispositions (/proc/PID/status, a
# hex mask: bit N-1 for signal N): SIGINT and SIGPIPE ignored, no handler
# for SIGINT. A worker that kept the parent's handler would run it on a ^C
# (a write to the parent's closed signal pipe, its system calls cut short).
@test "each worker ignores SIGINT and SIGPIPE and has no SIGINT handler of its own" {
    start_slow_run
    workers=$(pgrep -P "$PID")
    [ "$(wc -w <<<"$workers")" -eq 3 ]
    for w in $workers; do
        ign=$(awk '$1 == "SigIgn:" { print $2 }' "/proc/$w/status")
        cgt=$(awk '$1 == "SigCgt:" { print $2 }' "/proc/$w/status")
        echo "worker $w: SigIgn $ign SigCgt $cgt"
        (( (16#$ign & 0x2) != 0 ))
        (( (16#$ign & 0x1000) != 0 ))
        (( (16#$cgt & 0x2) == 0 ))
    done
    # The parent, by contrast, catches it.
    (( (16#$(awk '$1 == "SigCgt:" { print $2 }' "/proc/$PID/status") & 0x2) != 0 ))
    kill -TERM "$PID"
    wait "$PID" || true
    assert_no_workers
}

@test "SIGTERM: workers stopped, report printed, exit 143" {
    start_slow_run
    kill -TERM "$PID"
    rc=0; wait "$PID" || rc=$?
    [ "$rc" -eq 143 ]
    grep -q "interrupted by SIGTERM" "$SINK_DIR/out"
    grep -q "30 requested, 0 sent, 0 failed, 30 not done" "$SINK_DIR/out"
    assert_no_workers
}

@test "SIGHUP: exit 129" {
    start_slow_run
    kill -HUP "$PID"
    rc=0; wait "$PID" || rc=$?
    [ "$rc" -eq 129 ]
    grep -q "interrupted by SIGHUP" "$SINK_DIR/out"
    assert_no_workers
}

@test "SIGKILL to the parent: the workers exit at once, before finishing their messages" {
    start_slow_run
    kill -KILL "$PID"
    wait "$PID" || true
    for _ in $(seq 1 100); do
        assert_no_workers 2>/dev/null && break
        sleep 0.05
    done
    assert_no_workers
    # They died with the parent (its death signal), not 2 s later when the
    # sink answered DATA and their record found no reader: nothing arrived.
    [ "$(dump_count)" -eq 0 ]
}

@test "a worker killed mid-message is reported, its message failed, the rest go on" {
    start_slow_run 6
    victim=$(pgrep -P "$PID" | head -1)
    kill -KILL "$victim"
    rc=0; wait "$PID" || rc=$?
    [ "$rc" -eq 1 ]
    grep -q "warning: worker [0-9] (pid $victim) killed by signal 9" "$SINK_DIR/err"
    grep -q "6 requested, 5 sent, 1 failed" "$SINK_DIR/out"
    grep -q "failures    1 worker died" "$SINK_DIR/out"
    [ "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["outcome"]["workers_died"], j["errors"]["worker_died"])' "$SINK_DIR/r.json")" = "1 1" ]
    [ "$(dump_count)" -eq 5 ]
    assert_no_workers
}

@test "a fatal error stops every worker; nothing is left" {
    start_sink -f RCPT
    run src -s 8 -m 1000 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    assert_no_workers
}

# A worker that has ended is forgotten: a stop signals only the workers
# still alive, never a number the kernel may have given to another process.
# In a PID namespace of its own, so that a stray kill(1) would hit only the
# namespace's init (strace, which ignores it), and strace shows every kill.
@test "SIGTERM after a worker has ended: only the live workers are signalled" {
    command -v strace >/dev/null || skip "strace is not installed"
    unshare -p -f true 2>/dev/null || skip "no PID namespaces here"
    ensure_sink_dir
    printf '%s\n' 'DATA conn=2- : sleep 20000; reply 354 go ahead' >"$SINK_DIR/script"
    start_fake_script "$SINK_DIR/script"
    # LeakSanitizer cannot run under ptrace: an ASan build is traced without it.
    ASAN_OPTIONS=detect_leaks=0 bg_start unshare -p -f strace -f -o "$SINK_DIR/st" -e trace=kill \
        "$SRC" -s 3 -m 3 "$FAKE_ADDR" >"$SINK_DIR/out" 2>"$SINK_DIR/err"
    local i parent=
    # The first connection's message is done and its worker, with no slot
    # left, has ended and been reaped: two workers remain.
    for i in $(seq 1 400); do
        parent=$(pgrep -f -x "$SRC -s 3 -m 3 $FAKE_ADDR" | head -1)
        [ -n "$parent" ] && [ "$(pgrep -c -P "$parent")" -eq 2 ] && grep -q '^1 QUIT' "$FAKE_LOG/events" && break
        sleep 0.05
    done
    [ "$(pgrep -c -P "$parent")" -eq 2 ]
    kill -TERM "$parent"
    rc=0; wait "$BG_PID" || rc=$?
    [ "$rc" -eq 143 ]
    # Two kills, each to a live worker; none to 1 or to the one that ended.
    grep -E 'kill\(' "$SINK_DIR/st" >&2 || true
    [ "$(grep -cE 'kill\([0-9]+, SIGTERM' "$SINK_DIR/st")" -eq 2 ]
    [ "$(grep -cE 'kill\(1, ' "$SINK_DIR/st")" -eq 0 ]
    assert_no_workers
}
