# Shared helpers for the Bats suites: a real smtp-sink on a free loopback
# port (or a unix socket), its dump normalised for byte-exact comparison,
# the recording relay (tests/recorder.c) in front of it, background runs
# that teardown always stops, and checks that no smtp-source process of
# this test outlives it.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
SRC=${SRC:-$TOP/smtp-source}
REF=${REF:-/usr/sbin/smtp-source}
FAKE=${FAKE:-$TOP/build/fakeserver}
# The program built with its test hooks (see GNUmakefile: build/hooks).
HOOKED=${HOOKED:-$TOP/build/hooks/smtp-source}
# The program built with TLS (make tls: build/tls/smtp-source).
TLSSRC=${TLSSRC:-$TOP/build/tls/smtp-source}
REC=${REC:-$TOP/build/recorder}
# Tests run the program with a generous limit, so a hang fails the test
# instead of the whole suite.
RUN_LIMIT=${RUN_LIMIT:-60}

have_ref() { [ -x "$REF" ]; }

# Every process a test starts carries this tag in its environment, so that
# assert_no_workers looks at this test's processes only: other suites (or
# people) may run smtp-source on this machine at the same time. The test
# file is sourced afresh for each test, so each test has its own tag.
SMTP_SOURCE_TEST_TAG="bats-$BASHPID-$RANDOM$RANDOM"
export SMTP_SOURCE_TEST_TAG

# Is there an IPv6 loopback address here?
have_ipv6() {
    grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null
}

# A scratch directory smtp-sink can write to after dropping to nobody.
# ensure_sink_dir sets SINK_DIR in the calling shell (not in a $(...)
# subshell), so that every later $(sink_dir) names the same directory.
ensure_sink_dir() {
    if [ -z "${SINK_DIR:-}" ]; then
        SINK_DIR=$(mktemp -d /tmp/smtp-source-test.XXXXXX)
        chmod 0777 "$SINK_DIR"
    fi
}
sink_dir() {
    ensure_sink_dir
    echo "$SINK_DIR"
}

# sink_user_args, wait_listening, sink_start and sink_stop.
. "$TOP/tests/sink.sh"

# start_sink [smtp-sink options...]: starts smtp-sink with a dump file on a
# free loopback port (of $SINK_HOST: 127.0.0.1 unless set, e.g. to [::1]).
# Sets SINK_PORT, SINK_PID, SINK_DUMP, SINK_ADDR.
start_sink() {
    ensure_sink_dir
    SINK_DUMP=$SINK_DIR/dump
    SINK_LOG=$SINK_DIR/sink.out sink_start -D "$SINK_DUMP" "$@" || return 1
    SINK_ADDR=${SINK_HOST:-127.0.0.1}:$SINK_PORT
}

# start_sink_unix [smtp-sink options...]: the same on a unix socket.
start_sink_unix() {
    local dir i
    ensure_sink_dir
    dir=$SINK_DIR
    SINK_DUMP=$dir/dump
    SINK_SOCK=$dir/sink.sock
    # shellcheck disable=SC2046
    "$SINK" $(sink_user_args) -D "$SINK_DUMP" "$@" "unix:$SINK_SOCK" 256 \
        >"$dir/sink.out" 2>&1 &
    SINK_PID=$!
    for ((i = 0; i < 1000; i++)); do
        [ -S "$SINK_SOCK" ] && { SINK_ADDR=unix:$SINK_SOCK; return 0; }
        kill -0 "$SINK_PID" 2>/dev/null || break
        sleep 0.01
    done
    echo "could not start smtp-sink on $SINK_SOCK" >&2
    return 1
}

stop_sink() { sink_stop; }

# The dump with the parts that differ from run to run made constant:
# smtp-sink's queue id and time, the Date: and Message-Id: values.
normalize_dump() {
    sed -E \
        -e 's/(with [A-Z]+ id )[0-9a-f]+;/\1ID;/' \
        -e 's/^\t[A-Z][a-z]{2}, [ 0-9]?[0-9] [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4} \(.*\)$/\tDATE/' \
        -e 's/^Date: .*/Date: DATE/' \
        -e 's/^Message-Id: <[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+@/Message-Id: <ID@/' \
        "${1:-$SINK_DUMP}"
}

