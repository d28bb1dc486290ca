#!/usr/bin/env bats
# The wire, byte for byte: what smtp-sink received from this program and
# from the reference smtp-source (Postfix 3.7), for every option.
load helpers

setup() { start_sink; }
teardown() { common_teardown; }

# same ARGS...: runs the reference, then this program (--quiet), with ARGS
# against the same sink; their normalised dumps must be identical.
same() {
    have_ref || skip "no reference smtp-source at $REF"
    run ref "$@" "$SINK_ADDR"
    [ "$status" -eq 0 ] || { echo "reference failed: $output"; return 1; }
    normalize_dump >"$SINK_DIR/ref.dump"
    : >"$SINK_DUMP"
    run src --quiet "$@" "$SINK_ADDR"
    [ "$status" -eq 0 ] || { echo "ours failed: $output"; return 1; }
    normalize_dump >"$SINK_DIR/our.dump"
    [ -s "$SINK_DIR/our.dump" ]
    diff -u "$SINK_DIR/ref.dump" "$SINK_DIR/our.dump"
    : >"$SINK_DUMP"
}

@test "default message, one and several" {
    same -M vm
    same -M vm -m 3
}

@test "-r numbering as Postfix 3.7: n..2 prepended, the last plain" {
    same -M vm -r 3 -m 2
    same -M vm -r 2 -t 'a+@b.example'
}

@test "-N numbers every recipient of the run" {
    same -M vm -N -m 3
    same -M vm -N -r 2 -m 3
}

@test "-l payload layout at the line boundaries" {
    for n in 1 79 80 81 159 160 161 200 1000; do
        same -M vm -l "$n"
    done
}

@test "-F: dot-stuffing, CRLF, a last line without LF, empty lines, an empty file" {
    printf '.x\n..y\n.\nlast' >"$SINK_DIR/f1"
    printf 'abc\r\ndef\n' >"$SINK_DIR/f2"
    : >"$SINK_DIR/f3"
    printf 'line1\n\n' >"$SINK_DIR/f4"
    printf 'Subject: hi\n\nbody\n.\n' >"$SINK_DIR/f5"
    for f in f1 f2 f3 f4 f5; do
        same -M vm -F "$SINK_DIR/$f"
    done
    same -M vm -F "$SINK_DIR/f1" -r 2 -t 'a+@b.example'
}

@test "-S, -f, -t, -f ''" {
    same -M vm -S 'a subject'
    same -M vm -f sender@example.com -t rcpt@example.org
    same -M vm -f ''
}

@test "-o: no HELO, no headers; also with -F" {
    same -o -M vm
    same -o -M vm -F /etc/hostname
}

@test "-M: a name and an address literal" {
    same -M mail.example.com
    same -M '[192.0.2.1]'
    same -M '[ipv6:2001:db8::1]'
}

@test "-L: LMTP with several recipients" {
    stop_sink
    start_sink -L
    same -L -M vm -r 3 -m 2
}

@test "-d: several messages on one connection" {
    same -d -M vm -m 5
    same -d -M vm -m 3 -r 2 -S x
}

@test "a unix-domain socket" {
    stop_sink
    start_sink_unix
    same -M vm -m 2
}

@test "-c prints the reference's counter bytes" {
    have_ref || skip "no reference smtp-source"
    [ "$("$REF" -c -m 3 -s 2 "$SINK_ADDR" | od -An -c)" = "$("$SRC" --quiet -c -m 3 -s 2 "$SINK_ADDR" | od -An -c)" ]
}

@test "the same bytes from a second run (no hidden state): default dump, exactly" {
    run src --quiet -M vm -m 2 -S s "$SINK_ADDR"
    [ "$status" -eq 0 ]
    normalize_dump >"$SINK_DIR/expected"
    printf 'X-Client-Addr: 127.0.0.1\nX-Client-Proto: SMTP\nX-Helo-Args: vm\nX-Mail-Args: <foo@vm>\nX-Rcpt-Args: <foo@vm>\nReceived: from vm ([127.0.0.1])\n\tby smtp-sink (smtp-sink) with SMTP id ID;\n\tDATE\nFrom: <foo@vm>\nTo: <foo@vm>\nDate: DATE\nMessage-Id: <ID@vm>\nSubject: s\n\nLa de da de da 1.\nLa de da de da 2.\nLa de da de da 3.\nLa de da de da 4.\n\n' >"$SINK_DIR/one"
    cat "$SINK_DIR/one" "$SINK_DIR/one" | cmp - "$SINK_DIR/expected"
}

