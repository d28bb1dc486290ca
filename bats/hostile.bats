#!/usr/bin/env bats
# A server that misbehaves on purpose (tests/fakeserver.c): every fault
# ends in one clear line naming the phase and exit status 1, or is counted
# under -A; never a crash, a hang, unbounded memory or a worker left behind.
load helpers

teardown() { common_teardown; }

@test "garbage instead of a reply code: rejected at server banner" {
    start_fake garbage-banner
    run src --quiet "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: rejected at server banner: 0 hello there" ]
    assert_no_workers
}

@test "a 1 MB reply line is refused as malformed, in bounded memory" {
    start_fake long-line
    run src --quiet "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: malformed reply while reading server greeting: line longer than 20480 bytes" ]
    assert_no_workers
}

@test "an endless line ends with an error, not a hang" {
    start_fake endless-line
    run src --quiet --timeout=5 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"fatal: malformed reply while reading server greeting: line longer than 20480 bytes" ]]
    assert_no_workers
}

@test "an endless multi-line reply ends with an error" {
    start_fake endless-multiline
    run src --quiet --timeout=5 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: malformed reply while reading server greeting: more than 1000 lines" ]
    assert_no_workers
}

@test "NUL and 8-bit bytes in a reply are shown as ?, in text and JSON" {
    command -v python3 >/dev/null || skip "python3 needed"
    start_fake nul-bytes
    run src --quiet --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: rejected at server banner: 554 bad?byte??\"q\\" ]
    run python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$SINK_DIR/r.json"
    [ "$output" = 'rejected at server banner: 554 bad?byte??"q\' ]
}

@test "bare LF line ends are understood" {
    start_fake bare-lf
    run src -m 3 -r 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 requested, 3 sent, 0 failed"* ]]
}

@test "replies split into one-byte writes are understood" {
    start_fake tiny-writes
    run src -m 3 -r 2 --ehlo "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 requested, 3 sent, 0 failed"* ]]
}

@test "a close right after accept: lost connection while reading server greeting" {
    start_fake close-after-accept
    run src --quiet "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: lost connection while reading server greeting" ]
}

@test "a close in the middle of a reply: lost connection" {
    start_fake close-mid-reply
    run src --quiet "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: lost connection while reading server greeting" ]
}

@test "a server that accepts and never greets times out" {
    start_fake stall-banner
    run src --quiet --timeout=1 -s 2 -m 2 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    # (A TLS build adds why a port may stay silent: see firsttouch.bats.)
    [[ "$output" == *"$SRC: fatal: timeout while reading server greeting"* ]]
    assert_no_workers
}

@test "a server that stalls mid-reply times out" {
    start_fake stall-mid-reply
    run src --quiet --timeout=1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    # A greeting begun is no sign of TLS first: no --smtps hint, in any build.
    [ "$output" = "$SRC: fatal: timeout while reading server greeting" ]
}

@test "a server that stops reading mid-DATA times out on the write" {
    start_fake stall-data
    run src --quiet --timeout=1 -T 4096 -l 10000000 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: timeout while sending message" ]
    assert_no_workers
}

@test "a reset in the middle of DATA: lost connection while sending message" {
    start_fake rst-mid-data
    run src --quiet -l 10000000 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: lost connection while sending message" ]
}

@test "with -A, timeouts and lost connections are counted and the run goes on" {
    start_fake stall-banner
    run src -A --timeout=1 -s 2 -m 3 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: timeout while reading server greeting' <<<"$output")" -eq 3 ]
    [[ "$output" == *"3 requested, 0 sent, 3 failed"* ]]
    [[ "$output" == *"failures    3 timeout"* ]]
    assert_no_workers
}

@test "a DATA answered without 354 is data rejected" {
    start_fake data-250
    run src --quiet "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: data rejected: 250 2.0.0 no data for you" ]
}

@test "pipelined: a rejected MAIL; the RCPT and DATA replies after it are read and counted" {
    start_fake reject-mail
    run src --pipelining -A -m 2 -r 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: sender rejected: 550 5.1.0 sender "bad"' <<<"$output")" -eq 2 ]
    [ "$(grep -c 'warning: recipient rejected: 503 5.5.1 need MAIL' <<<"$output")" -eq 4 ]
    [ "$(grep -c 'warning: data rejected: 503 5.5.1 no valid recipients' <<<"$output")" -eq 2 ]
    [[ "$output" == *"2 requested, 0 sent, 2 failed"* ]]
    [[ "$output" == *"recipients  4 sent, 0 accepted, 4 rejected"* ]]
    # Per message: greeting, EHLO, RSET, QUIT 2xx; MAIL 5xx, 2 RCPT 5xx, DATA 5xx.
    [[ "$output" == *"replies     8 2xx, 0 3xx, 0 4xx, 8 5xx"* ]]
}

@test "pipelined: a rejected MAIL without -A is the plain client's fatal error" {
    start_fake reject-mail
    run src --quiet --pipelining -m 2 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: sender rejected: 550 5.1.0 sender \"bad\"" ]
}

@test "pipelined: a 354 after a rejected MAIL is ended with a lone dot" {
    start_fake reject-mail-354
    run src --pipelining -A -v -m 1 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$SRC: <<< 354 go ahead
$SRC: .
$SRC: <<< 554 5.5.1 no valid recipients"* ]]
    [[ "$output" == *"1 requested, 0 sent, 1 failed"* ]]
}

@test "a 421 to RCPT under -A: the message fails, the next one reconnects" {
    start_fake reject-rcpt-421
    run src -A -m 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: recipient rejected: 421 4.3.0 bye' <<<"$output")" -eq 2 ]
    [[ "$output" == *"sessions    1, 2 connections"* ]]
}

@test "LMTP with -A reads one end-of-data reply per accepted recipient (no hang)" {
    start_fake lmtp-partial
    run src -L -A -d -r 3 -m 2 --timeout=10 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'warning: recipient rejected: 550 5.1.1 no such user' <<<"$output")" -eq 2 ]
    [[ "$output" == *"2 requested, 2 sent, 0 failed"* ]]
    [[ "$output" == *"recipients  6 sent, 4 accepted, 2 rejected"* ]]
    [ "$(grep -c 'timeout' <<<"$output")" -eq 0 ]
}

@test "-C against a listener whose backlog is full: timed-out attempts, then fatal" {
    start_fake full-backlog
    port=${FAKE_ADDR##*:}
    # Fill the queue of one: a connection that completes but is never accepted.
    exec 7<>"/dev/tcp/127.0.0.1/$port"
    run src --quiet --timeout=1 -C 2 "$FAKE_ADDR"
    exec 7>&-
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: warning: connect to $FAKE_ADDR: Connection timed out
$SRC: fatal: connect to $FAKE_ADDR: Connection timed out" ]
    assert_no_workers
}

@test "pipelined: a DATA answered without 354 is data rejected, then RSET" {
    start_fake data-250
    run src --pipelining -A -v --quiet -m 1 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$SRC: DATA
$SRC: <<< 250 2.1.0 Ok
$SRC: <<< 250 2.1.5 Ok
$SRC: <<< 250 2.0.0 no data for you
$SRC: warning: data rejected: 250 2.0.0 no data for you
$SRC: RSET"* ]]
    run src --pipelining --quiet -m 1 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: data rejected: 250 2.0.0 no data for you" ]
}
