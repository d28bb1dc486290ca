#!/usr/bin/env bats
# STARTTLS, SMTPS, AUTH, CHUNKING/BDAT, SMTPUTF8 and LMTP delivery against
# a real Postfix and a real Dovecot (private instances: tests/mailservers.sh),
# checked from their own logs and from the mail they delivered. The program
# under test is the TLS build ($TLSSRC).

load helpers
bats_require_minimum_version 1.5.0
. "$TOP/tests/mailservers.sh"

setup_file() {
    [ -x "$TLSSRC" ] || return 0
    MS_ROOT=$(mktemp -d /tmp/smtp-source-real.XXXXXX)
    export MS_ROOT
    chmod 0755 "$MS_ROOT"
    dovecot_start "$MS_ROOT/dovecot"
    mx_start "$MS_ROOT/mx"
}

teardown_file() {
    local rc=0
    mx_stop || rc=1
    dovecot_stop || rc=1
    if [ -n "${MS_ROOT:-}" ]; then
        if ! ms_leftovers "$MS_ROOT" >&2; then
            echo "MAIL SERVER PROCESSES LEFT BEHIND under $MS_ROOT" >&2
            rc=1
        fi
        [ "$rc" -ne 0 ] || rm -rf "$MS_ROOT"
    fi
    return "$rc"
}

setup() {
    [ -x "$TLSSRC" ] || skip "no TLS build at $TLSSRC (make tls)"
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    ensure_sink_dir
    # Each test its own recipient, so that mail and log lines are its own.
    RCPT="t$BATS_TEST_NUMBER.$$@example.test"
    LOG_MARK=$(wc -l <"$MX_LOG")
}

teardown() { common_teardown; }

tsrc() { timeout -k 5 "$RUN_LIMIT" "$TLSSRC" "$@"; }
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
records() { python3 -c "import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"; }

# The Postfix log lines written since the test began.
new_log() { tail -n +"$((LOG_MARK + 1))" "$MX_LOG"; }

# The smtpd disconnect lines' counters since the test began, e.g.
# "ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7", one a line.
disconnects() { new_log | sed -nE 's/.*smtpd\[[0-9]+\]: disconnect from [^ ]+ (.*)$/\1/p'; }

# Waits (bounded) for N smtpd disconnect lines since the test began.
wait_disconnects() {
    local i
    for i in $(seq 1 200); do
        [ "$(disconnects | wc -l)" -ge "$1" ] && return 0
        sleep 0.05
    done
    echo "postfix logged $(disconnects | wc -l) disconnects, not $1" >&2
    return 1
}

# Files delivered to this test's recipient (waits, bounded, for N).
delivered() { grep -lxF "Delivered-To: $RCPT" "$MX_MAILDIR"/new/* 2>/dev/null || true; }
wait_delivered() {
    local i
    for i in $(seq 1 200); do
        [ "$(delivered | wc -l)" -ge "$1" ] && return 0
        sleep 0.05
    done
    echo "$(delivered | wc -l) messages delivered to $RCPT, not $1" >&2
    return 1
}

# A delivered file's message as the client sent it: without the four
# lines Postfix prepends and its Received: header (with its continuation).
as_sent() {
    tail -n +4 "$1" | awk 'skip && /^[ \t]/ { next } { skip = 0 } /^Received: / { skip = 1; next } { print }' |
        sed -E 's/^Message-Id: <[0-9a-f]+\./Message-Id: <PID./; s/^Date: .*/Date: (when sent)/'
}

# --- STARTTLS and SMTPS --------------------------------------------------------

@test "--starttls: EHLO, STARTTLS, the handshake, EHLO again; Postfix logs TLS and delivers" {
    run tsrc --starttls -d -m 3 -f a@example.test -t "$RCPT" --json="$SINK_DIR/r.json" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 3
    wait_disconnects 1
    [ "$(disconnects)" = "ehlo=2 starttls=1 mail=3 rcpt=3 data=3 quit=1 commands=13" ]
    new_log | grep -qE 'TLS connection established from .*: TLSv1\.[23] with cipher'
    [[ "$output" == *"tls         1 handshakes (1 full, 0 resumed), verify off"* ]]
    [ "$(json "$SINK_DIR/r.json" "j['tls']['mode'], j['tls']['handshakes'], j['latency_ms']['tls']['count']")" = "starttls 1 1" ]
    [[ "$(json "$SINK_DIR/r.json" "j['tls']['suites'][0]['name']")" == TLSv1.* ]]
}

