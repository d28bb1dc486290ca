#!/usr/bin/env bats
# What a real server will not do on demand, from the scripted fake server:
# STARTTLS refused or not offered, garbage for a ServerHello, a handshake
# that stalls, bytes injected before the handshake, AUTH in clear, 334
# exchanges that never end or make no sense, 535, a BDAT reply that never
# comes; and every new option's bad input, refused before any connection.

load helpers
bats_require_minimum_version 1.5.0

setup() {
    [ -x "$TLSSRC" ] || skip "no TLS build at $TLSSRC (make tls)"
    command -v python3 >/dev/null || skip "python3 is needed to read JSON"
    ensure_sink_dir
}
teardown() {
    if [ -n "${BG:-}" ]; then kill -9 "$BG" 2>/dev/null || true; wait "$BG" 2>/dev/null || true; BG=; fi
    common_teardown
}

tsrc() { timeout -k 5 "$RUN_LIMIT" "$TLSSRC" "$@"; }
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
records() { python3 -c "import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"; }
mono() { awk '{ print $1 }' /proc/uptime; }
within() { python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < float(sys.argv[3]) else 1)" "$@"; }

script() {
    ensure_sink_dir
    printf '%s\n' "$@" >"$SINK_DIR/script"
    start_fake_script "$SINK_DIR/script"
}
sent_to_fake() { cat "$FAKE_LOG"/conn.*.in 2>/dev/null; }
# count ERE FILE: lines of FILE matching ERE (0 if none, or no FILE).
count() { local n; n=$(grep -cE "$1" "$2" 2>/dev/null) || true; echo "${n:-0}"; }
accepted() { count ' accept$' "$FAKE_LOG/events"; }

wait_events() {
    local i
    for i in $(seq 1 400); do
        [ "$(count "$1" "$FAKE_LOG/events")" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}

# --- STARTTLS --------------------------------------------------------------------

@test "454 to STARTTLS: the message fails with the reply; with -A counted, no mail sent in clear" {
    script 'ehlo PIPELINING STARTTLS' 'STARTTLS : reply 454 4.7.0 TLS not available due to local problem'
    run --separate-stderr tsrc --starttls "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: STARTTLS rejected: 454 4.7.0 TLS not available due to local problem" ]
    run tsrc -A --starttls -m 2 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "[(r['result'], r['reason'], r['phase'], r['code']) for r in rs]")" = "[('failed', 'rejected', 'tls', 454), ('failed', 'rejected', 'tls', 454)]" ]
    ! sent_to_fake | grep -q '^MAIL'
    # Each connection ended politely with QUIT.
    [ "$(sent_to_fake | grep -c '^QUIT')" -eq 2 ]
}

@test "STARTTLS not offered: the message fails, nothing sent in clear" {
    script 'ehlo PIPELINING 8BITMIME'
    run tsrc -A --starttls -m 2 --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"warning: STARTTLS: the server does not offer it"* ]]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['failed'], j['errors']['tls']")" = "2 2" ]
    ! sent_to_fake | grep -q '^STARTTLS\|^MAIL'
}

@test "garbage instead of a ServerHello: the handshake fails with OpenSSL's reason" {
    # The garbage comes a moment after the 220, as a reply to the ClientHello:
    # in the same segment it would be an injection (see below).
    script 'ehlo STARTTLS' 'STARTTLS : reply 220 2.0.0 go ahead; sleep 300; raw this is not TLS at all, sorry\r\n'
    run --separate-stderr tsrc --starttls "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "$TLSSRC: fatal: TLS handshake failed: "* ]]
    [ "$(wc -l <<<"$stderr")" -eq 1 ]
    # With -A: one warning per message, each counted as a TLS failure.
    run --separate-stderr tsrc -A -m 2 --starttls --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c "^$TLSSRC: warning: TLS handshake failed: " <<<"$stderr")" -eq 2 ]
    [ "$(wc -l <<<"$stderr")" -eq 2 ]
    [ "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["errors"]["tls"], j["messages"]["failed"])' "$SINK_DIR/r.json")" = "2 2" ]
}

