#!/usr/bin/env bats
# The whole conversation, byte for byte, against the reference smtp-source
# (Postfix 3.7). Both programs, given the same options, talk to the same
# smtp-sink through tests/recorder.c, which keeps every byte each way, per
# connection, and whether the client ended it with a reset or a FIN.
# Compared: every command (case, spacing, RSET and QUIT included), the
# message content, the server's replies, the number of connections and how
# each was closed, the exit status, stdout byte for byte and stderr (with
# the program name made the same). smtp-sink's dump is compared too, as a
# second view.
#
# Masked, because it must differ: the Date: value (its shape is checked:
# the reference pads the day with a space, this program with a zero, SPEC
# 5.1; the zone part is compared) and the Message-Id's PID field. With one
# session the Message-Id's fd and count fields must be the reference's:
# the socket's descriptor (3 in both) and the messages not yet claimed. With
# several sessions the reference's one event loop holds several sockets
# and counts messages as sessions start, this program's workers do not, so
# those two fields are masked there (their %04x shape is still checked).
load helpers

teardown() { common_teardown; }

# --- running both and comparing ------------------------------------------

# restart_sink [smtp-sink options...]: (re)starts the sink with these
# options, and the recorder in front of it. `same` starts a plain one if
# the test has not.
restart_sink() {
    stop_recorder
    stop_sink
    start_sink "$@"
    start_recorder "$SINK_ADDR"
}

# The unix-socket sink with the recorder listening on a unix socket too.
restart_sink_unix() {
    stop_recorder
    stop_sink
    start_sink_unix "$@"
    start_recorder "$SINK_ADDR" -u "$SINK_DIR/rec.sock"
}

# has_arg WORD ARGS...: is WORD one of ARGS?
has_arg() {
    local w=$1 a
    shift
    for a in "$@"; do [ "$a" = "$w" ] && return 0; done
    return 1
}

# The Date: and Message-Id: shapes, per program (SPEC 5.1): sed EREs
# matching the whole line, its CR included.
HEX4='(0[0-9a-f]{3}|[1-9a-f][0-9a-f]{3,7})'
DATE_REST=' (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [-+][0-9]{4} \([^)]*\)\r$'
DATE_OURS="^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9]$DATE_REST"
DATE_REF="^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), ( [1-9]|[1-3][0-9])$DATE_REST"
MSGID="^Message-Id: <$HEX4\\.$HEX4\\.$HEX4@[^>]*>\\r\$"

# slurp VAR FILE: FILE's exact contents in VAR, without a process.
slurp() { IFS= read -r -d '' "$1" <"$2" || true; }

# render MODE DATE_SHAPE RAW: the recorded conversations in RAW, each byte
# as sed's `l` shows it (CR as \r, a line's end as $). Unless DATE_SHAPE is
# empty (no generated headers), every Date: and Message-Id: header must
# have its shape (else the line is marked BADSHAPE), and their values are
# masked. MODE:
#   ordered       the connections in the order they were accepted;
#   sessions      each connection's transcript as one unit, the units
#                 sorted (sessions interleave);
#   transactions  the client's transactions (MAIL to the end of data) as
#                 units, sorted: with -d and several sessions, how the
#                 messages are shared out over connections is timing.
render() {
    local mode=$1 date=$2 raw=$3 id='\1PID.\3.\4\5'
    local -a sub=()
    [ "$mode" = ordered ] || id='\1PID.FD.COUNT\5'
    if [ -n "$date" ]; then
        sub=(-e "/^Date: /{ /$date/!s/^/BADSHAPE /; }"
            -e "/^Message-Id: /{ /$MSGID/!s/^/BADSHAPE /; }"
            -e 's/^(Date: )[A-Z][a-z]{2}, [ 0-9][0-9] [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} ([-+][0-9]{4} \([^)]*\))\r$/\1DATE \2\r/'
            -e "s/^(Message-Id: <)([0-9a-f]+)\\.([0-9a-f]+)\\.([0-9a-f]+)(@[^>]*>)\\r\$/$id\\r/")
    fi
    case $mode in
        ordered) sed -nE "${sub[@]}" -e 'l 0' "$raw" ;;
        sessions)
            sed -nE "${sub[@]}" -e 'l 0' "$raw" \
                | awk '/^=== connection/ && NR > 1 { printf "\n" } { printf "%s\037", $0 } END { printf "\n" }' \
                | LC_ALL=C sort | tr '\037' '\n' ;;
        transactions)
            sed -nE "${sub[@]}" -e 'l 0' "$raw" \
                | awk 'function flush() { if (u != "" && u !~ /^(HELO |LHLO |QUIT)/) print u; u = "" }
                       /^=== server\$$/ { skip = 1; next }
                       /^=== connection/ { flush(); skip = 0; next }
                       skip { next }
                       /^(MAIL FROM:|HELO |LHLO |QUIT\\r\$)/ { flush() }
                       { u = u $0 "\037" }
                       END { flush() }' \
                | LC_ALL=C sort | tr '\037' '\n' ;;
    esac
}