@test "--smtps: TLS from the first byte; --tls-resume: each worker's later handshakes resume" {
    run tsrc --smtps --tls-resume -s 2 -m 6 -f a@example.test -t "$RCPT" \
        --json="$SINK_DIR/r.json" --records="$SINK_DIR/rec" "$MX_SMTPS"
    [ "$status" -eq 0 ]
    wait_delivered 6
    wait_disconnects 6
    [ "$(json "$SINK_DIR/r.json" "j['tls']['mode'], j['tls']['full'], j['tls']['resumed']")" = "implicit 2 4" ]
    # What the handshakes agreed on, by name: one kind, all six.
    [[ "$(json "$SINK_DIR/r.json" "len(j['tls']['suites']), j['tls']['suites'][0]['count'], j['tls']['suites'][0]['name']")" =~ ^1\ 6\ TLSv1\.[23]\ [A-Z0-9_-]+$ ]]
    [ "$(records "$SINK_DIR/rec" "sum(r['tls']['resumed'] for r in rs)")" -eq 4 ]
    # Postfix saw six TLS connections, each with its one message.
    [ "$(new_log | grep -cE 'TLS connection established from ')" -eq 6 ]
    [ "$(disconnects | sort -u)" = "helo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" ]
}

@test "without --tls-resume every handshake is full" {
    run tsrc --smtps -m 3 -f a@example.test -t "$RCPT" --json="$SINK_DIR/r.json" "$MX_SMTPS"
    [ "$status" -eq 0 ]
    [ "$(json "$SINK_DIR/r.json" "j['tls']['full'], j['tls']['resumed']")" = "3 0" ]
}

# Postfix writes its greeting right behind the TLS 1.3 session tickets;
# Nagle holds it until the tickets are acknowledged, so a client that
# leaves the ACK to the kernel's delayed-ACK timer loses 40 ms a
# connection. Each handshake is followed by TCP_QUICKACK on its socket.
@test "--smtps: quick ACKs after each handshake, so the greeting is not held behind the tickets" {
    command -v strace >/dev/null || skip "strace is not installed"
    # LeakSanitizer cannot run under ptrace: an ASan build is traced without it.
    ASAN_OPTIONS=detect_leaks=0 run timeout -k 5 "$RUN_LIMIT" strace -f -o "$SINK_DIR/st" -e trace=setsockopt,connect \
        "$TLSSRC" --smtps -s 1 -m 3 -f a@example.test -t "$RCPT" "$MX_SMTPS"
    [ "$status" -eq 0 ]
    # Three connections, each with its quick-ACK after its connect.
    [ "$(grep -c 'connect(' "$SINK_DIR/st")" -eq 3 ]
    [ "$(grep -cE 'setsockopt\(.*TCP_QUICKACK, \[1\]' "$SINK_DIR/st")" -eq 3 ] || { cat "$SINK_DIR/st"; false; }
}

@test "--tls-verify: a self-signed certificate fails with OpenSSL's reason, nothing is sent" {
    run --separate-stderr tsrc --smtps --tls-verify -m 2 -f a@example.test -t "$RCPT" "$MX_SMTPS"
    [ "$status" -eq 1 ]
    [ "${stderr}" = "$TLSSRC: fatal: certificate verify failed: self-signed certificate: expected 127.0.0.1, the certificate is for mx.test, 127.0.0.1 (a private CA: --tls-ca=FILE)" ]
    [ "$(delivered | wc -l)" -eq 0 ]
    ! new_log | grep -q 'from=<a@example.test>'
}

