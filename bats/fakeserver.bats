#!/usr/bin/env bats
# The scripted fake server itself (tests/fakeserver.c): its rules select
# the right event, its logs hold the exact bytes, and it never leaves a
# process behind. The other suites rely on all of this.
load helpers

teardown() { common_teardown; }

# The processes whose parent is $1.
children_of() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(awk '{ print $4 }' "$p/stat" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
    done
    return 0
}

# Waits (at most 10 s) until the events log has $1 lines matching $2.
wait_events() {
    local i
    for i in $(seq 1 200); do
        [ "$(grep -c -E "$2" "$FAKE_LOG/events" 2>/dev/null)" -ge "$1" ] && return 0
        sleep 0.05
    done
    echo "events log: fewer than $1 lines matching $2:" >&2
    cat "$FAKE_LOG/events" >&2
    return 1
}

MAIL2=$'MAIL FROM:<a>\r\nMAIL FROM:<b>\r\nQUIT\r\n'

@test "a rule applies to the connection and occurrence it names" {
    start_fake_script - <<'EOF'
# the second MAIL of the second connection
MAIL conn=2 nth=2 : reply 451 4.3.0 second of the second
MAIL match="from:<c>" : reply 553 5.1.3 no c
EOF
    run fake_session "$MAIL2"
    [ "$output" = $'220 fakeserver ESMTP\r\n250 2.1.0 Ok\r\n250 2.1.0 Ok\r\n221 2.0.0 Bye\r' ]
    run fake_session "$MAIL2"
    [ "$output" = $'220 fakeserver ESMTP\r\n250 2.1.0 Ok\r\n451 4.3.0 second of the second\r\n221 2.0.0 Bye\r' ]
    run fake_session $'MAIL FROM:<b>\r\nmail from:<C>\r\nQUIT\r\n'
    [ "$output" = $'220 fakeserver ESMTP\r\n250 2.1.0 Ok\r\n553 5.1.3 no c\r\n221 2.0.0 Bye\r' ]
}

@test "gnth counts over all connections, also concurrent ones" {
    start_fake_script - <<'EOF'
RCPT gnth=3 : reply 452 4.5.3 third recipient of the server
EOF
    msg=$'MAIL FROM:<a>\r\nRCPT TO:<b>\r\nRCPT TO:<c>\r\nQUIT\r\n'
    run fake_session "$msg"
    [ "$output" = $'220 fakeserver ESMTP\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n221 2.0.0 Bye\r' ]
    run fake_session "$msg"
    [ "$output" = $'220 fakeserver ESMTP\r\n250 2.1.0 Ok\r\n452 4.5.3 third recipient of the server\r\n250 2.1.5 Ok\r\n221 2.0.0 Bye\r' ]
    stop_fake
    start_fake_script - <<'EOF'
MAIL gnth=5 : reply 550 5.7.1 the fifth sender
EOF
    run src -A -s 4 -m 12 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: sender rejected: 550 5.7.1 the fifth sender' <<<"$output")" -eq 1 ]
    [[ "$output" == *"12 requested, 11 sent, 1 failed"* ]]
}

@test "repeat: an EHLO reply of 600 lines with PIPELINING on the last" {
    start_fake_script - <<'EOF'
EHLO : raw 250-fakeserver\r\n; repeat 598 250-X-FILLER-KEYWORD-WITH-SOME-LENGTH\r\n; raw 250 PIPELINING\r\n
EOF
    run fake_session $'EHLO x\r\nQUIT\r\n'
    [ "$(grep -c -- '-X-FILLER-KEYWORD-WITH-SOME-LENGTH' <<<"$output")" -eq 598 ]
    [ "$(sed -n 2p <<<"$output")" = $'250-fakeserver\r' ]
    [ "$(tail -n 2 <<<"$output")" = $'250 PIPELINING\r\n221 2.0.0 Bye\r' ]
    [ "$(wc -l <"$FAKE_LOG/conn.1.out")" -eq 602 ]
    run src --ehlo --pipelining -m 2 -d "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"2 requested, 2 sent, 0 failed"* ]]
}