# norm_err PROGRAM FILE [ref]: FILE (stderr) with "PROGRAM: " written
# "PROG: "; with a third argument (the reference), without its library's
# trace lines under -v (SPEC 7). A missing newline at the end is kept
# missing.
norm_err() {
    local prog=$1 line out="" nl
    local trace='^PROG: (name_mask: |smtp_stream_setup: |vstream_tweak_tcp: |fd=[0-9]+: stream buffer size |smtp_get: EOF$)'
    while nl=$'\n'; IFS= read -r line || { nl=""; [ -n "$line" ]; }; do
        [[ "$line" == "$prog: "* ]] && line="PROG: ${line#"$prog: "}"
        if [ -n "${3:-}" ] && [[ "$line" =~ $trace ]]; then continue; fi
        out+=$line$nl
    done <"$2"
    printf '%s' "$out"
}

# capture NAME PROGRAM MODE DATE_SHAPE RUNNER ARGS...: runs RUNNER ARGS
# TARGET (TARGET is $SAME_TARGET, else the recorder), and keeps in
# $SINK_DIR: NAME.out (stdout), NAME.err (stderr, normalised), NAME.raw
# (the conversations one after the other, each with how it was closed),
# NAME.wire (NAME.raw rendered), NAME.dump (smtp-sink's dump,
# normalised). Sets NAME_status and NAME_conns (connections made).
capture() {
    local name=$1 prog=$2 mode=$3 date=$4 d=$SINK_DIR rc=0 n
    local -a files=()
    shift 4
    rec_settle || return 1
    # Emptied, never created here: smtp-sink (as nobody) appends to it.
    if [ -e "$SINK_DUMP" ]; then : >"$SINK_DUMP"; fi
    "$@" "${SAME_TARGET:-$REC_ADDR}" >"$d/$name.out" 2>"$d/$name.err0" || rc=$?
    printf -v "${name}_status" '%s' "$rc"
    rec_settle || return 1
    printf -v "${name}_conns" '%s' "${#REC_NEW[@]}"
    printf '\n=== server\n' >"$d/mid"
    printf '\n' >"$d/end"
    for n in "${REC_NEW[@]}"; do
        printf '=== connection, closed: %s\n' "${REC_END[$n]}" >"$d/head.$n"
        files+=("$d/head.$n" "$REC_DIR/$n.c2s" "$d/mid" "$REC_DIR/$n.s2c" "$d/end")
    done
    cat /dev/null "${files[@]}" >"$d/$name.raw"
    render "$mode" "$date" "$d/$name.raw" >"$d/$name.wire"
    norm_err "$prog" "$d/$name.err0" "${name#our}" >"$d/$name.err"
    if [ -e "$SINK_DUMP" ]; then normalize_dump >"$d/$name.dump"; else : >"$d/$name.dump"; fi
    if [ "$mode" != ordered ]; then
        LC_ALL=C sort -o "$d/$name.err" "$d/$name.err"
        LC_ALL=C sort -o "$d/$name.dump" "$d/$name.dump"
    fi
}