@test "--tls-verify with --tls-ca and the server's name verifies; a wrong name fails" {
    run tsrc --smtps --tls-verify --tls-ca="$MX_CERT" --tls-servername=mx.test -f a@example.test -t "$RCPT" "$MX_SMTPS"
    [ "$status" -eq 0 ]
    [[ "$output" == *"verify on"* ]]
    # An address target is checked against the certificate's IP entry.
    run tsrc --starttls --tls-verify --tls-ca="$MX_CERT" -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    WANT=other.test
    run --separate-stderr tsrc --smtps --tls-verify --tls-ca="$MX_CERT" --tls-servername=other.test -f a@example.test -t "$RCPT" "$MX_SMTPS"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: certificate verify failed: hostname mismatch: expected $WANT, the certificate is for mx.test, 127.0.0.1 (--tls-servername=NAME checks another name)" ]
    wait_delivered 2
}

# A unix: target has no host name to check the certificate against.
@test "--tls-verify on a unix: target needs --tls-servername; with it the name is checked" {
    start_recorder "$MX_SMTP" -u "$SINK_DIR/mx.sock"
    run --separate-stderr tsrc --starttls --tls-verify --tls-ca="$MX_CERT" -f a@example.test -t "$RCPT" "$REC_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: --tls-verify with a unix: target needs --tls-servername (there is no host name to check)" ]
    ! grep -q ' open$' "$REC_DIR/events"
    WANT=wrong.test
    run --separate-stderr tsrc --starttls --tls-verify --tls-ca="$MX_CERT" --tls-servername=wrong.test \
        -f a@example.test -t "$RCPT" "$REC_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: certificate verify failed: hostname mismatch: expected $WANT, the certificate is for mx.test, 127.0.0.1 (--tls-servername=NAME checks another name)" ]
    run tsrc --starttls --tls-verify --tls-ca="$MX_CERT" --tls-servername=mx.test -f a@example.test -t "$RCPT" "$REC_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"verify on"* ]]
    wait_delivered 1
}

@test "--merge of shards that differ in --tls-verify says so ('verify on in 1 of 2 shards'), in either order, with one warning" {
    d=$SINK_DIR
    run tsrc --shard=0/2 -m 4 --smtps --tls-verify --tls-ca="$MX_CERT" --tls-servername=mx.test \
        -f a@example.test -t "$RCPT" --json="$d/v0.json" "$MX_SMTPS"
    [ "$status" -eq 0 ]
    run tsrc --shard=1/2 -m 4 --smtps -f a@example.test -t "$RCPT" --json="$d/v1.json" "$MX_SMTPS"
    [ "$status" -eq 0 ]
    wait_delivered 4
    for order in "v0 v1" "v1 v0"; do
        set -- $order
        run --separate-stderr tsrc --merge --json="$d/m.json" "$d/$1.json" "$d/$2.json"
        [ "$status" -eq 0 ]
        [[ "$output" == *$'\n'"  tls         4 handshakes (4 full, 0 resumed), verify on in 1 of 2 shards"$'\n'* ]]
        if [ "$1" = v0 ]; then
            [ "$stderr" = "$TLSSRC: warning: the shards differ in tls_verify: true in 1 of 2 shards, false in 1" ]
        else
            [ "$stderr" = "$TLSSRC: warning: the shards differ in tls_verify: false in 1 of 2 shards, true in 1" ]
        fi
        python3 - "$d/m.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j['tls']['verify'] is None and j['tls']['mode'] == 'implicit', j['tls']
assert j['merged']['settings_differ'] == ['tls_verify'], j['merged']
assert [p['settings']['tls_verify'] for p in j['merged']['parts']] == [True, False], j['merged']['parts']
assert 'tls_verify' not in j['run']['settings'] and j['run']['settings']['tls'] == 'implicit', j['run']
PY
    done
}

@test "-v shows the STARTTLS exchange and one line per handshake, never key material" {
    run --separate-stderr tsrc -v --starttls -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    grep -qx "$TLSSRC: STARTTLS" <<<"$stderr"
    grep -qx "$TLSSRC: <<< 220 2.0.0 Ready to start TLS" <<<"$stderr"
    grep -qE "^$TLSSRC: TLS: TLSv1\.[23] [A-Z0-9_-]+, full handshake$" <<<"$stderr"
    [ "$(grep -c "^$TLSSRC: EHLO " <<<"$stderr")" -eq 2 ]
    ! grep -qiE 'master|key|BEGIN' <<<"$stderr"
}