# Number of messages in the dump.
dump_count() {
    # (grep -c prints 0 and fails on an empty dump: one 0, not two.)
    local n
    n=$(grep -c '^X-Client-Addr: ' "${1:-$SINK_DUMP}" 2>/dev/null) || true
    echo "${n:-0}"
}

# Runs smtp-source with a time limit; use under `run`.
src() { timeout -k 5 "$RUN_LIMIT" "$SRC" "$@"; }
ref() { timeout -k 5 "$RUN_LIMIT" "$REF" "$@"; }

# The pids of the processes of this build of smtp-source that this test
# started (they carry its SMTP_SOURCE_TEST_TAG), one a line.
test_processes() {
    local exe p
    exe=$(readlink -f "$SRC")
    for p in $(find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$exe" 2>/dev/null); do
        p=${p%/exe}
        if grep -qzxF "SMTP_SOURCE_TEST_TAG=$SMTP_SOURCE_TEST_TAG" "$p/environ" 2>/dev/null; then
            echo "${p#/proc/}"
        fi
    done
}

# Fails if a process of this build of smtp-source that this test started
# is still alive (a worker left behind).
assert_no_workers() {
    local left
    left=$(test_processes)
    if [ -n "$left" ]; then
        echo "smtp-source processes left behind:" $left >&2
        ps -o pid,ppid,stat,args -p "$(echo $left | tr ' ' ,)" >&2 || true
        return 1
    fi
}

# bg_start COMMAND...: runs COMMAND in the background (redirect the call
# itself: bg_start "$SRC" ... >out 2>err) and sets BG_PID. Teardown stops
# whatever the test did not wait for, also when the test failed midway.
bg_start() {
    "$@" &
    BG_PID=$!
    BG_PIDS="${BG_PIDS:-} $BG_PID"
}

# Stops the background runs still going: SIGTERM (the program then stops
# its workers), SIGKILL after 5 s. Only this shell's own jobs are touched,
# never a pid that was already waited for and may have been reused.
stop_bg() {
    local p running i
    [ -n "${BG_PIDS:-}" ] || return 0
    running=" $(jobs -p | tr '\n' ' ') "
    for p in ${BG_PIDS:-}; do
        [[ "$running" == *" $p "* ]] || continue
        kill -TERM "$p" 2>/dev/null || continue
        for i in $(seq 1 100); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    BG_PIDS=
}

# start_recorder UPSTREAM [-6 | -u PATH]: the recording relay in front of
# UPSTREAM (e.g. $SINK_ADDR). Sets REC_PID, REC_ADDR (the target to give a
# client) and REC_DIR (the relay's logs: N.c2s, N.s2c, events).
start_recorder() {
    local up=$1 i
    shift
    ensure_sink_dir
    stop_recorder
    REC_N=$((${REC_N:-0} + 1))
    REC_DIR=$SINK_DIR/rec.$REC_N
    "$REC" "$@" "$up" "$REC_DIR/port" "$REC_DIR" 2>"$SINK_DIR/rec.err" &
    REC_PID=$!
    REC_SEEN=0
    for ((i = 0; i < 1000; i++)); do
        if [ -s "$REC_DIR/port" ]; then
            case "${1:-}" in
                -6) REC_ADDR="[::1]:$(<"$REC_DIR/port")" ;;
                -u) REC_ADDR="unix:$2" ;;
                *) REC_ADDR="127.0.0.1:$(<"$REC_DIR/port")" ;;
            esac
            return 0
        fi
        kill -0 "$REC_PID" 2>/dev/null || break
        sleep 0.01
    done
    echo "could not start the recorder: $(cat "$SINK_DIR/rec.err")" >&2
    return 1
}

stop_recorder() {
    if [ -n "${REC_PID:-}" ]; then
        kill "$REC_PID" 2>/dev/null || true
        wait "$REC_PID" 2>/dev/null || true
        REC_PID=
    fi
}

