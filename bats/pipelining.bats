#!/usr/bin/env bats
# --ehlo and --pipelining (RFC 2920) against the real smtp-sink, which
# offers PIPELINING unless told -p.
load helpers

teardown() { common_teardown; }

# The dump without what EHLO changes on smtp-sink's side: the protocol
# name in X-Client-Proto and Received.
esmtp_neutral() { normalize_dump "$@" | sed -E 's/^X-Client-Proto: E?SMTP$/X-Client-Proto: PROTO/; s/with E?SMTP id/with PROTO id/'; }

@test "--pipelining puts the same transactions on the wire as the plain client" {
    start_sink
    run src --quiet -M vm -d -s 1 -m 3 -r 4 -N "$SINK_ADDR"
    [ "$status" -eq 0 ]
    esmtp_neutral >"$SINK_DIR/plain"
    : >"$SINK_DUMP"
    run src --quiet --pipelining -M vm -d -s 1 -m 3 -r 4 -N "$SINK_ADDR"
    [ "$status" -eq 0 ]
    grep -q '^X-Client-Proto: ESMTP$' "$SINK_DUMP"
    esmtp_neutral >"$SINK_DIR/piped"
    [ "$(dump_count)" -eq 3 ]
    diff -u "$SINK_DIR/plain" "$SINK_DIR/piped"
}

@test "--pipelining sends MAIL, every RCPT and DATA before reading a reply" {
    start_sink
    run src --quiet --pipelining -M vm -r 2 -m 1 -v "$SINK_ADDR"
    [ "$status" -eq 0 ]
    p="$SRC:"
    expected="$p MAIL FROM:<foo@vm>
$p RCPT TO:<2foo@vm>
$p RCPT TO:<foo@vm>
$p DATA
$p <<< 250 2.1.0 Ok
$p <<< 250 2.1.5 Ok
$p <<< 250 2.1.5 Ok
$p <<< 354 End data with <CR><LF>.<CR><LF>
$p .
$p QUIT
$p <<< 250 2.0.0 Ok
$p <<< 221 Bye"
    # QUIT goes out behind the last dot, in the same write.
    [[ "$output" == *"$p EHLO vm"*"$expected" ]]
}

@test "without PIPELINING offered, --pipelining waits for each reply" {
    start_sink -p
    run src --quiet --pipelining -M vm -r 2 -m 1 -v "$SINK_ADDR"
    [ "$status" -eq 0 ]
    p="$SRC:"
    [[ "$output" == *"$p MAIL FROM:<foo@vm>
$p <<< 250 2.1.0 Ok
$p RCPT TO:<2foo@vm>
$p <<< 250 2.1.5 Ok
$p RCPT TO:<foo@vm>
$p <<< 250 2.1.5 Ok
$p DATA
$p <<< 354"* ]]
    [ "$(dump_count)" -eq 1 ]
}

@test "--ehlo greets with EHLO; the transactions stay the same" {
    start_sink
    run src --quiet --ehlo -M vm -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^X-Client-Proto: ESMTP$' "$SINK_DUMP")" -eq 2 ]
    grep -q '^X-Helo-Args: vm$' "$SINK_DUMP"
}

@test "a refused EHLO falls back to HELO" {
    start_sink -f EHLO
    run src --quiet --ehlo -M vm -m 1 -v "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$SRC: EHLO vm"*"$SRC: <<< 5"*"$SRC: HELO vm"*"$SRC: <<< 250 "* ]]
    [ "$(grep -c '^X-Client-Proto: SMTP$' "$SINK_DUMP")" -eq 1 ]
}

@test "--pipelining with 1000 recipients and a 4096-byte window does not deadlock" {
    start_sink
    run src --quiet --pipelining --timeout=20 -T 4096 -N -r 1000 -m 2 -s 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 2 ]
    [ "$(grep -c '^X-Rcpt-Args: ' "$SINK_DUMP")" -eq 2000 ]
    # Every number from 1 to 2000 exactly once.
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | uniq | wc -l)" -eq 2000 ]
    assert_no_workers
}

@test "--pipelining counts a 421 mid-group and, with -A, goes on with new connections" {
    start_sink -Q RCPT
    run src --pipelining -A -m 3 -r 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"warning: recipient rejected: 421 "* ]]
    [[ "$output" == *"3 requested, 0 sent, 3 failed"* ]]
    [[ "$output" == *"sessions    1, 3 connections"* ]]
    [ "$(dump_count)" -eq 0 ]
    assert_no_workers
}

@test "with -d, the next transaction goes out behind the dot" {
    start_sink
    run src --quiet --pipelining -d -M vm -m 2 -v "$SINK_ADDR"
    [ "$status" -eq 0 ]
    p="$SRC:"
    [[ "$output" == *"$p .
$p MAIL FROM:<foo@vm>
$p RCPT TO:<foo@vm>
$p DATA
$p <<< 250 2.0.0 Ok
$p <<< 250 2.1.0 Ok
$p <<< 250 2.1.5 Ok
$p <<< 354 End data with <CR><LF>.<CR><LF>
$p .
$p QUIT
$p <<< 250 2.0.0 Ok
$p <<< 221 Bye" ]]
    [ "$(dump_count)" -eq 2 ]
}

@test "--pipelining -d -N over 3 workers: every recipient number once, every message once" {
    start_sink
    run src --quiet --pipelining -d -N -r 3 -s 3 -m 60 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 60 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | uniq | tr '\n' ' ')" = "$(seq 1 180 | tr '\n' ' ')" ]
}

@test "--pipelining without -A stops at a 421 with the plain client's error" {
    start_sink -Q RCPT
    run src --pipelining -m 3 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$SRC: fatal: recipient rejected: 421 "* ]]
    assert_no_workers
}

@test "--pipelining over LMTP reads one end-of-data reply per recipient" {
    start_sink -L
    run src --quiet --pipelining -L -M vm -r 3 -m 2 -d "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 2 ]
    [ "$(grep -c '^X-Client-Proto: LMTP$' "$SINK_DUMP")" -eq 2 ]
}

@test "--pipelining measures each reply from its group's write" {
    command -v python3 >/dev/null || skip "python3 needed"
    start_sink -w 1
    f=$SINK_DIR/p.jsonl
    run src --quiet --pipelining -m 2 --records="$f" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    # smtp-sink holds DATA's reply for a second. MAIL, RCPT and DATA share
    # one group and are timed from its write; the dot is timed from its own
    # write, after the 354. So connect, banner, EHLO, DATA and the dot are
    # disjoint stretches of the message's time and cannot add up to more
    # (a dot timed from the group's write would count the second twice).
    # No upper bound on any single time: a loaded machine may be slow.
    run python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 2
for r in rows:
    us = r["us"]
    assert us["data"] >= 1000000, us
    assert sum(us[p] for p in ("connect", "banner", "helo", "data", "dot")) <= us["message"], us
print("ok")' "$f"
    [ "$output" = ok ]
}

@test "--pipelining: a server that hangs up at DATA names the same phase as the plain client" {
    start_sink -q DATA
    run src --quiet --pipelining -m 2 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: lost connection while sending DATA command" ]
    stop_sink
    start_sink -q RCPT
    run src --quiet --pipelining -m 2 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: fatal: lost connection while sending recipient" ]
}
