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
    if [ -n "${SERVER_SOCK:-}" ]; then rm -f "$SERVER_SOCK"; SERVER_SOCK=; fi
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
# The report's auth line(s) in $output.
auth_lines() { sed -n '/^  auth        [^ ]/,/^  [a-z]/p' <<<"$output" | sed '$d'; }
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
    run --separate-stderr tsrc --timeout=2 --starttls "$FAKE_ADDR"
    t1=$(mono)
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: timeout while starting TLS" ]
    # Bounded: a --timeout of 2 s, and room for a loaded machine (no bound
    # would run into the test's limit of $RUN_LIMIT s).
    within "$t0" "$t1" 5
}

@test "bytes after the 220 to STARTTLS (an injection): refused, never read as a reply" {
    script 'ehlo STARTTLS' 'STARTTLS : raw 220 go ahead\r\n250 injected\r\n'
    run --separate-stderr tsrc --starttls "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: the server sent data before the TLS handshake" ]
}

@test "--smtps against a plain server: the handshake fails, one line" {
    script 'ehlo PIPELINING'
    run --separate-stderr tsrc --smtps --timeout=2 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "$TLSSRC: fatal: TLS handshake failed: "* ]]
}

# A TLS server (openssl s_server) on a unix socket: SERVER_SOCK, a short
# path (OpenSSL 3.0 fails on one of more than about 32 bytes).
# start_tls_server [s_server options...]
start_tls_server() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=tls.test \
        -keyout "$SINK_DIR/key.pem" -out "$SINK_DIR/cert.pem" 2>/dev/null
    SERVER_SOCK=/tmp/ss.$$.$RANDOM
    timeout 30 openssl s_server -unix "$SERVER_SOCK" -cert "$SINK_DIR/cert.pem" -key "$SINK_DIR/key.pem" \
        -naccept 1 -quiet "$@" >"$SINK_DIR/s_server.out" 2>&1 &
    BG=$!
    local i
    for i in $(seq 1 200); do
        [ -S "$SERVER_SOCK" ] && return 0
        kill -0 "$BG" 2>/dev/null || break
        sleep 0.05
    done
    echo "openssl s_server did not start:" >&2
    cat "$SINK_DIR/s_server.out" >&2
    return 1
}

# OpenSSL keeps the result of the certificate check even when nothing was
# to be checked: without --tls-verify it is never the reason given.
@test "a handshake the server ends with an alert, without --tls-verify: the alert is the reason" {
    # TLS 1.2 with a client certificate required: the server's alert ends it.
    start_tls_server -tls1_2 -Verify 1
    run --separate-stderr tsrc --smtps "unix:$SERVER_SOCK"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: TLS handshake failed: sslv3 alert handshake failure" ]
    wait "$BG" || true
    BG=
    grep -q 'peer did not return a certificate' "$SINK_DIR/s_server.out"
}

# In TLS 1.3 the client's handshake is over before the server has checked
# the client's certificate: its alert comes with the first read.
@test "a TLS 1.3 server's alert after the handshake: the alert is the reason, counted as a TLS failure" {
    start_tls_server -tls1_3 -Verify 1
    run --separate-stderr tsrc -A --smtps --json="$SINK_DIR/r.json" "unix:$SERVER_SOCK"
    [ "$status" -eq 0 ]
    [ "$stderr" = "$TLSSRC: warning: TLS error while reading server greeting: tlsv13 alert certificate required" ]
    [ "$(json "$SINK_DIR/r.json" "j['errors']['tls'], j['errors']['lost_connection']")" = "1 0" ]
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

@test "an endless 334 exchange is cut off with *, one line, and counted as given up" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH LOGIN' 'AUTH : reply 334 VXNlcm5hbWU6' 'line : reply 334 UGFzc3dvcmQ6'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH LOGIN: the server's 334 exchange does not end" ]
    sent_to_fake | grep -qx $'\\*\r'
    [ "$(auth_lines)" = "  auth        LOGIN: 1 attempts, 0 authenticated, 1 given up" ]
}