# same ARGS...: the reference with ARGS, then this program with --quiet and
# ARGS; everything listed at the top must be equal. Both must exit with
# $SAME_STATUS (default 0). With -s above 1 the connections are compared
# as a sorted set (with -d: the transactions); with -o or -F there are no
# generated headers to mask.
same() {
    have_ref || skip "no reference smtp-source at $REF"
    [ -n "${REC_PID:-}" ] || restart_sink
    local d=$SINK_DIR mode=ordered rdate=$DATE_REF odate=$DATE_OURS prev="" a f bad="" r o
    for a in "$@"; do
        if [ "$prev" = -s ] && [ "$a" -gt 1 ]; then mode=sessions; fi
        prev=$a
    done
    if [ "$mode" = sessions ] && has_arg -d "$@"; then mode=transactions; fi
    if has_arg -o "$@" || has_arg -F "$@"; then rdate="" odate=""; fi

    capture ref "$REF" "$mode" "$rdate" ref "$@" || return 1
    capture our "$SRC" "$mode" "$odate" src --quiet "$@" || return 1

    if [ "$ref_conns" -eq 0 ]; then
        echo "the reference made no connection with: $* (status $ref_status)"
        cat "$d/ref.err0" "$d/rec.err"
        return 1
    fi
    if [ "$ref_status" != "${SAME_STATUS:-0}" ] || [ "$our_status" != "${SAME_STATUS:-0}" ]; then
        echo "exit status: reference $ref_status, ours $our_status, expected ${SAME_STATUS:-0}"
        bad=1
    fi
    if [ "$mode" != transactions ] && [ "$ref_conns" != "$our_conns" ]; then
        echo "connections: reference $ref_conns, ours $our_conns"
        bad=1
    fi
    slurp r "$d/ref.out"
    slurp o "$d/our.out"
    if [ "$r" != "$o" ]; then
        echo "stdout differs:"
        diff -u --label reference --label ours <(od -c "$d/ref.out") <(od -c "$d/our.out") || true
        bad=1
    fi
    for f in err wire dump; do
        slurp r "$d/ref.$f"
        slurp o "$d/our.$f"
        if [ "$f" = wire ] && [[ "$r$o" == *BADSHAPE* ]]; then
            echo "headers of the wrong shape:"
            grep -h BADSHAPE "$d/ref.wire" "$d/our.wire" || true
            bad=1
        fi
        if [ "$r" != "$o" ]; then
            diff -u --label "reference $f" --label "our $f" "$d/ref.$f" "$d/our.$f" || true
            bad=1
        fi
    done
    if [ -n "$bad" ]; then
        echo "(with: $*)"
        return 1
    fi
}

# id_fields NAME: the Message-Id fields "FD.COUNT" that NAME (ref or our)
# sent in the last comparison, in order.
id_fields() {
    sed -nE 's/^Message-Id: <[0-9a-f]+\.([0-9a-f]+\.[0-9a-f]+)@.*/\1/p' "$SINK_DIR/$1.raw" | tr '\n' ' '
}

# =============================================================================
# 0. The recorder itself
# =============================================================================

@test "the recorder: every byte both ways, a half-close passed on, a reset's last bytes kept" {
    command -v python3 >/dev/null || skip "python3 is needed"
    ensure_sink_dir
    run timeout 30 python3 - "$REC" "$SINK_DIR/r" <<'EOF'
import os, socket, struct, subprocess, sys, time
rec, d = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
p = subprocess.Popen([rec, "127.0.0.1:%d" % srv.getsockname()[1], d + ".port", d])
while not os.path.exists(d + ".port"):
    time.sleep(0.01)
addr = ("127.0.0.1", int(open(d + ".port").read()))
def drain(s):
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return got
            got += b
    except ConnectionResetError:
        return got
blob = bytes(range(256)) * 800 + b"\r\n.\r\n"
# 1: the client half-closes; the server answers after the end of stream.
c = socket.create_connection(addr)
s, _ = srv.accept()
c.sendall(blob)
c.shutdown(socket.SHUT_WR)
assert drain(s) == blob
s.sendall(b"221 " + blob)
s.close()
assert drain(c) == b"221 " + blob
c.close()
# 2: the client writes and resets at once (small writes, which leave
# at once: a reset discards what the client's kernel has not yet sent).
c = socket.create_connection(addr)
s, _ = srv.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.sendall(b"QUIT\r\n")
c.sendall(blob[:1000])
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
drain(s)
for _ in range(1000):
    if open(d + "/events").read().count(" closed ") == 2:
        break
    time.sleep(0.01)
print(open(d + "/events").read(), end="")
assert open(d + "/1.c2s", "rb").read() == blob
assert open(d + "/1.s2c", "rb").read() == b"221 " + blob
assert open(d + "/2.c2s", "rb").read() == b"QUIT\r\n" + blob[:1000]
assert open(d + "/2.s2c", "rb").read() == b""
p.terminate()
assert p.wait() == 0
print("ok")
EOF
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "$output" = "1 open
1 closed client-eof
2 open
2 closed client-reset
ok" ]
}

