#!/usr/bin/env bats
# Rejections and broken connections, produced with smtp-sink's own fault
# options: the reference's error texts, exit status 1 without -A, counted
# warnings with -A; the report is printed either way; no worker left.
load helpers

teardown() { common_teardown; }

@test "a rejected sender: fatal, the report still printed" {
    start_sink -f MAIL
    run src -m 5 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$SRC: fatal: sender rejected: 500 5.3.0 Error: command failed"* ]]
    [[ "$output" == *"smtp-source: stopped by a fatal error in "* ]]
    [[ "$output" == *"5 requested, 0 sent, 1 failed, 4 not done"* ]]
    assert_no_workers
}

@test "each rejection names its step" {
    for f in "HELO:HELO rejected" "RCPT:recipient rejected" "DATA:data rejected" ".:end of data rejected"; do
        start_sink -f "${f%%:*}"
        run src --quiet "$SINK_ADDR"
        [ "$status" -eq 1 ]
        [ "$output" = "$SRC: fatal: ${f#*:}: 500 5.3.0 Error: command failed" ]
        stop_sink
    done
    start_sink -L -f LHLO
    run src --quiet -L "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: LHLO rejected: 500 5.3.0 Error: command failed" ]
}

@test "soft rejections (4xx) are fatal too" {
    start_sink -r RCPT
    run src --quiet "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: recipient rejected: 450 4.3.0 Error: command failed" ]
}

@test "a rejected banner" {
    start_sink -f CONNECT
    run src --quiet "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == "$SRC: fatal: rejected at server banner: 5"* ]]
}

@test "with -A every rejection is a warning and every message is tried" {
    start_sink -f RCPT
    run src -A -m 5 -s 2 -r 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c "^$SRC: warning: recipient rejected: 500 5.3.0 Error: command failed$" <<<"$output")" -eq 10 ]
    [[ "$output" == *"5 requested, 0 sent, 5 failed"* ]]
    [[ "$output" == *"recipients  10 sent, 0 accepted, 10 rejected"* ]]
    [[ "$output" == *"failures    5 rejected"* ]]
    [ "$(dump_count)" -eq 0 ]
    assert_no_workers
}

@test "with -A -d a rejected sender is followed by RSET on the same connection" {
    start_sink -f MAIL
    run src -A -d -m 3 -v --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c "^$SRC: RSET$" <<<"$output")" -eq 3 ]
    [ "$(grep -c "^$SRC: HELO " <<<"$output")" -eq 1 ]
}

@test "with -A, a 421 closes the connection and the next message reconnects" {
    start_sink -Q RCPT
    run src -A -m 3 -d "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c "warning: recipient rejected: 421 " <<<"$output")" -eq 3 ]
    [[ "$output" == *"sessions    1, 3 connections"* ]]
}

@test "a disconnect without a reply names the phase" {
    for q in "HELO:sending HELO" "MAIL:sending sender" "RCPT:sending recipient" "DATA:sending DATA command" ".:sending message"; do
        start_sink -q "${q%%:*}"
        run src --quiet "$SINK_ADDR"
        [ "$status" -eq 1 ]
        [ "$output" = "$SRC: fatal: lost connection while ${q#*:}" ]
        stop_sink
    done
}

@test "a disconnect instead of the QUIT reply is not an error: the message was delivered" {
    start_sink -q QUIT
    run src -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"2 requested, 2 sent, 0 failed"* ]]
    [ "$(dump_count)" -eq 2 ]
}

@test "a server that aborts after DATA: the error names the phase" {
    start_sink -A 0
    run src --quiet -l 100000 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == "$SRC: fatal: "*"sending message"* || "$output" == "$SRC: fatal: end of data rejected: 550"* ]]
}

@test "one fatal line however many workers hit the error" {
    start_sink -f RCPT
    run src -s 5 -m 1000 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$(grep -c 'fatal:' <<<"$output")" -eq 1 ]
    [ "$(grep -c 'warning:' <<<"$output")" -eq 0 ]
    assert_no_workers
}