@test "a malformed 334 challenge: the exchange is cancelled with *, counted as given up" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH LOGIN' 'AUTH : reply 334 this is not base64!' 'line : reply 501 5.7.0 cancelled'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH LOGIN: malformed 334 challenge" ]
    [ "$(auth_lines)" = "  auth        LOGIN: 1 attempts, 0 authenticated, 1 given up" ]
    # RFC 4954 4: the client cancels with a line of "*"; no credential went out.
    [ "$(sent_to_fake | tr -d '\r' | sed -n '/^AUTH/,$p')" = $'AUTH LOGIN\n*' ]
}

# RFC 4954 4: a challenge line may be 12288 octets; a longer one is no
# challenge the client can answer, and the exchange is cancelled.
@test "a 334 challenge of 12000 octets is read whole; one beyond 12288 is given up" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH LOGIN' \
        'AUTH conn=1 : raw 334\x20; repeat 12000 A; raw \r\n' \
        'AUTH : raw 334\x20; repeat 13000 A; raw \r\n' \
        'line conn=1 nth=1 : reply 334 UGFzc3dvcmQ6' 'line conn=1 : reply 235 2.7.0 ok' \
        'line : reply 501 5.7.0 cancelled'
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(auth_lines)" = "  auth        LOGIN: 1 attempts, 1 authenticated" ]
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: AUTH LOGIN: malformed 334 challenge (longer than 12288 octets)" ]
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.2.in" | sed -n '/^AUTH/,$p')" = $'AUTH LOGIN\n*' ]
}

# RFC 4954 4: the AUTH command stays within SMTP's 512-octet command line
# (RFC 5321 4.5.3.1.4); an initial response that would make it longer
# goes on a line of its own after the server's empty 334, and such a line
# may be 12288 octets. (Postfix cuts an AUTH line at line_length_limit.)
@test "an initial response that does not fit a 512-octet AUTH line goes after an empty 334" {
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH PLAIN XOAUTH2' \
        'AUTH match="AUTH PLAIN " : reply 235 2.7.0 ok' 'AUTH match="AUTH XOAUTH2 " : reply 235 2.7.0 ok' \
        'AUTH : reply 334\x20' 'line : reply 235 2.7.0 ok'
    # "AUTH PLAIN " + base64("\0u\0" + 369 bytes) + CRLF is 509 octets: one line.
    head -c 369 /dev/zero | tr '\0' 'p' >"$SINK_DIR/pw"
    run tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    want=$(printf '\0u\0%s' "$(cat "$SINK_DIR/pw")" | base64 -w0)
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.1.in" | grep '^AUTH')" = "AUTH PLAIN $want" ]
    # One more byte makes 513: the response follows the empty 334.
    head -c 370 /dev/zero | tr '\0' 'p' >"$SINK_DIR/pw"
    run tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    want=$(printf '\0u\0%s' "$(cat "$SINK_DIR/pw")" | base64 -w0)
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.2.in" | sed -n '/^AUTH/,$p' | head -2)" = "AUTH PLAIN"$'\n'"$want" ]
    [ "$(auth_lines)" = "  auth        PLAIN: 1 attempts, 1 authenticated" ]
    # An OAuth token of 9192 bytes makes a response line of 12286 octets
    # with its CRLF: the largest that fits.
    head -c 9192 /dev/zero | tr '\0' 'k' >"$SINK_DIR/pw"
    run tsrc --auth-mech=XOAUTH2 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    want=$(printf 'user=u\001auth=Bearer %s\001\001' "$(cat "$SINK_DIR/pw")" | base64 -w0)
    [ "${#want}" -eq 12284 ]
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.3.in" | sed -n '/^AUTH/,$p' | head -2)" = "AUTH XOAUTH2"$'\n'"$want" ]
    [ "$(auth_lines)" = "  auth        XOAUTH2: 1 attempts, 1 authenticated" ]
    ! grep -q '^\*' "$FAKE_LOG"/conn.*.in
}

