#!/usr/bin/env bats
# The core's own promises at their edges: every claimed slot gets exactly
# one record whatever path its connection dies on; a stop is honoured on
# every path that starts work; a signal sent to the whole process group is
# a stop, not a crash; a worker killed while it holds the slot lock does not
# hang the run; counts at their limits; bytes counted as write() took them;
# a record never contradicts itself; --timeout is a deadline per step.
load helpers
bats_require_minimum_version 1.5.0

setup() { command -v python3 >/dev/null || skip "python3 is needed to read JSON"; }
teardown() { common_teardown; }

json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# records FILE EXPR: EXPR over the list `rs` of the --records lines.
records() {
    python3 -c "import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"
}

# script LINES...: writes a fakeserver script and starts it.
script() {
    ensure_sink_dir
    printf '%s\n' "$@" >"$SINK_DIR/script"
    start_fake_script "$SINK_DIR/script"
}

# How many connections the fake server accepted.
# count ERE FILE: lines of FILE matching ERE (0 if none, or no FILE).
count() { local n; n=$(grep -cE "$1" "$2" 2>/dev/null) || true; echo "${n:-0}"; }
accepted() { count ' accept$' "$FAKE_LOG/events"; }

# All bytes the fake server received, over all connections.
bytes_in() { cat "$FAKE_LOG"/conn.*.in 2>/dev/null | wc -c; }

# Seconds since boot, with 10 ms resolution: a monotonic clock for bounds
# that derive from --timeout.
mono() { awk '{ print $1 }' /proc/uptime; }

# Waits (bounded) until the fake server's events match ERE at least N times.
wait_events() {
    local ere=$1 n=$2 i
    for i in $(seq 1 400); do
        [ "$(count "$ere" "$FAKE_LOG/events")" -ge "$n" ] && return 0
        sleep 0.05
    done
    echo "fakeserver events never reached $n x /$ere/" >&2
    return 1
}

# --- 1. a slot claimed behind the dot --------------------------------------

@test "a 421 at end of data, then 421 greetings: each of -m 2 slots fails once and the run ends" {
    script 'dot conn=1 nth=1 : reply 421 4.3.0 shutting down; close' \
           'banner conn=2- : reply 421 4.3.2 busy; close'
    f=$SINK_DIR/r.json
    run src --pipelining -d -A -m 2 --json="$f" --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(json "$f" "j['messages']['requested'], j['messages']['sent'], j['messages']['failed'], j['messages']['not_done']")" = "2 0 2 0" ]
    # One record per slot, each slot once.
    [ "$(records "$SINK_DIR/rec" "sorted(r['slot'] for r in rs)")" = "[0, 1]" ]
    [ "$(records "$SINK_DIR/rec" "[r['result'] for r in rs]")" = "['failed', 'failed']" ]
    # Slot 0 on the first connection; slot 1 (written behind the dot) tried
    # once more on a second connection, which was refused: two in all.
    [ "$(accepted)" -eq 2 ]
    assert_no_workers
}

@test "the first SIGINT stops a run whose every reconnection is refused" {
    script 'dot conn=1 nth=1 : reply 421 4.3.0 shutting down; close' \
           'banner conn=2- : reply 421 4.3.2 busy; close'
    "$SRC" --pipelining -d -A -m 100000000 --json="$SINK_DIR/r.json" "$FAKE_ADDR" \
        >"$SINK_DIR/out" 2>"$SINK_DIR/err" &
    PID=$!
    wait_events ' accept' 5
    kill -INT "$PID"
    rc=0; timeout 20 tail --pid="$PID" -f /dev/null || rc=$?
    [ "$rc" -eq 0 ] || { kill -9 "$PID"; echo "SIGINT did not stop the run"; false; }
    wait "$PID" || rc=$?
    [ "$rc" -eq 130 ]
    f=$SINK_DIR/r.json
    [ "$(json "$f" "j['status']")" = "interrupted by SIGINT" ]
    # Every slot handed out is accounted for exactly once.
    [ "$(json "$f" "j['messages']['sent'] + j['messages']['failed'] + j['messages']['not_done'] == j['messages']['requested']")" = True ]
    [ "$(json "$f" "j['messages']['failed'] >= 4")" = True ]
    assert_no_workers
}