# --- AUTH ------------------------------------------------------------------------

@test "submission: STARTTLS then AUTH PLAIN; Postfix logs the SASL login and the counts" {
    run tsrc --starttls --auth-user="$DOVECOT_USER" --auth-password-file="$DOVECOT_PASSWORD_FILE" \
        -d -m 2 -f a@example.test -t "$RCPT" --json="$SINK_DIR/r.json" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    wait_delivered 2
    wait_disconnects 1
    [ "$(disconnects)" = "ehlo=2 starttls=1 auth=1 mail=2 rcpt=2 data=2 quit=1 commands=11" ]
    new_log | grep -q "sasl_method=PLAIN, sasl_username=$DOVECOT_USER"
    grep -qx '  auth        PLAIN: 1 attempts, 1 authenticated' <<<"$output"
    [ "$(json "$SINK_DIR/r.json" "j['latency_ms']['auth']['count'], j['auth']['mechanisms']['PLAIN']['authenticated']")" = "1 1" ]
}

@test "--auth-mech=LOGIN: the LOGIN exchange, logged as LOGIN" {
    run tsrc --starttls --auth-mech=LOGIN --auth-user="$DOVECOT_USER" \
        --auth-password-file="$DOVECOT_PASSWORD_FILE" -f a@example.test -t "$RCPT" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    wait_delivered 1
    new_log | grep -q "sasl_method=LOGIN, sasl_username=$DOVECOT_USER"
}

@test "a wrong password: 535 fails the message (fatal; with -A counted and the run goes on)" {
    echo wrong-password >"$SINK_DIR/pw"
    run --separate-stderr tsrc --starttls --auth-user="$DOVECOT_USER" --auth-password-file="$SINK_DIR/pw" \
        -f a@example.test -t "$RCPT" "$MX_SUBMISSION"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "$TLSSRC: fatal: AUTH rejected: 535 5.7.8 "* ]]
    run tsrc -A --starttls --auth-user="$DOVECOT_USER" --auth-password-file="$SINK_DIR/pw" \
        -m 2 -f a@example.test -t "$RCPT" --records="$SINK_DIR/rec" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "[(r['result'], r['reason'], r['phase'], r['code']) for r in rs]")" = "[('failed', 'rejected', 'auth', 535), ('failed', 'rejected', 'auth', 535)]" ]
    [ "$(delivered | wc -l)" -eq 0 ]
}

# The issue's "done when": the report and Postfix's own log tell the same
# story of a wrong password, and of the right one.
@test "the auth line and the JSON tell what Postfix logged: 3 refusals (535), then 2 logins" {
    echo wrong-password >"$SINK_DIR/pw"
    run --separate-stderr tsrc -A --starttls --auth-user="$DOVECOT_USER" --auth-password-file="$SINK_DIR/pw" \
        -m 3 -f a@example.test -t "$RCPT" --json="$SINK_DIR/r.json" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    grep -qx '  auth        PLAIN: 3 attempts, 0 authenticated, 3 refused (535)' <<<"$output"
    [ "$(json "$SINK_DIR/r.json" "j['auth']['mechanisms']")" = "{'PLAIN': {'attempts': 3, 'authenticated': 0, 'refused': 3, 'refused_codes': {'535': 3}, 'given_up': 0, 'unanswered': 0}}" ]
    wait_disconnects 3
    [ "$(new_log | grep -c 'SASL PLAIN authentication failed')" -eq 3 ]
    [ "$(disconnects | grep -c ' auth=0/1 ')" -eq 3 ]
    LOG_MARK=$(wc -l <"$MX_LOG")
    run --separate-stderr tsrc --starttls --auth-user="$DOVECOT_USER" --auth-password-file="$DOVECOT_PASSWORD_FILE" \
        -m 2 -f a@example.test -t "$RCPT" --json="$SINK_DIR/r.json" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    grep -qx '  auth        PLAIN: 2 attempts, 2 authenticated' <<<"$output"
    wait_disconnects 2
    [ "$(new_log | grep -c "sasl_method=PLAIN, sasl_username=$DOVECOT_USER")" -eq 2 ]
    [ "$(disconnects | grep -c ' auth=1 ')" -eq 2 ]
}