# =============================================================================
# 1. Side by side with the reference, through the recorder
# =============================================================================

@test "no options at all (hostname from the system)" {
    same
}

@test "-M: a name and address literals" {
    same -M vm
    same -M mail.example.com
    same -M '[192.0.2.1]'
    same -M '[ipv6:2001:db8::1]'
}

# The fd field is the socket's descriptor number: the lowest free one, 3
# from a shell, 5 here (Bats keeps 3 and 4 open); the same in both.
@test "-m 3: a connection each; Message-Id fd as the reference's, count 2, 1, 0 (-s 1)" {
    same -M vm -m 3
    [ "$our_conns" -eq 3 ]
    fd=$(id_fields ref | cut -c1-4)
    [ "$(id_fields our)" = "$fd.0002 $fd.0001 $fd.0000 " ]
}

@test "-d: several messages on one connection, no RSET between them" {
    same -d -M vm -m 5
    [ "$our_conns" -eq 1 ]
    fd=$(id_fields ref | cut -c1-4)
    [ "$(id_fields our)" = "$fd.0004 $fd.0003 $fd.0002 $fd.0001 $fd.0000 " ]
    same -d -M vm -m 3 -r 2 -S x
}

@test "-r numbering as Postfix 3.7: n..2 prepended, the last plain" {
    same -M vm -r 3
    same -M vm -r 3 -m 2
    same -M vm -r 2 -t 'a+@b.example'
    same -M vm -r 12
}

@test "-N numbers every recipient of the run" {
    same -M vm -N -m 3
    same -M vm -N -r 2 -m 3
    same -M vm -N -r 11 -m 2 -d
}

@test "-l payload layout at the line boundaries" {
    for n in 1 79 80 81 159 160 161 200 1000; do
        same -M vm -l "$n"
    done
}

@test "-F: dot-stuffing, CRLF, a last line without LF, empty lines, an empty file" {
    ensure_sink_dir
    printf '.x\n..y\n.\nlast' >"$SINK_DIR/f1"
    printf 'abc\r\ndef\n' >"$SINK_DIR/f2"
    : >"$SINK_DIR/f3"
    printf 'line1\n\n' >"$SINK_DIR/f4"
    printf 'Subject: hi\nDate: today\n\nbody\n.\n' >"$SINK_DIR/f5"
    for f in f1 f2 f3 f4 f5; do
        same -M vm -F "$SINK_DIR/$f"
    done
    same -M vm -F "$SINK_DIR/f1" -r 2 -t 'a+@b.example' -d -m 2
}

@test "-S, -f, -t: plain, empty, with spaces and 8-bit bytes" {
    same -M vm -S 'a subject'
    same -M vm -S ''
    same -M vm -f sender@example.com -t rcpt@example.org
    same -M vm -f ''
    same -M vm -t '' -r 2
    same -M vm -f 'a b@example.com' -t 'c d@example.org' -r 2
    same -M vm -S "$(printf 'caf\303\251 \tx')"
}

@test "-o: no HELO, no headers; also with -F, -l and -f" {
    same -o -M vm
    same -o -M vm -F /etc/hostname
    same -o -M vm -l 100
    same -o -M vm -f someone@example.com -d -m 2
}