# --- 2. a signal to the whole process group ----------------------------------

# group_signal SIG: runs -s 3 -m 30 against the sink (started by the test
# with -w 2, so that each DATA waits), in a process group of its own; once
# three messages are in flight, sends SIG to the whole group, as a terminal
# hang-up or `kill -- -PGID` does; waits until the sink has no connection
# left, for the next round.
group_signal() {
    rm -f "$SINK_DIR"/{pgid,r.json,out,err}
    setsid bash -c 'echo $$ >"$1/pgid"; exec "$2" -s 3 -m 30 --json="$1/r.json" "$3" >"$1/out" 2>"$1/err"' \
        _ "$SINK_DIR" "$SRC" "$SINK_ADDR" &
    BG=$!
    local i
    for i in $(seq 1 200); do
        [ -s "$SINK_DIR/pgid" ] && [ "$(established "$SINK_PORT")" -ge 3 ] && break
        sleep 0.05
    done
    [ "$(established "$SINK_PORT")" -ge 3 ]
    kill -"$1" -- -"$(cat "$SINK_DIR/pgid")"
    wait "$BG" || true
    for i in $(seq 1 200); do
        [ "$(established "$SINK_PORT")" -eq 0 ] && break
        sleep 0.05
    done
}

@test "SIGHUP to the process group: exit 129, in-flight messages not done, no worker called dead" {
    start_sink -w 2
    for round in 1 2 3 4 5; do
        group_signal HUP
        f=$SINK_DIR/r.json
        [ "$(json "$f" "j['status'], j['errors']['worker_died'], j['messages']['failed'], j['messages']['not_done']")" = "interrupted by SIGHUP 0 0 30" ]
        ! grep -q 'killed by signal' "$SINK_DIR/err"
        grep -q 'interrupted by SIGHUP' "$SINK_DIR/out"
    done
    assert_no_workers
}

@test "SIGTERM to the process group: exit 143, not a crash" {
    start_sink -w 2
    for round in $(seq 1 12); do
        group_signal TERM
        f=$SINK_DIR/r.json
        [ "$(json "$f" "j['status'], j['errors']['worker_died'], j['messages']['failed']")" = "interrupted by SIGTERM 0 0" ]
        ! grep -q 'killed by signal' "$SINK_DIR/err"
    done
    assert_no_workers
}

@test "the exit status of a group hang-up is 129 and of a group SIGTERM 143" {
    start_sink -w 2
    for sig in HUP:129 TERM:143; do
        setsid bash -c 'echo $$ >"$1/pgid"; exec "$2" -s 2 -m 10 "$3" >/dev/null 2>&1' \
            _ "$SINK_DIR" "$SRC" "$SINK_ADDR" &
        BG=$!
        for i in $(seq 1 200); do
            [ -s "$SINK_DIR/pgid" ] && [ "$(established "$SINK_PORT")" -ge 2 ] && break
            sleep 0.05
        done
        kill -"${sig%:*}" -- -"$(cat "$SINK_DIR/pgid")"
        rc=0; wait "$BG" || rc=$?
        [ "$rc" -eq "${sig#*:}" ]
        rm -f "$SINK_DIR/pgid"
        for i in $(seq 1 100); do [ "$(established "$SINK_PORT")" -eq 0 ] && break; sleep 0.05; done
    done
    assert_no_workers
}

# --- 3. a worker killed while it holds the slot lock --------------------------