@test "repeat forever: an endless reply ends when the client goes" {
    start_fake_script - <<'EOF'
banner : repeat forever 220-x\r\n
EOF
    host=${FAKE_ADDR%:*}
    run timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && head -c 1000000 <&3 | wc -c' _ "$host" "${FAKE_ADDR##*:}"
    [ "$output" = 1000000 ]
    wait_events 1 '^1 bytes-in 0$'
    grep -qx '1 write-error' "$FAKE_LOG/events"
}

@test "the logs hold the exact bytes each way, and one line per event" {
    start_fake_script - <<'EOF'
RCPT nth=2 : reply 550 5.1.1 no\x20such user
EOF
    in=$'EHLO me\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nRCPT TO:<c>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nNOOP\r\nQUIT\r\n'
    run fake_session "$in"
    printf '%s' "$in" | cmp - "$FAKE_LOG/conn.1.in"
    printf '%s\n' "$output" | cmp - "$FAKE_LOG/conn.1.out"
    [ "$(cat "$FAKE_LOG/conn.1.out")" = $'220 fakeserver ESMTP\r\n250-fakeserver\r\n250-PIPELINING\r\n250 8BITMIME\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n250 2.0.0 queued\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r' ]
    wait_events 1 '^1 bytes-in'
    [ "$(cat "$FAKE_LOG/events")" = "1 accept
1 banner nth=1
1 EHLO nth=1
1 MAIL nth=1
1 RCPT nth=1
1 RCPT nth=2
1 DATA nth=1
1 dot nth=1
1 NOOP nth=1
1 QUIT nth=1
1 close
1 bytes-in ${#in}" ] || { cat "$FAKE_LOG/events"; false; }
}

@test "a stall holds the connection until the client gives up; killed, it still logs its byte count" {
    start_fake_script - <<'EOF'
MAIL : stall
EOF
    run src --quiet --timeout=1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: timeout while sending sender" ]
    [ "$(tail -n 1 "$FAKE_LOG/events")" = "1 MAIL nth=1" ]
    kill "$FAKE_PID"
    wait "$FAKE_PID" || true
    FAKE_PID=
    [ "$(tail -n 1 "$FAKE_LOG/events")" = "1 bytes-in $(wc -c <"$FAKE_LOG/conn.1.in")" ]
    grep -q '^MAIL FROM:' "$FAKE_LOG/conn.1.in"
}

@test "killed, the server takes every child with it; ended ones are reaped" {
    start_fake_script - <<'EOF'
banner conn=3- : stall
EOF
    run fake_session $'QUIT\r\n'
    run fake_session $'QUIT\r\n'
    host=${FAKE_ADDR%:*}
    exec 5<>"/dev/tcp/$host/${FAKE_ADDR##*:}" 6<>"/dev/tcp/$host/${FAKE_ADDR##*:}"
    wait_events 2 '^[34] banner'
    wait_events 2 '^[12] bytes-in'
    # The two ended connections' processes are gone, not zombies.
    for i in $(seq 1 200); do
        [ "$(children_of "$FAKE_PID" | wc -l)" -eq 2 ] && break
        sleep 0.05
    done
    kids=$(children_of "$FAKE_PID")
    [ "$(wc -l <<<"$kids")" -eq 2 ]
    kill "$FAKE_PID"
    wait "$FAKE_PID" || true
    exec 5>&- 6>&-
    for k in $kids; do
        if kill -0 "$k" 2>/dev/null; then echo "child $k left" >&2; false; fi
    done
    [ -z "$(children_of "$FAKE_PID")" ]
    grep -qx '3 bytes-in 0' "$FAKE_LOG/events"
    grep -qx '4 bytes-in 0' "$FAKE_LOG/events"
    FAKE_PID=
}

@test "the first end of data gets 421 and a close; later connections a 421 greeting" {
    start_fake_script - <<'EOF'
dot conn=1 nth=1 : reply 421 4.3.0 shutting down; close
banner conn=2- : reply 421 4.3.2 busy; close
EOF
    run src -A -m 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$SRC: warning: end of data rejected: 421 4.3.0 shutting down"* ]]
    [[ "$output" == *"$SRC: warning: rejected at server banner: 421 4.3.2 busy"* ]]
    [[ "$output" == *"2 requested, 0 sent, 2 failed"* ]]
    grep -qx '1 close' "$FAKE_LOG/events"
    grep -qx '2 close' "$FAKE_LOG/events"
}

@test "a 421 without a close leaves the connection open" {
    start_fake_script - <<'EOF'
MAIL : reply 421 4.3.0 go away
EOF
    run fake_session $'MAIL FROM:<a>\r\nNOOP\r\nQUIT\r\n'
    [ "$output" = $'220 fakeserver ESMTP\r\n421 4.3.0 go away\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r' ]
}

@test "LMTP: one end-of-data reply per accepted recipient, each its own event" {
    start_fake_script - <<'EOF'
lmtp
rcpt-dot nth=1 : reply 250 2.0.0 ok
rcpt-dot nth=2 : close
EOF
    run fake_session $'LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nRCPT TO:<c>\r\nDATA\r\nhi\r\n.\r\n'
    [ "$output" = $'220 fakeserver ESMTP\r\n250-fakeserver\r\n250-PIPELINING\r\n250 8BITMIME\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n250 2.0.0 ok\r' ]
    wait_events 1 '^1 bytes-in'
    [ "$(grep -E 'dot|close' "$FAKE_LOG/events")" = "1 dot nth=1
1 rcpt-dot nth=1
1 rcpt-dot nth=2
1 close" ]
}

@test "data-skip, swallow-data, BDAT and an AUTH exchange" {
    start_fake_script - <<'EOF'
ehlo CHUNKING AUTH\x20PLAIN
DATA nth=1 : reply 250 2.0.0 no content; data-skip
DATA nth=2 : reply 354 send it; swallow-data
AUTH : reply 334\x20
line match=secret : reply 235 2.7.0 welcome
EOF
    run fake_session $'EHLO x\r\nAUTH PLAIN\r\nsecret\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nDATA\r\nbody\r\n.\r\nBDAT 5\r\nab\r\nxBDAT 2 LAST\r\nyzQUIT\r\n'
    [ "$output" = $'220 fakeserver ESMTP\r\n250-fakeserver\r\n250-CHUNKING\r\n250 AUTH PLAIN\r\n334 \r\n235 2.7.0 welcome\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 no content\r\n354 send it\r\n250 2.0.0 5 octets received\r\n554 5.5.1 no valid recipients\r\n221 2.0.0 Bye\r' ]
}

@test "stall-window holds the replies due in it" {
    t0=$(date +%s%N)
    start_fake_script - <<'EOF'
stall-window 0 1500
EOF
    run fake_session $'QUIT\r\n'
    t1=$(date +%s%N)
    [ "$output" = $'220 fakeserver ESMTP\r\n221 2.0.0 Bye\r' ]
    [ $(((t1 - t0) / 1000000)) -ge 1500 ]
}

@test "IPv6 and unix sockets" {
    start_fake_script -u - <<'EOF'
MAIL : reply 250 2.1.0 unix
EOF
    [ "$FAKE_ADDR" = "unix:$SINK_DIR/fake.sock" ]
    run src -m 2 -v "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '<<< 250 2.1.0 unix' <<<"$output")" -eq 2 ]
    stop_fake
    [ ! -e "$SINK_DIR/fake.sock" ]
    [ -e /proc/net/if_inet6 ] || skip "no IPv6"
    start_fake_script -6 - <<'EOF'
MAIL : reply 250 2.1.0 six
EOF
    [[ "$FAKE_ADDR" == "[::1]:"* ]]
    run src -m 1 -v "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"<<< 250 2.1.0 six"* ]]
}

@test "a script error names the line, and the server does not start" {
    ensure_sink_dir
    printf 'lmtp\nMAIL : reply 250 ok; explode\n' >"$SINK_DIR/bad"
    run "$FAKE" script "$SINK_DIR/bad" "$SINK_DIR/port"
    [ "$status" -eq 2 ]
    [ "$output" = "$SINK_DIR/bad:2: unknown action: explode" ]
    [ ! -e "$SINK_DIR/port" ]
}
