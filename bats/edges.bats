#!/usr/bin/env bats
# Honest at the protocol's edges, against servers that behave oddly but
# legally: LMTP replies cut short, EHLO replies of hundreds of lines, lines
# at the length limit, control bytes in reply text.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    ensure_sink_dir
}
teardown() { common_teardown; }

json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
records() { python3 -c "import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"; }
script() {
    printf '%s\n' "$@" >"$SINK_DIR/script"
    start_fake_script "$SINK_DIR/script"
}

# --- LMTP cut short ------------------------------------------------------------------

@test "LMTP: one recipient delivered, then the connection drops: sent, 1 delivered, 2 lost" {
    script lmtp 'rcpt-dot nth=1 : reply 250 2.0.0 ok' 'rcpt-dot nth=2 : close'
    run src -A -L -r 3 --json="$SINK_DIR/r.json" --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1 requested, 1 sent, 0 failed"* ]]
    [[ "$output" == *"recipients  3 sent, 3 accepted, 0 rejected; 1 delivered, 2 lost"* ]]
    [ "$(json "$SINK_DIR/r.json" "j['recipients']['delivered'], j['recipients']['lost'], j['errors']['lost_connection']")" = "1 2 0" ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], rs[0]['rcpt_delivered'], rs[0]['rcpt_lost'], 'reason' in rs[0]")" = "sent 1 2 False" ]
}

@test "LMTP: a 421 after the first recipient: sent, the 421 refuses one, the last is lost" {
    script lmtp 'rcpt-dot nth=1 : reply 250 2.0.0 ok' 'rcpt-dot nth=2 : reply 421 4.3.0 going down; close'
    run src -A -L -r 3 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], rs[0]['rcpt_delivered'], rs[0]['rcpt_lost'], rs[0]['rcpt_rejected_codes']")" = "sent 1 1 [421]" ]
}

@test "LMTP: the connection drops before any recipient's reply: failed, lost connection" {
    script lmtp 'rcpt-dot nth=1 : close'
    run src -A -L -r 2 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], rs[0]['reason'], rs[0]['rcpt_delivered']")" = "failed lost_connection 0" ]
}

# --- long EHLO replies -------------------------------------------------------------------

@test "an EHLO reply of 600 lines and 20 KB: PIPELINING on the last line is used" {
    script 'EHLO : raw 250-fakeserver\r\n; repeat 598 250-X-FILLER-KEYWORD-WITH-SOME-LENGTH\r\n; raw 250 PIPELINING\r\n'
    run src --pipelining -v -m 1 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    # Pipelined: MAIL, RCPT and DATA reach the server in one segment.
    grep -q '^[0-9]* MAIL' "$FAKE_LOG/events"
    python3 - "$FAKE_LOG/conn.1.in" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
# The three commands were written together: no reply in between means the
# client did not wait; the fake logs what arrived, in order.
assert b"MAIL FROM:" in data and b"DATA\r\n" in data
EOF
    [ "$(grep -c '<<< 250-X-FILLER' <<<"$output")" -eq 598 ]
    # The -v order proves the grouping: MAIL, RCPT, DATA, then their replies.
    mapfile -t cmds < <(grep -E "^$SRC: (MAIL|RCPT|DATA|<<< 250 2\.1\.0)" <<<"$output" | head -4)
    [[ "${cmds[0]}" == *"MAIL FROM:"* && "${cmds[1]}" == *"RCPT TO:"* && "${cmds[2]}" == *": DATA" ]]
}

@test "an EHLO reply over 1000 lines: one clear error, bounded memory" {
    script 'EHLO : raw 250-fakeserver\r\n; repeat 1200 250-X\r\n; raw 250 PIPELINING\r\n'
    run --separate-stderr src --pipelining "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$SRC: fatal: malformed reply while sending EHLO: more than 1000 lines" ]
}

# --- a line at the length limit -------------------------------------------------------------

@test "a 20480-byte reply line is accepted with CRLF and with LF alike" {
    for end in '\r\n' '\n'; do
        stop_fake
        script "banner : raw 220\\x20; repeat 20476 g; raw $end"
        run src -m 1 "$FAKE_ADDR"
        [ "$status" -eq 0 ] || { echo "end $end: $output"; return 1; }
    done
}

@test "a 20481-byte reply line is refused with CRLF and with LF alike, with the same error" {
    for end in '\r\n' '\n'; do
        stop_fake
        script "banner : raw 220\\x20; repeat 20477 g; raw $end"
        run --separate-stderr src -m 1 "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [ "$stderr" = "$SRC: fatal: malformed reply while reading server greeting: line longer than 20480 bytes" ]
    done
}

# --- control bytes in reply text ---------------------------------------------------------------

@test "a bare CR and other control bytes: the same '?' on stderr, in the JSON and the records" {
    script 'MAIL : raw 550 5.0.0 bad\rcarriage\x01\x1b[31mred\r\n'
    run --separate-stderr src -m 1 --json="$SINK_DIR/r.json" --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    want='sender rejected: 550 5.0.0 bad?carriage??[31mred'
    [ "$stderr" = "$SRC: fatal: $want" ]
    [ "$(json "$SINK_DIR/r.json" "j['error']")" = "$want" ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['error']")" = "$want" ]
    # No raw control byte in any output.
    ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$SINK_DIR/r.json" "$SINK_DIR/rec"
}