@test "a worker killed holding the slot lock: the others go on, the run ends and reports" {
    start_sink
    run env SMTP_SOURCE_TEST_DIE_IN_LOCK=held:0:3 timeout -k 5 "$RUN_LIMIT" "$HOOKED" \
        -s 2 -m 20 --json="$SINK_DIR/r.json" "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"worker 0 (pid "*") killed by signal 9"* ]]
    [[ "$output" == *"died holding the slot lock; the lock was taken back"* ]]
    # It died between messages: nothing was lost, the other worker sent all.
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['messages']['failed']")" = "20 0" ]
    [ "$(dump_count)" -eq 20 ]
    assert_no_workers
}

@test "a worker killed between taking the semaphore and recording itself: the lock is recovered" {
    start_sink
    run env SMTP_SOURCE_TEST_DIE_IN_LOCK=window:1:2 timeout -k 5 "$RUN_LIMIT" "$HOOKED" \
        -s 2 -m 20 --json="$SINK_DIR/r.json" "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"worker 1 (pid "*") killed by signal 9"* ]]
    [[ "$output" == *"a worker died holding the slot lock; the lock was taken back"* ]]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['messages']['failed']")" = "20 0" ]
    [ "$(dump_count)" -eq 20 ]
    assert_no_workers
}

@test "the only worker killed holding the lock: the parent reports instead of hanging" {
    start_sink
    run env SMTP_SOURCE_TEST_DIE_IN_LOCK=held:0:2 timeout -k 5 "$RUN_LIMIT" "$HOOKED" \
        -m 20 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"20 requested, 1 sent, 0 failed, 19 not done"* ]]
    [ "$(dump_count)" -eq 1 ]
    assert_no_workers
}

# --- 4. counts at their limits ----------------------------------------------

@test "-r 2147483647 --pipelining: recipients really go out" {
    script 'RCPT gnth=1000 : reply 421 4.3.0 enough; close'
    run src --pipelining -A -r 2147483647 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1 requested, 0 sent, 1 failed"* ]]
    [ "$(records "$SINK_DIR/rec" "rs[0]['rcpt_sent'], rs[0]['phase'], rs[0]['code']")" = "1000 rcpt 421" ]
    [ "$(grep -c '^RCPT TO:<2147483647foo@' "$FAKE_LOG/conn.1.in")" -eq 1 ]
    [ "$(grep -c '^RCPT TO:' "$FAKE_LOG/conn.1.in")" -ge 1000 ]
}

# --- 5. bytes as write() took them --------------------------------------------

@test "bytes sent include a next transaction written behind a dot on a connection that then died" {
    script 'dot conn=1 nth=1 : reply 421 4.3.0 bye; close'
    f=$SINK_DIR/r.json
    run src --pipelining -d -A -m 3 --json="$f" --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    wait_events 'bytes-in' 2
    [ "$(json "$f" "j['bytes_sent']")" -eq "$(bytes_in)" ]
    [ "$(records "$SINK_DIR/rec" "sum(r['bytes'] for r in rs)")" -eq "$(bytes_in)" ]
}

@test "bytes sent include a command whose reply never came" {
    script 'MAIL conn=1 : close'
    f=$SINK_DIR/r.json
    run src -A -m 2 --json="$f" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    wait_events 'bytes-in' 2
    [ "$(json "$f" "j['messages']['sent'], j['errors']['lost_connection']")" = "1 1" ]
    [ "$(json "$f" "j['bytes_sent']")" -eq "$(bytes_in)" ]
}

# A write into a connection the server has closed fails with EPIPE, and
# would kill the worker with SIGPIPE were it not ignored: a lost
# connection, counted, not a crash. The server's FIN, then its RST once
# it exits with our content unread: EPIPE at the write after it.
@test "the server closes while the content is being written: lost connection, not a crash" {
    script 'DATA : reply 354 go ahead; shutdown-write; sleep 200; stop-reading; close'
    f=$SINK_DIR/r.json
    run src -A -m 2 -l 20000000 --json="$f" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" != *"killed by signal"* ]]
    [ "$(json "$f" "j['messages']['sent'], j['messages']['failed'], j['errors']['lost_connection'], j['errors']['worker_died']")" = "0 2 2 0" ]
    assert_no_workers
}