@test "-L: LMTP, LHLO, one end-of-data reply per recipient" {
    restart_sink -L
    same -L -M vm -r 3 -m 2
    same -L -M vm -N -r 2 -d -m 2
    same -L -M vm -c -r 3 -m 2
    same -L -o -M vm
}

@test "-c: the counter's bytes on stdout exactly" {
    same -M vm -c -d -m 4
    same -M vm -c
    same -M vm -c -m 3 -s 2
    printf '1\r2\r3\r\n' | cmp - "$SINK_DIR/our.out"
}

@test "-v: the commands and reply lines on stderr, as the reference's" {
    same -M vm -v -r 2 -d -m 2
    # Not a vacuous comparison: 25 protocol lines.
    [ "$(grep -c '^PROG: ' "$SINK_DIR/our.err")" -eq 25 ]
    same -M vm -v -L -o
}

@test "-s: several sessions, the same set of conversations" {
    same -M vm -s 3 -m 6
    [ "$our_conns" -eq 6 ]
    same -M vm -s 2 -m 4 -r 2
    # Fewer messages than sessions: as many connections as messages.
    same -M vm -s 4 -m 2
    [ "$our_conns" -eq 2 ]
}

@test "-d -s 3 -m 9: the same transactions, over at most 3 connections" {
    same -M vm -d -s 3 -m 9 -N
    [ "$our_conns" -le 3 ]
    [ "$(grep -c 'MAIL FROM:' "$SINK_DIR/our.wire")" -eq 9 ]
}