@test "credentials too long for a 12288-octet AUTH line: refused at startup, one line naming the limit" {
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH PLAIN LOGIN XOAUTH2' 'AUTH : reply 334\x20' 'line : reply 235 2.7.0 ok'
    head -c 9193 /dev/zero | tr '\0' 'k' >"$SINK_DIR/pw"
    run --separate-stderr tsrc --auth-mech=XOAUTH2 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: --auth-password-file=$SINK_DIR/pw: the credentials make an AUTH XOAUTH2 line of 12290 octets; RFC 4954 allows 12288" ]
    # Without --auth-mech, PLAIN (the longer of PLAIN and LOGIN) must fit.
    head -c 9211 /dev/zero | tr '\0' 'p' >"$SINK_DIR/pw"
    run --separate-stderr tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: --auth-password-file=$SINK_DIR/pw: the credentials make an AUTH PLAIN line of 12290 octets; RFC 4954 allows 12288" ]
    [ "$(accepted)" -eq 0 ]
    # The largest that fits is sent whole.
    head -c 9210 /dev/zero | tr '\0' 'p' >"$SINK_DIR/pw"
    run tsrc --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(tr -d '\r' <"$FAKE_LOG/conn.1.in" | sed -n '/^AUTH/,$p' | sed -n 2p | wc -c)" -eq 12285 ]
}

# The report's auth line says what each connection's AUTH came to: the
# mechanism used, attempts, "authenticated" for a 235 only, refusals with
# their codes; the JSON the same.
@test "the auth line: by the mechanism used, attempts, 235s, and refusals with their codes" {
    echo pw >"$SINK_DIR/pw"
    script 'EHLO conn=1 : reply 250-fakeserver\r\n250 AUTH PLAIN' \
        'EHLO : reply 250-fakeserver\r\n250 AUTH LOGIN' \
        'AUTH match=PLAIN : reply 235 2.7.0 ok' \
        'AUTH : reply 334 VXNlcm5hbWU6' 'line nth=1 : reply 334 UGFzc3dvcmQ6' \
        'line conn=2 : reply 535 5.7.8 no' 'line : reply 454 4.7.0 try later'
    run --separate-stderr tsrc -A -m 3 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext \
        --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(auth_lines)" = "  auth        PLAIN: 1 attempts, 1 authenticated
              LOGIN: 2 attempts, 0 authenticated, 2 refused (454: 1, 535: 1)" ]
    [ "$(json "$SINK_DIR/r.json" "json.dumps(j['auth'], sort_keys=True)")" = '{"mechanisms": {"LOGIN": {"attempts": 2, "authenticated": 0, "given_up": 0, "refused": 2, "refused_codes": {"454": 1, "535": 1}, "unanswered": 0}, "PLAIN": {"attempts": 1, "authenticated": 1, "given_up": 0, "refused": 0, "refused_codes": {}, "unanswered": 0}}, "not_tried": 0}' ]
    [ "$(json "$SINK_DIR/r.json" "j['messages']['sent'], j['messages']['failed'], j['latency_ms']['auth']['count']")" = "1 2 3" ]
}