# --- 6. a record never contradicts itself --------------------------------------

@test "-A -r 3 with one recipient refused: sent, the refusal in fields of its own" {
    script 'RCPT nth=2 : reply 550 5.1.1 no such user'
    run src -A -r 3 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], rs[0]['rcpt_rejected'], rs[0]['rcpt_rejected_codes'], rs[0]['rcpt_delivered']")" = "sent 1 [550] 2" ]
    [ "$(records "$SINK_DIR/rec" "[k for k in ('reason', 'phase', 'code', 'error') if k in rs[0]]")" = "[]" ]
}

@test "-A with every recipient refused: failed, rejected at rcpt with the code" {
    script 'RCPT : reply 550 5.1.1 no such user'
    run src -A -r 2 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], rs[0]['reason'], rs[0]['phase'], rs[0]['code'], rs[0]['rcpt_rejected_codes']")" = "failed rejected rcpt 550 [550, 550]" ]
}

@test "a rejected greeting under -A that still delivers: sent, no failure fields" {
    script 'banner : reply 554 5.3.2 not now'
    run src -A --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], 'reason' in rs[0]")" = "sent False" ]
}

# --- 7. --timeout is a deadline for each step ------------------------------------

@test "--timeout bounds the whole write of a message to a server that stopped reading" {
    script 'rcvbuf 4096' 'DATA : reply 354 go ahead; stop-reading'
    t=2
    t0=$(mono)
    run src --timeout="$t" -T 4096 -l 10000000 "$FAKE_ADDR"
    t1=$(mono)
    [ "$status" -eq 1 ]
    [[ "$output" == *"fatal: timeout while sending message"* ]]
    # The step may last --timeout and a little (room for a loaded machine).
    python3 -c "import sys; e=float(sys.argv[2])-float(sys.argv[1]); print(e); sys.exit(0 if e < 2.5*$t else 1)" "$t0" "$t1"
}

@test "--timeout bounds a reply that trickles in a byte at a time, never ending" {
    # A line every 700 ms for 11 s: a timeout that each byte re-armed
    # would end after 13 s; the step's deadline ends it after 2 s and a
    # little (the bound leaves room for a loaded machine and ASan).
    local lines=() i
    for i in $(seq 16); do lines+=("raw 220-$i\\r\\n; sleep 700"); done
    script "banner : $(IFS=';'; echo "${lines[*]}"); stall"
    t=2
    t0=$(mono)
    run src --timeout="$t" "$FAKE_ADDR"
    t1=$(mono)
    [ "$status" -eq 1 ]
    [[ "$output" == *"fatal: timeout while reading server greeting"* ]]
    python3 -c "import sys; e=float(sys.argv[2])-float(sys.argv[1]); print(e); sys.exit(0 if e < 3*$t else 1)" "$t0" "$t1"
}

# --- what the reference's options promise, seen from outside ------------------------

@test "-w 1: each session waits a second between its messages (not after the last)" {
    start_sink
    run src -w 1 -d -m 3 --json="$SINK_DIR/r.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 3 ]
    # Two pauses of 1 s: the run cannot be shorter (a bound from -w, from below).
    [ "$(json "$SINK_DIR/r.json" "j['elapsed_s'] >= 2.0")" = True ]
}

@test "-R 1: random pauses of 0 or 1 s, as rand() seeded by the tests' build says" {
    start_sink
    # glibc's rand() after srand(7) gives odd numbers first: two pauses of 1 s.
    run env SMTP_SOURCE_TEST_SEED=7 timeout -k 5 "$RUN_LIMIT" "$HOOKED" -R 1 -d -m 3 \
        --json="$SINK_DIR/r.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 3 ]
    [ "$(json "$SINK_DIR/r.json" "j['elapsed_s'] >= 2.0")" = True ]
}