@test "-4: 127.0.0.1, localhost, inet: and the [address]:port forms" {
    restart_sink
    port=${REC_ADDR##*:}
    same -4 -M vm
    SAME_TARGET=localhost:$port same -4 -M vm
    SAME_TARGET=inet:127.0.0.1:$port same -M vm
    SAME_TARGET="[127.0.0.1]:$port" same -M vm
    SAME_TARGET="inet:[127.0.0.1]:$port" same -M vm
}

@test "-6: IPv6 loopback, when available" {
    have_ipv6 || skip "no IPv6 loopback here"
    start_sink
    start_recorder "$SINK_ADDR" -6
    port=${REC_ADDR##*:}
    same -6 -M vm -m 2
    SAME_TARGET="inet:[ipv6:::1]:$port" same -M vm
}

@test "unix: a unix-domain socket, through a unix-socket recorder" {
    restart_sink_unix
    same -M vm -m 2
    same -M vm -m 2 -d -r 2
    same -M vm -T 4096 -l 3000
}

@test "-T: small socket buffers, a large message" {
    same -M vm -T 4096 -l 100000
    same -M vm -T 4096 -m 2 -d
}

@test "-C 2 with a working server: one connection per message" {
    same -M vm -C 2 -m 3
    [ "$our_conns" -eq 3 ]
}

@test "-w and -R: delays between messages change nothing on the wire" {
    same -M vm -w 1 -m 2
    same -M vm -R 1 -m 2 -d
}

@test "-A, rejected recipients (5xx and 4xx): RSET instead of DATA" {
    restart_sink -f RCPT
    same -A -M vm -r 2 -m 2
    same -A -M vm -r 2 -m 2 -d
    grep -q '^RSET\\r\$$' "$SINK_DIR/our.wire"
    restart_sink -r RCPT
    same -A -M vm -m 2 -d
}

@test "-A, rejected MAIL (5xx and 4xx), DATA and end of data" {
    restart_sink -f MAIL
    same -A -M vm -m 2 -d
    restart_sink -r MAIL
    same -A -M vm -m 2 -d
    restart_sink -f DATA
    same -A -M vm -m 2 -d
    restart_sink -f .
    same -A -M vm -m 2 -d -r 2
}

@test "-A, rejected greeting, HELO and LHLO: the session goes on" {
    restart_sink -f CONNECT
    same -A -M vm -m 2
    restart_sink -f HELO
    same -A -M vm -m 2 -d
    restart_sink -L -f LHLO
    same -A -L -M vm -m 2
}

@test "-A, a rejected RSET: the session goes on" {
    restart_sink -f RCPT,RSET
    same -A -M vm -m 2 -d
}

@test "-A, 421 at HELO, MAIL, RCPT, DATA and end of data: closed without QUIT" {
    for c in HELO MAIL RCPT DATA .; do
        restart_sink -Q "$c"
        same -A -M vm -m 2 -d
        [ "$our_conns" -eq 2 ]
    done
}

@test "-A -L: every end of data rejected, every recipient rejected" {
    restart_sink -L -f .
    same -A -L -M vm -m 2 -d -r 3
    restart_sink -L -f RCPT
    same -A -L -M vm -r 3 -m 2 -d
}

@test "-A -c counts only messages that reach the final dot" {
    restart_sink -f RCPT
    same -A -c -M vm -m 3
    restart_sink -f .
    same -A -c -M vm -m 3 -d
}

# The reference takes a second to exit on a fatal error, so these are a
# few of the phases (faults.bats has every phase's text).
@test "without -A: a rejection is fatal, with the reference's text" {
    for c in CONNECT RCPT .; do
        restart_sink -f "$c"
        SAME_STATUS=1 same -M vm -m 2 -d -v
    done
    restart_sink -r DATA
    SAME_STATUS=1 same -M vm -m 2
}

@test "a server that hangs up without a reply: fatal, named by phase" {
    for c in HELO MAIL DATA; do
        restart_sink -q "$c"
        SAME_STATUS=1 same -M vm -m 2 -d -v
    done
    restart_sink -L -q LHLO
    SAME_STATUS=1 same -L -M vm
}

# =============================================================================
# 2. Socket options, as the reference sets them
# =============================================================================

# sockopts FILE: the socket options set on the connecting socket and the
# connect itself, in order, from an strace log; this program's own time
# limits (SO_RCVTIMEO/SO_SNDTIMEO, for --timeout) left out.
sockopts() {
    sed -nE -e '/TIMEO/d' -e 's/^([0-9]+ +|\[pid +[0-9]+\] )?//' \
        -e 's/^setsockopt\([0-9]+, (SOL_SOCKET, SO_[A-Z_]+), ([^,]+|\{[^}]*\}), [0-9]+\).*/\1 \2/p' \
        -e 's/^connect\([0-9]+, \{sa_family=(AF_[A-Z0-9]+).*/connect \1/p' "$1"
}

@test "socket options: SO_LINGER 0, -T's buffers and SO_KEEPALIVE, as the reference" {
    have_ref || skip "no reference smtp-source at $REF"
    command -v strace >/dev/null || skip "strace is not installed"
    start_sink
    d=$SINK_DIR
    for t in "$SINK_ADDR" unix; do
        if [ "$t" = unix ]; then
            stop_sink
            start_sink_unix
            t=$SINK_ADDR
        fi
        for T in "" "-T 5000"; do
            # shellcheck disable=SC2086
            strace -f -o "$d/ref.st" -e trace=setsockopt,socket,connect "$REF" -M vm $T "$t"
            # (LeakSanitizer cannot run under ptrace.)
            # shellcheck disable=SC2086
            ASAN_OPTIONS=detect_leaks=0 strace -f -o "$d/our.st" -e trace=setsockopt,socket,connect \
                "$SRC" --quiet -M vm $T "$t"
            sockopts "$d/ref.st" >"$d/ref.so"
            sockopts "$d/our.st" >"$d/our.so"
            diff -u --label "reference ($t $T)" --label "ours ($t $T)" "$d/ref.so" "$d/our.so"
            grep -qx 'SOL_SOCKET, SO_LINGER {l_onoff=1, l_linger=0}' "$d/our.so"
            if [ -n "$T" ]; then
                grep -qx 'SOL_SOCKET, SO_SNDBUF \[5000\]' "$d/our.so"
                grep -qx 'SOL_SOCKET, SO_RCVBUF \[5000\]' "$d/our.so"
            fi
            case $t in
                unix:*) ! grep -q KEEPALIVE "$d/our.so" ;;
                *) grep -qx 'SOL_SOCKET, SO_KEEPALIVE \[1\]' "$d/our.so" ;;
            esac
            # Every option is set before the connect.
            [ "$(tail -1 "$d/our.so" | cut -d' ' -f1)" = connect ]
        done
    done
}