@test "a handshake that stalls: --timeout bounds it" {
    script 'ehlo STARTTLS' 'STARTTLS : reply 220 2.0.0 go ahead; stall'
    t0=$(mono)
    run --separate-stderr tsrc --timeout 2 --starttls "$FAKE_ADDR"
    t1=$(mono)
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: timeout while starting TLS" ]
    within "$t0" "$t1" 3
}

@test "bytes after the 220 to STARTTLS (an injection): refused, never read as a reply" {
    script 'ehlo STARTTLS' 'STARTTLS : raw 220 go ahead\r\n250 injected\r\n'
    run --separate-stderr tsrc --starttls "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: the server sent data before the TLS handshake" ]
}

@test "--smtps against a plain server: the handshake fails, one line" {
    script 'ehlo PIPELINING'
    run --separate-stderr tsrc --smtps --timeout 2 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "$TLSSRC: fatal: TLS handshake failed: "* ]]
}

# --- AUTH --------------------------------------------------------------------------

@test "AUTH without TLS: PLAIN is never sent in clear, unless --auth-allow-plaintext" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH PLAIN LOGIN' 'AUTH : reply 235 2.7.0 ok'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH PLAIN would send the credentials in clear: use --starttls or --smtps (or --auth-allow-plaintext)" ]
    ! sent_to_fake | grep -q '^AUTH'
    run tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    sent_to_fake | grep -qx $'AUTH PLAIN AHUAcHc=\r'
}

@test "an endless 334 exchange is cut off with *, one line" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH LOGIN' 'AUTH : reply 334 VXNlcm5hbWU6' 'line : reply 334 UGFzc3dvcmQ6'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH LOGIN: the server's 334 exchange does not end" ]
    sent_to_fake | grep -qx $'\\*\r'
}

@test "a malformed 334 challenge is cut off" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH LOGIN' 'AUTH : reply 334 this is not base64!'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH LOGIN: malformed 334 challenge" ]
}

# An OAuth token is long: the AUTH line grows to hold it, never cut short.
@test "XOAUTH2 with a 3000-byte token: the whole token in one AUTH line" {
    head -c 3000 /dev/zero | tr '\0' 'k' >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH XOAUTH2' 'AUTH : reply 235 2.7.0 ok'
    run --separate-stderr tsrc --auth-mech=XOAUTH2 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    line=$(sent_to_fake | grep '^AUTH XOAUTH2 ' | tr -d '\r')
    want=$(printf 'user=u\001auth=Bearer %s\001\001' "$(cat "$SINK_DIR/pw")" | base64 -w0)
    [ "$line" = "AUTH XOAUTH2 $want" ]
}

@test "535: AUTH rejected with the reply; XOAUTH2's error 334 answered with an empty line" {
    echo tok >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH XOAUTH2 PLAIN' 'AUTH : reply 334 eyJzdGF0dXMiOiI0MDEifQ==' 'line : reply 535 5.7.8 bad token'
    run --separate-stderr tsrc --auth-mech=XOAUTH2 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH rejected: 535 5.7.8 bad token" ]
    [ "$(sent_to_fake | grep -A1 '^AUTH XOAUTH2 ' | tail -1)" = $'\r' ]
}

@test "the server offers no mechanism we have: the message fails" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH CRAM-MD5'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH: the server offers neither PLAIN nor LOGIN" ]
}

@test "--auth-password is not left visible in the process list" {
    secret="Visible-$$-Secret"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH PLAIN' 'AUTH : stall'
    "$TLSSRC" --auth-user=u --auth-password="$secret" --auth-allow-plaintext "$FAKE_ADDR" >/dev/null 2>&1 &
    BG=$!
    wait_events ' AUTH' 1
    for p in "$BG" $(pgrep -P "$BG"); do
        ! tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF "$secret"
    done
}