# in_hosts COMMAND...: runs COMMAND where /etc/hosts names dual.test with
# both 127.0.0.1 and ::1: a private mount namespace, so that the machine's
# own /etc/hosts is never touched.
in_hosts() {
    printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$SINK_DIR/hosts"
    unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$SINK_DIR/hosts" "$@"
}

@test "-4 and -6 choose the family of a name that has both an IPv4 and an IPv6 address" {
    [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || skip "needs root and unshare for a private /etc/hosts"
    python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null || skip "no IPv6 loopback"
    in_hosts getent ahosts dual.test | grep -q '^::1 ' || skip "cannot make a private /etc/hosts here"
    # Two sinks on the same port number, one per family.
    start_sink
    v4_dump=$SINK_DUMP
    "$SINK" $(sink_user_args) -D "$SINK_DIR/dump6" "[::1]:$SINK_PORT" 64 >/dev/null 2>&1 &
    SINK6_PID=$!
    for i in $(seq 1 100); do
        [ -n "$(awk -v p=":$(printf '%04X' "$SINK_PORT")" '$2 ~ p"$" && $4 == "0A"' /proc/net/tcp6)" ] && break
        kill -0 "$SINK6_PID" 2>/dev/null || skip "port $SINK_PORT is taken on ::1"
        sleep 0.05
    done
    run in_hosts timeout 20 "$SRC" --quiet -4 -m 2 "dual.test:$SINK_PORT"
    [ "$status" -eq 0 ]
    run in_hosts timeout 20 "$SRC" --quiet -6 -m 3 "dual.test:$SINK_PORT"
    [ "$status" -eq 0 ]
    kill "$SINK6_PID"; wait "$SINK6_PID" || true
    [ "$(dump_count "$v4_dump")" -eq 2 ]
    [ "$(dump_count "$SINK_DIR/dump6")" -eq 3 ]
    grep -q '^X-Client-Addr: ipv6:::1$' "$SINK_DIR/dump6"
    grep -q '^X-Client-Addr: 127.0.0.1$' "$v4_dump"
}

@test "-A and 421 on a connection the server keeps open: the client closes it, without QUIT" {
    script 'MAIL conn=1 : reply 421 4.3.0 go away'
    run src -A -m 2 --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['messages']['failed'], j['connections']")" = "1 1 2" ]
    # The first connection saw HELO and MAIL, then the client hung up.
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.1.in" | cut -d' ' -f1 | tr '\n' ' ')" = "HELO MAIL " ]
    grep -qE '^1 (peer-reset|eof)$' "$FAKE_LOG/events"
}

@test "-A and 521 likewise" {
    script 'HELO conn=1 : reply 521 5.3.2 not accepting mail'
    run src -A -m 2 --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['connections']")" = "1 2" ]
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.1.in" | cut -d' ' -f1 | tr '\n' ' ')" = "HELO " ]
}

@test "-A: a rejected DATA is followed by RSET, and the session goes on" {
    script 'DATA nth=1 : reply 554 5.5.1 no data today'
    run src -A -d -m 2 --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.1.in" | grep -E '^[A-Z]{4}' | cut -d' ' -f1 | tr '\n' ' ')" = "HELO MAIL RCPT DATA RSET MAIL RCPT DATA QUIT " ]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['messages']['failed']")" = "1 1" ]
}

@test "a rejected greeting: fatal and nothing sent; with -A a warning, and HELO follows (421 too)" {
    script 'banner : reply 554 5.3.2 no service here'
    run --separate-stderr src "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$SRC: fatal: rejected at server banner: 554 5.3.2 no service here" ]
    [ ! -s "$FAKE_LOG/conn.1.in" ]
    stop_fake
    script 'banner : reply 421 4.3.2 busy'
    run --separate-stderr src -A "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$stderr" = "$SRC: warning: rejected at server banner: 421 4.3.2 busy" ]
    [ "$(head -1 "$FAKE_LOG/conn.1.in" | tr -d '\r' | cut -d' ' -f1)" = HELO ]
}

# --- numbers the report gives, against what really went out ----------------------