# =============================================================================
# 3. This program's own properties (no reference needed)
# =============================================================================

@test "the same bytes from a second run (no hidden state): default dump, exactly" {
    start_sink
    run src --quiet -M vm -m 2 -S s "$SINK_ADDR"
    [ "$status" -eq 0 ]
    normalize_dump >"$SINK_DIR/expected"
    printf 'X-Client-Addr: 127.0.0.1\nX-Client-Proto: SMTP\nX-Helo-Args: vm\nX-Mail-Args: <foo@vm>\nX-Rcpt-Args: <foo@vm>\nReceived: from vm ([127.0.0.1])\n\tby smtp-sink (smtp-sink) with SMTP id ID;\n\tDATE\nFrom: <foo@vm>\nTo: <foo@vm>\nDate: DATE\nMessage-Id: <ID@vm>\nSubject: s\n\nLa de da de da 1.\nLa de da de da 2.\nLa de da de da 3.\nLa de da de da 4.\n\n' >"$SINK_DIR/one"
    cat "$SINK_DIR/one" "$SINK_DIR/one" | cmp - "$SINK_DIR/expected"
}

@test "exactly -m messages arrive, whatever the number of workers" {
    start_sink
    run src -s 7 -m 50 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 50 ]
    [[ "$output" == *"50 requested, 50 sent, 0 failed"* ]]
    assert_no_workers
}

@test "-N numbers are unique and consecutive per transaction across 4 workers" {
    start_sink
    run src --quiet -N -r 3 -s 4 -m 40 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    # All of 1..120 once each.
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 120 | tr '\n' ' ')" ]
    # Within each transaction: n, n+1, n+2.
    awk '/^X-Client-Addr/ { k = 0 } /^X-Rcpt-Args/ { sub(/^X-Rcpt-Args: </, ""); n = $0 + 0; if (k && n != prev + 1) bad = 1; prev = n; k++ } END { exit bad }' "$SINK_DUMP"
}

@test "-d -s 3 -m 30: 30 messages over at most 3 connections" {
    start_sink
    run src -d -s 3 -m 30 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 30 ]
    # At most one connection per worker (a worker that starts late may
    # find every slot taken and never connect).
    [[ "$output" =~ sessions\ +3,\ ([123])\ connections ]]
}

@test "Message-Id is unique across workers and messages" {
    start_sink
    run src --quiet -s 4 -m 40 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^Message-Id: ' "$SINK_DUMP")" -eq 40 ]
    [ "$(grep '^Message-Id: ' "$SINK_DUMP" | sort -u | wc -l)" -eq 40 ]
}

@test "IPv6 loopback: the sink sees ::1, when available" {
    have_ipv6 || skip "no IPv6 loopback here"
    SINK_HOST='[::1]' start_sink
    run src --quiet -6 -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^X-Client-Addr: ipv6:::1$' "$SINK_DUMP")" -eq 2 ]
}

@test "-v shows each command and reply line" {
    start_sink
    run src --quiet -v -M vm "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$output" = "$SRC: <<< 220 smtp-sink ESMTP
$SRC: HELO vm
$SRC: <<< 250 smtp-sink
$SRC: MAIL FROM:<foo@vm>
$SRC: <<< 250 2.1.0 Ok
$SRC: RCPT TO:<foo@vm>
$SRC: <<< 250 2.1.5 Ok
$SRC: DATA
$SRC: <<< 354 End data with <CR><LF>.<CR><LF>
$SRC: .
$SRC: <<< 250 2.0.0 Ok
$SRC: QUIT
$SRC: <<< 221 Bye" ]
}

# More connections than there are ephemeral ports: a client whose closes
# left its ports in TIME_WAIT would run out (the reference resets).
@test "-s 20 without -d, more connections than ephemeral ports: none run out" {
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
    m=$((hi - lo + 1 + 2000))
    start_sink -m 64
    run src -s 20 -m "$m" --timeout=30 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$m requested, $m sent, 0 failed"* ]]
    [[ "$output" == *"$m connections"* ]]
    assert_no_workers
}