@test "AUTH not offered: not tried, and the auth line says so" {
    echo pw >"$SINK_DIR/pw"
    script 'ehlo PIPELINING'
    run --separate-stderr tsrc -A -m 2 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext \
        --json="$SINK_DIR/r.json" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(auth_lines)" = "  auth        not tried on 2 connections" ]
    [ "$(json "$SINK_DIR/r.json" "j['auth']['not_tried'], j['auth']['mechanisms'], j['errors']['auth']")" = "2 {} 2" ]
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

# Once a process is not dumpable the kernel makes the files of its /proc
# entry root's: run as nobody, the parent's and its worker's status files
# are root's with AUTH, and nobody's without (the control). No
# core_pattern is involved.
@test "with AUTH the parent and the workers are not dumpable (their /proc files are root's)" {
    [ "$(id -u)" -eq 0 ] || skip "running the program as nobody needs root"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$TLSSRC" --version >/dev/null 2>&1 ||
        skip "nobody cannot run $TLSSRC here"
    echo pw >"$SINK_DIR/pw"
    chmod 0644 "$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH PLAIN' 'AUTH : reply 235 2.7.0 ok' 'MAIL : stall'
    # owners N [options]: the Nth run, stalled at MAIL; OWNERS: the uids
    # of its parent's and its worker's /proc entries.
    owners() {
        setpriv --reuid=65534 --regid=65534 --clear-groups "$TLSSRC" --timeout=20 "${@:2}" "$FAKE_ADDR" \
            >/dev/null 2>&1 &
        BG=$!
        wait_events ' MAIL' "$1"
        local w
        w=$(pgrep -P "$BG")
        [ -n "$w" ]
        OWNERS=$(stat -c %u "/proc/$BG/status" "/proc/$w/status" | tr '\n' ' ')
        kill -9 "$BG" "$w"
        wait "$BG" || true
        BG=
    }
    owners 1
    [ "$OWNERS" = "65534 65534 " ]
    owners 2 --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext
    [ "$OWNERS" = "0 0 " ]
}

# A core written under `ulimit -c unlimited` would hold the secret: none is
# written, whether a worker or the parent crashes. The control, a run
# without AUTH, shows this machine does write cores there.
@test "no secret in a core file: a worker or the parent killed by SIGSEGV leaves none" {
    pattern=$(cat /proc/sys/kernel/core_pattern)
    [[ "$pattern" != "|"* && "$pattern" != /* ]] || skip "cores are not written to the working directory here ($pattern)"
    secret="Core-$$-Secret-$RANDOM"
    printf '%s\n' "$secret" >"$SINK_DIR/pw"
    script 'EHLO : reply 250-fakeserver\r\n250 AUTH PLAIN' 'AUTH : reply 235 2.7.0 ok' 'MAIL : stall'
    mkdir "$SINK_DIR/cores"
    # crash N parent|worker [options]: the Nth run, stalled at MAIL, killed by SIGSEGV.
    crash() {
        local n=$1 who=$2 w
        shift 2
        (cd "$SINK_DIR/cores" && ulimit -c unlimited && exec "$TLSSRC" --timeout=20 "$@" "$FAKE_ADDR") >/dev/null 2>&1 &
        BG=$!
        wait_events ' MAIL' "$n"
        w=$(pgrep -P "$BG")
        [ -n "$w" ]
        if [ "$who" = parent ]; then kill -SEGV "$BG"; else kill -SEGV "$w"; fi
        wait "$BG" || true
        BG=
        for _ in $(seq 1 200); do
            [ -d "/proc/$w" ] || break
            sleep 0.05
        done
    }
    crash 1 worker
    ls "$SINK_DIR/cores" | grep -q '^core' || skip "no core file was written for the control run"
    rm -f "$SINK_DIR"/cores/*
    crash 2 worker --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext
    crash 3 parent --auth-user=u --auth-password-file="$SINK_DIR/pw" --auth-allow-plaintext
    [ -z "$(ls -A "$SINK_DIR/cores")" ]
    ! grep -rqaF "$secret" "$SINK_DIR/cores"
}

# --- BDAT --------------------------------------------------------------------------

@test "a BDAT reply that never comes: --timeout bounds the wait" {
    script 'ehlo CHUNKING' 'BDAT : noreply'
    t0=$(mono)
    run --separate-stderr tsrc --timeout=2 --bdat "$FAKE_ADDR"
    t1=$(mono)
    [ "$status" -eq 1 ]
    [ "$stderr" = "$TLSSRC: fatal: timeout while sending message" ]
    # Bounded: a --timeout of 2 s, and room for a loaded machine (no bound
    # would run into the test's limit of $RUN_LIMIT s).
    within "$t0" "$t1" 5
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
    bad "--auth-password-file=/nonexistent/pw: No such file or directory" --auth-user=u --auth-password-file=/nonexistent/pw
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