# RFC 4954 4: an initial response that would make the AUTH line longer than
# an SMTP command line is not sent with it. Postfix reads an AUTH line up
# to line_length_limit (2048) and a response up to 12288 octets.
@test "a 3000-byte password: AUTH PLAIN, then the response after Postfix's empty 334; logged in" {
    run --separate-stderr tsrc -v --starttls --auth-user="$DOVECOT_LONG_USER" --auth-password-file="$DOVECOT_LONG_PASSWORD_FILE" \
        -f a@example.test -t "$RCPT" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    grep -qx "$TLSSRC: AUTH PLAIN" <<<"$stderr"
    grep -qx "$TLSSRC: <<< 334 " <<<"$stderr"
    grep -qx '  auth        PLAIN: 1 attempts, 1 authenticated' <<<"$output"
    wait_delivered 1
    new_log | grep -q "sasl_method=PLAIN, sasl_username=$DOVECOT_LONG_USER"
    ! new_log | grep -q 'request longer than'
}

@test "the secret never appears: not in -v, the JSON, the records or the errors" {
    secret="S3cret-$$-Xyzzy"
    # Dovecot knows one password; this one fails, which is the point: the
    # error paths must not show it either.
    b64=$(printf '\0%s\0%s' "$DOVECOT_USER" "$secret" | base64 -w0)
    b64pw=$(printf '%s' "$secret" | base64 -w0)
    run tsrc -v -A --starttls --auth-user="$DOVECOT_USER" --auth-password="$secret" \
        --json="$SINK_DIR/r.json" --records="$SINK_DIR/rec" -f a@example.test -t "$RCPT" "$MX_SUBMISSION"
    [ "$status" -eq 0 ]
    [[ "$output" == *"AUTH PLAIN <hidden>"* ]]
    for f in "$SINK_DIR/r.json" "$SINK_DIR/rec"; do
        ! grep -qF -e "$secret" -e "$b64" -e "$b64pw" "$f"
    done
    ! grep -qF -e "$secret" -e "$b64" -e "$b64pw" <<<"$output"
    run tsrc -v -A --starttls --auth-mech=LOGIN --auth-user="$DOVECOT_USER" --auth-password="$secret" \
        -f a@example.test -t "$RCPT" "$MX_SUBMISSION"
    [[ "$output" == *"<hidden>"* ]]
    ! grep -qF -e "$secret" -e "$b64pw" <<<"$output"
}

# --- CHUNKING / BDAT ------------------------------------------------------------

# A message larger than a TLS record goes out in several writes, the last
# piece of the content written in part: every byte once, in order.
@test "--starttls: a 100 KB message arrives whole, the same bytes as in clear" {
    run tsrc -l 100000 -M client.test -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    run tsrc --starttls -l 100000 -M client.test -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 2
    set -- $(ls -tr $(delivered))
    diff <(as_sent "$1") <(as_sent "$2")
    # The Maildir keeps LF line ends: 100,000 bytes less a CR a line.
    [ "$(as_sent "$2" | wc -c)" -gt 98000 ]
}

@test "--bdat: BDAT chunks of --bdat-size, the same bytes delivered as with DATA" {
    printf 'Subject: chunks\n\n.leading dot\n..two dots\nend\n' >"$SINK_DIR/msg"
    run tsrc -M client.test -F "$SINK_DIR/msg" -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    run tsrc --bdat --bdat-size=10 -M client.test -F "$SINK_DIR/msg" -f a@example.test -t "$RCPT" \
        --json="$SINK_DIR/r.json" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 2
    wait_disconnects 2
    # 52 bytes unstuffed (with the empty line the reference adds): 6 chunks.
    [ "$(disconnects | tail -1)" = "ehlo=1 mail=1 rcpt=1 bdat=6 quit=1 commands=10" ]
    set -- $(ls -tr $(delivered))
    diff <(as_sent "$1") <(as_sent "$2")
    grep -qx '.leading dot' "$2"
    [ "$(json "$SINK_DIR/r.json" "j['latency_ms']['bdat']['count'], j['latency_ms']['dot']['count']")" = "1 0" ]
}