@test "exactly -m messages arrive, whatever the number of workers" {
    run src -s 7 -m 50 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 50 ]
    [[ "$output" == *"50 requested, 50 sent, 0 failed"* ]]
    assert_no_workers
}

@test "-N numbers are unique and consecutive per transaction across 4 workers" {
    run src --quiet -N -r 3 -s 4 -m 40 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    # All of 1..120 once each.
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 120 | tr '\n' ' ')" ]
    # Within each transaction: n, n+1, n+2.
    awk '/^X-Client-Addr/ { k = 0 } /^X-Rcpt-Args/ { sub(/^X-Rcpt-Args: </, ""); n = $0 + 0; if (k && n != prev + 1) bad = 1; prev = n; k++ } END { exit bad }' "$SINK_DUMP"
}

@test "-d -s 3 -m 30: 30 messages over at most 3 connections" {
    run src -d -s 3 -m 30 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 30 ]
    # At most one connection per worker (a worker that starts late may
    # find every slot taken and never connect).
    [[ "$output" =~ sessions\ +3,\ ([123])\ connections ]]
}

@test "Message-Id is unique across workers and messages" {
    run src --quiet -s 4 -m 40 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^Message-Id: ' "$SINK_DUMP")" -eq 40 ]
    [ "$(grep '^Message-Id: ' "$SINK_DUMP" | sort -u | wc -l)" -eq 40 ]
}

@test "-4, inet: and [address]:port forms reach the sink" {
    run src --quiet -4 -m 1 "inet:$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src --quiet -m 1 "[127.0.0.1]:$SINK_PORT"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 2 ]
}

@test "IPv6 loopback, when available" {
    stop_sink
    port=$((20000 + RANDOM % 10000))
    # shellcheck disable=SC2046
    "$SINK" $(sink_user_args) -D "$SINK_DIR/dump6" "[::1]:$port" 16 >/dev/null 2>&1 &
    SINK_PID=$!
    ok=""
    wait_listening "$port" "$SINK_PID" && ok=1
    [ -n "$ok" ] || skip "no IPv6 loopback here"
    run src --quiet -6 -m 2 "[::1]:$port"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^X-Client-Addr: ipv6:::1$' "$SINK_DIR/dump6")" -eq 2 ]
}

@test "-v shows each command and reply line" {
    run src --quiet -v -M vm "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$SRC: <<< 220 smtp-sink ESMTP" ]
    [ "${lines[1]}" = "$SRC: HELO vm" ]
    [[ "$output" == *"$SRC: MAIL FROM:<foo@vm>
$SRC: <<< 250 2.1.0 Ok
$SRC: RCPT TO:<foo@vm>
$SRC: <<< 250 2.1.5 Ok
$SRC: DATA
$SRC: <<< 354 End data with <CR><LF>.<CR><LF>
$SRC: .
$SRC: <<< 250 2.0.0 Ok
$SRC: QUIT
$SRC: <<< 221 Bye" ]]
}

@test "-T, -w, -R and -C with a working server still deliver" {
    run src --quiet -T 4096 -m 2 -l 100000 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src --quiet -w 1 -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src --quiet -R 1 -m 2 -d "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src --quiet -C 2 -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 8 ]
}

@test "-s 20 -m 60000 without -d: new connections do not run out of ports" {
    stop_sink
    start_sink -m 64
    run src -s 20 -m 60000 --timeout 30 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"60000 requested, 60000 sent, 0 failed"* ]]
    [[ "$output" == *"60000 connections"* ]]
    assert_no_workers
}