# rec_settle: waits (at most 10 s) until the recorder has closed every
# connection it accepted. Sets REC_NEW (an array) to the numbers of the
# connections accepted since the previous rec_settle, and REC_END[N] to how
# connection N was closed (client-reset, client-eof or server-reset). Once
# a client has exited, each of its connections was accepted (it had its
# greeting through the relay), so none can be missed. (Written without
# starting processes: the comparisons call it hundreds of times.)
rec_settle() {
    local i l opened closed
    local -a ev
    declare -gA REC_END
    for ((i = 0; i < 1000; i++)); do
        mapfile -t ev <"$REC_DIR/events"
        opened=0 closed=0
        for l in "${ev[@]}"; do
            case "$l" in
                *" open") opened=$((opened + 1)) ;;
                *" closed "*) closed=$((closed + 1)); REC_END[${l%% *}]=${l##* } ;;
            esac
        done
        if [ "$opened" -eq "$closed" ]; then
            REC_NEW=()
            for ((l = REC_SEEN + 1; l <= opened; l++)); do REC_NEW+=("$l"); done
            REC_SEEN=$opened
            return 0
        fi
        sleep 0.01
    done
    echo "recorder: $((opened - closed)) connection(s) never closed" >&2
    return 1
}

common_teardown() {
    stop_bg
    stop_recorder
    stop_sink
    stop_fake
    if [ -n "${SINK_DIR:-}" ]; then rm -rf "$SINK_DIR"; SINK_DIR=; fi
}

# Stops the fakeserver; it stops its children before it exits.
stop_fake() {
    if [ -n "${FAKE_PID:-}" ]; then
        kill "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
        FAKE_PID=
    fi
}

# start_fake MODE: the hostile server (tests/fakeserver.c) running one of
# its canned scripts on a port of the kernel's choice. Sets FAKE_PID and
# FAKE_ADDR.
start_fake() {
    ensure_sink_dir
    rm -f "$SINK_DIR/fake.port"
    "$FAKE" "$1" "$SINK_DIR/fake.port" 2>"$SINK_DIR/fake.err" &
    FAKE_PID=$!
    fake_wait "127.0.0.1:" "$1"
}

# start_fake_script [-6 | -u] SCRIPTFILE: the fakeserver running a script
# (SCRIPTFILE - : read from stdin), on 127.0.0.1, ::1 (-6) or a unix
# socket (-u), logging to FAKE_LOG (conn.N.in, conn.N.out, events).
# Sets FAKE_PID, FAKE_ADDR and FAKE_LOG.
start_fake_script() {
    local where=() prefix=127.0.0.1: script
    ensure_sink_dir
    case ${1:-} in
    -6) where=(-6); prefix="[::1]:"; shift ;;
    -u) where=(-u "$SINK_DIR/fake.sock"); prefix=unix:; shift ;;
    esac
    script=$1
    if [ "$script" = - ]; then
        script=$SINK_DIR/fake.script
        cat >"$script"
    fi
    FAKE_LOG=$SINK_DIR/fakelog
    rm -rf "$FAKE_LOG" "$SINK_DIR/fake.port"
    mkdir "$FAKE_LOG"
    "$FAKE" "${where[@]}" script "$script" "$SINK_DIR/fake.port" "$FAKE_LOG" 2>"$SINK_DIR/fake.err" &
    FAKE_PID=$!
    fake_wait "$prefix" "$script"
}

# Waits for the fakeserver's port file (written once it listens).
fake_wait() {
    local i
    for i in $(seq 1 200); do
        if [ -s "$SINK_DIR/fake.port" ]; then
            FAKE_ADDR=$1$(cat "$SINK_DIR/fake.port")
            return 0
        fi
        kill -0 "$FAKE_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "could not start fakeserver $2:" >&2
    cat "$SINK_DIR/fake.err" >&2
    return 1
}

# fake_session BYTES: one TCP connection to FAKE_ADDR; sends BYTES at once
# and prints all the server sends until it closes (limit: 10 s).
fake_session() {
    local host=${FAKE_ADDR%:*}
    host=${host#[}
    timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%s" "$3" >&3 && cat <&3' \
        _ "${host%]}" "${FAKE_ADDR##*:}" "$1"
}

# Number of established TCP connections whose local port is $1 (the
# server's side of each client connection), from /proc/net/tcp.
established() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "01"' /proc/net/tcp 2>/dev/null | wc -l
}