# The chunks carry the generated headers too: sizes that counted the body
# alone would cut the message short and leave the rest to be read as
# commands, though the client reported it sent.
@test "--bdat with the generated headers: the message delivered is the DATA one's, headers and body" {
    run tsrc -l 300 -M client.test -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    run tsrc --bdat --bdat-size=100 -l 300 -M client.test -f a@example.test -t "$RCPT" \
        --json="$SINK_DIR/r.json" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 2
    wait_disconnects 2
    set -- $(ls -tr $(delivered))
    # (The --json file takes a descriptor: the Message-Id's fd part differs.)
    same() { as_sent "$1" | sed -e 's/^Date: .*/Date: DATE/' -e 's/^Message-Id: <[^@]*@/Message-Id: <ID@/'; }
    diff <(same "$1") <(same "$2")
    grep -q '^Message-Id: <' "$2"
    # The BDAT run's only commands: chunks of at most 100 bytes, every
    # byte of the message in them.
    [[ "$(disconnects | tail -1)" =~ ^ehlo=1\ mail=1\ rcpt=1\ bdat=([0-9]+)\ quit=1\ commands=([0-9]+)$ ]]
    [ "${BASH_REMATCH[1]}" -ge 4 ]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['errors']['bad_reply'], j['replies']['5xx']")" = "1 0 0" ]
}

@test "--bdat --pipelining -d: chunks and the next transaction pipelined; one BDAT LAST each" {
    run tsrc --pipelining --bdat -d -m 4 -l 300 -f a@example.test -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 4
    wait_disconnects 1
    [ "$(disconnects)" = "ehlo=1 mail=4 rcpt=4 bdat=4 quit=1 commands=14" ]
}

@test "--bdat falls back to DATA where CHUNKING is not offered" {
    start_sink
    run src --bdat -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 2 ]
}

# --- SMTPUTF8 and 8BITMIME ---------------------------------------------------------

