#!/usr/bin/env bats
# The real mail servers of tests/mailservers.sh (a private Postfix and a
# private Dovecot), checked with the tools there are today: the reference
# smtp-source, openssl s_client and bash's /dev/tcp. Both servers start
# once for the file and are stopped in teardown_file, which fails loudly if
# any process of theirs is left.

load helpers
. "$TOP/tests/mailservers.sh"

setup_file() {
    MS_ROOT=$(mktemp -d /tmp/smtp-source-mail.XXXXXX)
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
            echo "MAIL SERVER PROCESSES LEFT BEHIND under $MS_ROOT (listed above)" >&2
            rc=1
        fi
        # The dir is passed in the environment: on awk's command line it
        # would find awk itself.
        if ps -eo stat=,args= | D="$MS_ROOT/" awk '$1 !~ /^Z/ && index($0, ENVIRON["D"])' | grep . >&2; then
            echo "processes naming $MS_ROOT still run (listed above)" >&2
            rc=1
        fi
        [ "$rc" -ne 0 ] || rm -rf "$MS_ROOT"
    fi
    return "$rc"
}

teardown() {
    # Only the test that starts a second pair sets AGAIN (its own MX_DIR
    # and DOVECOT_DIR): stop that pair also when the test failed.
    if [ -n "${AGAIN:-}" ]; then
        mx_stop
        dovecot_stop
    fi
}

# Fails if the command succeeds (a bare "! command" does not fail a test).
refute() { if "$@"; then return 1; fi; }

# The reply lines of the last "run" session, without their CRs.
replies() { printf '%s\n' "${lines[@]}" | tr -d '\r'; }

# The files in MX_MAILDIR delivered to address $1.
delivered_to() {
    grep -lxF "Delivered-To: $1" "$MX_MAILDIR"/new/* 2>/dev/null || true
}

# The queue ids logged as delivered to address $1.
sent_ids_for() {
    grep -F " to=<$1>, " "$MX_LOG" | grep ' status=sent ' |
        sed -E 's#^.*/virtual\[[0-9]+\]: ([0-9A-Za-z]+): .*#\1#' | sort -u
}

@test "plain SMTP: smtp-source -m 5 is queued 5 times and delivered byte for byte" {
    local before ids f msg=$MS_ROOT/plain.msg
    printf 'Subject: harness\n\nfirst line\n.leading dot\n\nlast line\n' >"$msg"
    before=$(mx_delivered)
    run ref -m 5 -F "$msg" -f sender@example.test -t plain@example.test "$MX_SMTP"
    [ "$status" -eq 0 ]
    mx_wait_delivered $((before + 5))

    ids=$(sent_ids_for plain@example.test)
    [ "$(wc -l <<<"$ids")" -eq 5 ]
    # Each is one of the messages queued, as the log tells them.
    for id in $ids; do mx_queue_ids | grep -qx "$id"; done

    # The message as sent (the file, plus the empty line smtp-source adds),
    # after the lines Postfix prepends; dot-stuffing undone.
    printf '\n' >>"$msg"
    [ "$(delivered_to plain@example.test | wc -l)" -eq 5 ]
    for f in $(delivered_to plain@example.test); do
        tail -c "$(stat -c %s "$msg")" "$f" | cmp - "$msg"
        head -n 1 "$f" | grep -qx 'Return-Path: <sender@example.test>'
    done
}

@test "LMTP: smtp-source -L -r 3 is delivered to three mailboxes" {
    local before
    before=$(dovecot_delivered)
    run ref -L -r 3 -f sender@example.test -t lmtp@example.test "$DOVECOT_LMTP"
    [ "$status" -eq 0 ]
    dovecot_wait_delivered $((before + 3))
    [ "$(dovecot_delivered)" -eq $((before + 3)) ]
    # Three recipients, each with a Maildir of its own holding the message.
    run find "$DOVECOT_MAILDIR" -path '*lmtp@example.test/new/*' -type f
    [ "${#lines[@]}" -eq 3 ]
    [ "$(printf '%s\n' "${lines[@]}" | sed 's#/new/.*##' | sort -u | wc -l)" -eq 3 ]
    grep -qx 'La de da de da 1.' "${lines[0]}"
    [ "$(grep -c 'saved mail to INBOX' "$DOVECOT_LOG")" -ge 3 ]
}

@test "STARTTLS: offered in EHLO; the certificate is mx.test's; the session is logged" {
    local before
    run ms_plain_session "$MX_SMTP" <<<$'EHLO client.test\nQUIT'
    [ "$status" -eq 0 ]
    [ "$(replies | head -n 1)" = "220 mx.test ESMTP" ]
    replies | grep -qx '250-STARTTLS'
    replies | grep -qx '250-PIPELINING'
    replies | grep -qx '250-SMTPUTF8'
    replies | grep -qx '250 CHUNKING'
    refute grep -q AUTH < <(replies)

    before=$(mx_tls_lines | grep -c ' mx/smtpd\[' || true)
    run timeout 30 openssl s_client -starttls smtp -connect "$MX_SMTP" -CAfile "$MX_CERT" \
        -verify_return_error -verify_hostname mx.test </dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *"subject=CN = mx.test"* ]]
    [[ "$output" == *"Verify return code: 0 (ok)"* ]]
    mx_wait_log ' mx/smtpd\[[0-9]+\]: .*TLS connection established from ' $((before + 1))
}

@test "SMTPS: wrapper mode answers 220 after the handshake" {
    run ms_tls_session "$MX_SMTPS" <<<$'EHLO client.test\nQUIT'
    [ "$status" -eq 0 ]
    [ "$(replies | head -n 1)" = "220 mx.test ESMTP" ]
    replies | grep -qx '250-AUTH PLAIN LOGIN'
    refute grep -q STARTTLS < <(replies)
    [ "$(replies | tail -n 1)" = "221 2.0.0 Bye" ]
    mx_wait_log ' mx/smtps/smtpd\[[0-9]+\]: .*TLS connection established from ' 1
}