# --- BDAT --------------------------------------------------------------------------

@test "a BDAT reply that never comes: --timeout bounds the wait" {
    script 'ehlo CHUNKING' 'BDAT : noreply'
    t0=$(mono)
    run --separate-stderr tsrc --timeout 2 --bdat "$FAKE_ADDR"
    t1=$(mono)
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: timeout while sending message" ]
    within "$t0" "$t1" 3
}

@test "BDAT chunks refused: no more chunks, RSET, the message fails" {
    script 'ehlo CHUNKING' 'BDAT nth=2 : reply 552 5.3.4 too big'
    run tsrc -A --bdat --bdat-size=50 -l 300 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(records "$SINK_DIR/rec" "rs[0]['result'], rs[0]['phase'], rs[0]['code']")" = "failed bdat 552" ]
    # Chunks run into the next command: count the commands anywhere.
    [ "$(sent_to_fake | grep -ao 'BDAT [0-9]*' | wc -l)" -eq 2 ]
    sent_to_fake | grep -aq 'RSET'
}

# --- bad input: one line, exit 1, no connection ----------------------------------

@test "every new option's bad input: one line, exit 1, no connection made" {
    script 'ehlo STARTTLS AUTH PLAIN CHUNKING'
    : >"$SINK_DIR/empty"
    bad() {
        local want=$1
        shift
        run --separate-stderr tsrc "$@" "$FAKE_ADDR"
        [ "$status" -eq 1 ] || { echo "status $status for $*"; return 1; }
        [ "$stderr" = "$TLSSRC: fatal: $want" ] || { echo "for $*: $stderr"; return 1; }
    }
    bad "open /nonexistent/pw: No such file or directory" --auth-user=u --auth-password-file=/nonexistent/pw
    bad "--auth-password-file=$SINK_DIR/empty: the first line must hold the password" --auth-user=u --auth-password-file="$SINK_DIR/empty"
    bad "--tls-ca=/nonexistent/ca.pem: No such file or directory" --starttls --tls-ca=/nonexistent/ca.pem
    run --separate-stderr tsrc --starttls --tls-ca=/etc/hostname "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "$TLSSRC: fatal: --tls-ca=/etc/hostname"* ]]
    bad "--auth-mech: unknown mechanism: CRAM-MD5 (PLAIN, LOGIN or XOAUTH2)" --auth-user=u --auth-password=p --auth-mech=CRAM-MD5
    bad "bad --bdat-size: 0" --bdat-size=0
    bad "bad --bdat-size: 1x" --bdat-size=1x
    bad "--auth-user needs --auth-password-file (or --auth-password)" --auth-user=u
    bad "the --auth- options need --auth-user" --auth-password=p
    bad "--auth-password and --auth-password-file exclude each other" --auth-user=u --auth-password=p --auth-password-file=/etc/hostname
    bad "--tls-verify needs --starttls or --smtps" --tls-verify
    bad "--starttls and --smtps exclude each other" --starttls --smtps
    bad "-o sends no EHLO: it cannot be used with --starttls" -o --starttls
    bad "--tls-ca needs a value" --starttls --tls-ca=
    [ "$(accepted)" -eq 0 ]
}

@test "a TLS option in a build without TLS names make TLS=openssl" {
    "$SRC" --version | grep -q '^features: no TLS' || skip "$SRC is a TLS build"
    script 'ehlo STARTTLS'
    for opt in --starttls --smtps --tls-resume; do
        run --separate-stderr src "$opt" "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [ "$stderr" = "$SRC: fatal: $opt: this build has no TLS (build with make TLS=openssl)" ]
    done
    [ "$(accepted)" -eq 0 ]
}

@test "--version names the TLS library of a TLS build" {
    run tsrc --version
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == "features: TLS with OpenSSL "* ]]
    run tsrc --help
    [[ "$output" == *"--starttls"*"--auth-user=NAME"* ]]
}