@test "--smtputf8: a UTF-8 recipient goes out with SMTPUTF8 and is delivered" {
    u="ü$BATS_TEST_NUMBER.$$@example.test"
    run tsrc -v --smtputf8 --8bitmime -f a@example.test -t "$u" "$MX_SMTP"
    [ "$status" -eq 0 ]
    [[ "$output" == *"MAIL FROM:<a@example.test> BODY=8BITMIME SMTPUTF8"* ]]
    for i in $(seq 1 200); do grep -qlxF "Delivered-To: $u" "$MX_MAILDIR"/new/* 2>/dev/null && break; sleep 0.05; done
    grep -qlxF "Delivered-To: $u" "$MX_MAILDIR"/new/*
    new_log | grep -qF "to=<$u>"
}

@test "a UTF-8 address without --smtputf8 in an ESMTP run: refused before any connection" {
    run --separate-stderr tsrc --ehlo -f a@example.test -t "ü@example.test" "$MX_SMTP"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: -t: the recipient has bytes outside ASCII: it needs --smtputf8" ]
    ! new_log | grep -q 'connect from'
}

@test "--smtputf8 with an address that is not UTF-8 (a lone continuation byte, an overlong form): refused before any connection" {
    run --separate-stderr tsrc --smtputf8 -f a@example.test -t $'\x80@example.test' "$MX_SMTP"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: -t: the recipient is not valid UTF-8" ]
    run --separate-stderr tsrc --smtputf8 -f $'\xc0\xafa@example.test' -t "$RCPT" "$MX_SMTP"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: -f: the sender is not valid UTF-8" ]
    ! new_log | grep -q 'connect from'
}

@test "--smtputf8 against a server without SMTPUTF8: the message fails, no byte of the address sent" {
    script=$SINK_DIR/script
    echo 'ehlo PIPELINING 8BITMIME' >"$script"
    start_fake_script "$script"
    run --separate-stderr tsrc -A --smtputf8 -m 2 -f a@example.test -t "ü@example.test" \
        --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"warning: the server does not offer SMTPUTF8, which the addresses need"* ]]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['failed'], j['errors']['extension']")" = "2 2" ]
    ! grep -q 'MAIL\|RCPT' "$FAKE_LOG"/conn.*.in
}

# --- LMTP to Dovecot ---------------------------------------------------------------

@test "-L -r 3 to Dovecot's LMTP: three deliveries per message, counted as delivered" {
    run tsrc -L -r 3 -m 2 -f a@example.test -t "l$BATS_TEST_NUMBER.$$@example.test" \
        --json="$SINK_DIR/r.json" "$DOVECOT_LMTP"
    [ "$status" -eq 0 ]
    [ "$(json "$SINK_DIR/r.json" "j['recipients']['delivered'], j['recipients']['lost']")" = "6 0" ]
    for a in "l$BATS_TEST_NUMBER.$$" "2l$BATS_TEST_NUMBER.$$" "3l$BATS_TEST_NUMBER.$$"; do
        for i in $(seq 1 200); do [ "$(ls "$DOVECOT_MAILDIR/$a@example.test/new" 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.05; done
        [ "$(ls "$DOVECOT_MAILDIR/$a@example.test/new" | wc -l)" -eq 2 ]
    done
}

# --- the capacity search against Postfix -------------------------------------------

@test "--find-rate against Postfix: the search completes, its steps sent what Postfix queued" {
    run --separate-stderr tsrc --find-rate=10-40 --step=1s -s 10 -f a@example.test -t "$RCPT" \
        --json="$SINK_DIR/r.json" "$MX_SMTP"
    # Found (0) or passed even at 40/s (4): the search ran to its end.
    [ "$status" -eq 0 ] || [ "$status" -eq 4 ] || { echo "$output $stderr"; return 1; }
    [[ "$output" == "smtp-source: capacity search, 10/s to 40/s: "* ]]
    total=$(json "$SINK_DIR/r.json" "sum(p['sent'] for p in j['search']['steps'])")
    failed=$(json "$SINK_DIR/r.json" "sum(p['failed'] for p in j['search']['steps'])")
    [ "$total" -ge 70 ] && [ "$failed" -eq 0 ]
    [ "$(json "$SINK_DIR/r.json" "'%s %g' % (j['status'], j['search']['steps'][0]['offered_per_s'])")" = "completed 10" ]
    # A connection per message: every one queued by smtpd, one queue id each.
    wait_disconnects "$total"
    [ "$(disconnects | wc -l)" -eq "$total" ]
    [ "$(new_log | grep -cE 'smtpd\[[0-9]+\]: [0-9A-F]+: client=')" -eq "$total" ]
}

# --- the workload (issue 20) ---------------------------------------------------

@test "--size: Postfix delivers each message at its drawn size; one above message_size_limit fails before MAIL" {
    run tsrc --ehlo --pipelining -d --seed=8 --size=lognormal:4k:40k -m 4 -f a@example.test -t "$RCPT" \
        --records="$SINK_DIR/rec" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 4
    # A delivered file less the four lines Postfix prepends and its
    # Received: header is the message as sent: its CRLF size is the SIZE=.
    local f got=()
    for f in $(delivered); do
        got+=("$(tail -n +4 "$f" | awk 'skip && /^[ \t]/ { next } { skip = 0 } /^Received: / { skip = 1; next } { n += length($0) + 2 } END { print n }')")
    done
    [ "$(printf '%s\n' "${got[@]}" | sort -n | tr '\n' ' ')" = \
      "$(records "$SINK_DIR/rec" "' '.join(str(s) for s in sorted(r['size'] for r in rs))") " ]
    # 12m: above message_size_limit (10240000), which EHLO announces as SIZE.
    LOG_MARK=$(wc -l <"$MX_LOG")
    run tsrc --ehlo -A --size=12m -m 1 -f a@example.test -t "$RCPT" --json="$SINK_DIR/big.json" "$MX_SMTP"
    [[ "$output" == *"1 too large for the server"* ]]
    [ "$(json "$SINK_DIR/big.json" "j['errors']['too_large'], j['messages']['sent']")" = "1 0" ]
    wait_disconnects 1
    [ "$(disconnects)" = "ehlo=1 quit=1 commands=2" ]
}

@test "--content=mime: Postfix delivers well-formed MIME (UTF-8, 8bit) at each drawn size" {
    run tsrc --ehlo --pipelining --8bitmime --smtputf8 --content=mime --seed=6 --size=100k-200k -m 4 \
        -f a@example.test -t "$RCPT" --records="$SINK_DIR/rec" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 4
    # Python's email parser on what Postfix delivered (less its own lines):
    # multipart/mixed, text/plain and text/html in UTF-8 and 8bit, from 150
    # KB a base64 attachment filling half of it; each at its drawn size.
    local want
    want=$(records "$SINK_DIR/rec" "' '.join(str(s) for s in sorted(r['size'] for r in rs))")
    # shellcheck disable=SC2046
    [ "$(python3 "$TOP/tests/mimecheck.py" files utf8 -- $(delivered) | tr '\n' ' ')" = "$want " ]
    # Both sides of 150 KB.
    tr ' ' '\n' <<<"$want" | awk '$1 < 153600 { s++ } $1 >= 153600 { b++ } END { exit !(s && b) }'
}

@test "--corpus: Postfix delivers each Maildir message as its file, CRLF, dot-stuffing undone, fresh Date and Message-Id" {
    local d=$SINK_DIR
    mkdir -p "$d/md/cur" "$d/md/new" "$d/md/tmp"
    printf 'From: a@example.test\nTo: b@example.test\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-Id:\n <one@example.test>\nSubject: one\n\nbody one\n.starts with a dot\n.\nend\n' \
        >"$d/md/cur/1700000000.1.host:2,S"
    printf 'From: c@example.test\r\nTo: d@example.test\r\nSubject: two\r\n\r\nbody two\r\n' \
        >"$d/md/new/1700000001.2.host"
    run tsrc --ehlo --pipelining -d --corpus="$d/md" -m 4 -f a@example.test -t "$RCPT" \
        --records="$d/rec" "$MX_SMTP"
    [ "$status" -eq 0 ]
    wait_delivered 4
    # shellcheck disable=SC2046
    run python3 "$TOP/tests/corpusmsgs.py" delivered "$d/md" "$d/rec" 4 $(delivered)
    [ "$output" = "ok 4" ] || { echo "$output"; false; }
    ! grep -l 'one@example.test\|2024' $(delivered)
}

@test "a lognormal MIME mix to a recipient mix: Postfix's log has, per domain, the recipients the seed drew" {
    # The same run against smtp-sink shows what the seed draws.
    local args=(--ehlo --pipelining -d --seed=12 --size=lognormal:4k:40k --content=mime -N --rcpts=1-3
                --rcpt-domains=a.example.test:80,b.example.test:20 -m 12 -f a@example.test -t "$RCPT")
    start_sink
    run tsrc "${args[@]}" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    local want
    want=$(sed -n 's/^X-Rcpt-Args: <[^@]*@\([a-z.]*\)>.*/\1/p' "$SINK_DUMP" | sort | uniq -c | awk '{ print $2, $1 }' | tr '\n' ' ')
    # Both domains drawn, and more than one recipient in some message.
    [[ "$want" == "a.example.test "*" b.example.test "* ]]
    [ "$(grep -c '^X-Rcpt-Args: ' "$SINK_DUMP")" -gt 12 ]
    run tsrc "${args[@]}" "$MX_SMTP"
    [ "$status" -eq 0 ]
    local n i
    n=$(grep -c '^X-Rcpt-Args: ' "$SINK_DUMP")
    sent() { new_log | grep -E "virtual\[[0-9]+\]: [0-9A-F]+: to=<[^>]*\.$$@[ab]\.example\.test>.* status=sent"; }
    for i in $(seq 1 200); do
        [ "$(sent | wc -l)" -ge "$n" ] && break
        sleep 0.05
    done
    [ "$(sent | sed -nE 's/.* to=<[^@]*@([a-z.]*)>.*/\1/p' | sort | uniq -c | awk '{ print $2, $1 }' | tr '\n' ' ')" = "$want" ]
}