@test "submission: no AUTH and no mail before STARTTLS" {
    run ms_plain_session "$MX_SUBMISSION" <<<$'EHLO client.test\nMAIL FROM:<a@example.test>\nQUIT'
    [ "$status" -eq 0 ]
    replies | grep -qx '250-STARTTLS'
    refute grep -q AUTH < <(replies)
    replies | grep -q '^530 5.7.0 Must issue a STARTTLS command first'
}

@test "submission: AUTH PLAIN and LOGIN with the password are accepted and logged" {
    local pw
    pw=$(<"$DOVECOT_PASSWORD_FILE")
    run ms_tls_session "$MX_SUBMISSION" -starttls smtp <<EOF
EHLO client.test
AUTH PLAIN $(ms_auth_plain "$DOVECOT_USER" "$pw")
MAIL FROM:<$DOVECOT_USER>
RCPT TO:<submitted@example.test>
DATA
Subject: submitted

by an authenticated client
.
QUIT
EOF
    [ "$status" -eq 0 ]
    replies | grep -qx '250-AUTH PLAIN LOGIN'
    replies | grep -qx '235 2.7.0 Authentication successful'
    replies | grep -q '^250 2.0.0 Ok: queued as '
    mx_wait_log " mx/submission/smtpd\\[[0-9]+\\]: .*sasl_method=PLAIN, sasl_username=$DOVECOT_USER\$" 1
    mx_sasl_lines | grep -q "sasl_username=$DOVECOT_USER"

    run ms_tls_session "$MX_SUBMISSION" -starttls smtp <<EOF
EHLO client.test
AUTH LOGIN
$(printf '%s' "$DOVECOT_USER" | base64 -w0)
$(printf '%s' "$pw" | base64 -w0)
QUIT
EOF
    [ "$status" -eq 0 ]
    replies | grep -qx '334 VXNlcm5hbWU6'
    replies | grep -qx '334 UGFzc3dvcmQ6'
    replies | grep -qx '235 2.7.0 Authentication successful'
}

@test "submission: a wrong password gets 535 and no recipient is taken" {
    run ms_tls_session "$MX_SUBMISSION" -starttls smtp <<EOF
EHLO client.test
AUTH PLAIN $(ms_auth_plain "$DOVECOT_USER" wrong-password)
MAIL FROM:<a@example.test>
RCPT TO:<refused@example.test>
QUIT
EOF
    [ "$status" -eq 0 ]
    replies | grep -q '^535 5.7.8 Error: authentication failed'
    replies | grep -q '^554 5.7.1 <refused@example.test>: Recipient address rejected'
    refute grep -q '^235' < <(replies)
    mx_wait_log ' mx/submission/smtpd\[[0-9]+\]: .*SASL PLAIN authentication failed' 1
}

@test "SMTPUTF8: a UTF-8 recipient is accepted and delivered" {
    local before f
    before=$(mx_delivered)
    run ms_tls_session "$MX_SMTP" -starttls smtp <<'EOF'
EHLO client.test
MAIL FROM:<a@example.test> SMTPUTF8
RCPT TO:<ü@example.test>
DATA
Subject: ü

grüße
.
QUIT
EOF
    [ "$status" -eq 0 ]
    replies | grep -q '^250 2.0.0 Ok: queued as '
    mx_wait_delivered $((before + 1))
    f=$(delivered_to 'ü@example.test')
    [ -n "$f" ]
    [ "$(tail -n 3 "$f")" = $'Subject: ü\n\ngrüße' ]
    grep -q ' with UTF8SMTPS id ' "$f"
}

@test "CHUNKING: BDAT is accepted and counted in smtpd's disconnect line" {
    local before
    before=$(mx_disconnect_lines | grep -c ' bdat=1 ' || true)
    # "Subject: bdat\r\n\r\nchunk\r\n" is 24 bytes.
    run ms_plain_session "$MX_SMTP" <<'EOF'
EHLO client.test
MAIL FROM:<a@example.test>
RCPT TO:<bdat@example.test>
BDAT 24 LAST
Subject: bdat

chunk
QUIT
EOF
    [ "$status" -eq 0 ]
    replies | grep -q '^250 2.0.0 Ok: 24 bytes queued as '
    mx_wait_log ' mx/smtpd\[[0-9]+\]: disconnect from .* ehlo=1 mail=1 rcpt=1 bdat=1 quit=1 commands=5$' $((before + 1))
}

@test "a second pair starts beside the first, stops twice, and leaves no process" {
    local dir=$MS_ROOT/again first=$MX_SMTP
    AGAIN=1
    dovecot_start "$dir/dovecot"
    mx_start "$dir/mx"
    [ "$MX_SMTP" != "$first" ]
    run ms_plain_session "$MX_SMTP" <<<'QUIT'
    [ "$(replies | head -n 1)" = "220 mx.test ESMTP" ]
    refute ms_leftovers "$dir" >/dev/null

    mx_stop
    dovecot_stop
    run ms_leftovers "$dir"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run ps -eo stat=,args=
    refute grep -q . < <(replies | D="$dir/" awk '$1 !~ /^Z/ && index($0, ENVIRON["D"])')
    # Stopping again, or what never started, is harmless.
    mx_stop
    dovecot_stop
    MX_DIR=$dir/never mx_stop
    DOVECOT_DIR=$dir/never dovecot_stop
    # The first pair still serves.
    run ms_plain_session "$first" <<<'QUIT'
    [ "$(replies | head -n 1)" = "220 mx.test ESMTP" ]
}