@test "bytes sent equal the bytes the server received, for plain, -d, pipelined and LMTP runs" {
    start_sink
    start_recorder "$SINK_ADDR"
    for args in "-m 3 -r 2" "-d -s 2 -m 6 -l 5000" "--pipelining -d -m 5 -r 3" "--pipelining -m 4 -F /etc/services"; do
        rm -f "$SINK_DIR/r.json"
        # shellcheck disable=SC2086
        run src $args --json="$SINK_DIR/r.json" "$REC_ADDR"
        [ "$status" -eq 0 ]
        rec_settle
        sent=0
        for n in "${REC_NEW[@]}"; do sent=$((sent + $(wc -c <"$REC_DIR/$n.c2s"))); done
        [ "$(json "$SINK_DIR/r.json" "j['bytes_sent']")" -eq "$sent" ] || { echo "$args: report $(json "$SINK_DIR/r.json" "j['bytes_sent']"), wire $sent"; return 1; }
    done
}

@test "a refused HELO: fatal, and nothing more is sent" {
    script 'HELO : reply 554 5.7.1 go away'
    run --separate-stderr src "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$SRC: fatal: HELO rejected: 554 5.7.1 go away" ]
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.1.in" | cut -d' ' -f1 | tr '\n' ' ')" = "HELO " ]
}

@test "-A with a refused RSET: the warning names it with the reply" {
    script 'RCPT : reply 550 5.1.1 nobody' 'RSET : reply 554 5.5.1 no reset for you'
    run --separate-stderr src -A "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    grep -qx "$SRC: warning: rset rejected: 554 5.5.1 no reset for you" <<<"$stderr"
}

# A connection whose EHLO and HELO are both refused runs (-A) with what it
# was offered: nothing, whatever the connection before it offered.
@test "-A: a connection whose EHLO and HELO are refused does not pipeline, though the one before did" {
    script 'EHLO conn=1 : reply 250-fakeserver\r\n250 PIPELINING' 'EHLO conn=2- : reply 550 5.7.1 no' \
        'HELO conn=2- : reply 550 5.7.1 not you either'
    run --separate-stderr src -A -v --pipelining -m 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    second=$(awk '/EHLO /{n++} n == 2' <<<"$stderr")
    grep -q ': <<< 550 5.7.1 not you either' <<<"$second"
    mail=$(grep -n ': MAIL FROM:' <<<"$second" | cut -d: -f1)
    reply=$(grep -n ': <<< 250 2.1.0' <<<"$second" | cut -d: -f1)
    rcpt=$(grep -n ': RCPT TO:' <<<"$second" | cut -d: -f1)
    [ "$mail" -lt "$reply" ] && [ "$reply" -lt "$rcpt" ]
}

@test "what a server offers is forgotten with its connection: no PIPELINING on one that does not offer it" {
    script 'EHLO conn=1 : reply 250-fakeserver\r\n250 PIPELINING' 'EHLO conn=2- : reply 250-fakeserver\r\n250 8BITMIME'
    run --separate-stderr src -v --pipelining -m 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    # The second connection: MAIL's reply comes before RCPT goes out.
    second=$(awk '/EHLO /{n++} n == 2' <<<"$stderr")
    mail=$(grep -n ': MAIL FROM:' <<<"$second" | cut -d: -f1)
    reply=$(grep -n ': <<< 250 2.1.0' <<<"$second" | cut -d: -f1)
    rcpt=$(grep -n ': RCPT TO:' <<<"$second" | cut -d: -f1)
    [ "$mail" -lt "$reply" ] && [ "$reply" -lt "$rcpt" ]
    # ... while the first was pipelined: RCPT went out before MAIL's reply.
    first=$(awk '/EHLO /{n++} n == 1' <<<"$stderr")
    [ "$(grep -n ': RCPT TO:' <<<"$first" | cut -d: -f1)" -lt "$(grep -n ': <<< 250 2.1.0' <<<"$first" | cut -d: -f1)" ]
}
