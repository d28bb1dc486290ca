# Starting and stopping a real smtp-sink on a free loopback port, for the
# demo and the benchmark (sourced; bash). Sets SINK_PORT and SINK_PID.

SINK=${SINK:-/usr/sbin/smtp-sink}

sink_user_args() {
    if [ "$(id -u)" = 0 ]; then echo "-u nobody"; fi
}

# Is process $2 the one listening on 127.0.0.1:$1 (or on any address at
# that port)? Checked through /proc, so that another program that happens
# to hold the port is never mistaken for ours. (Bash reads the tables
# itself: the test suites start hundreds of sinks, and a process costs.)
listening_by() {
    local port=$1 pid=$2 hex f row
    local -a rows fields
    printf -v hex '%04X' "$port"
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        mapfile -t rows <"$f"
        for row in "${rows[@]:1}"; do
            read -ra fields <<<"$row"
            [[ "${fields[1]}" == *":$hex" && "${fields[3]}" == 0A ]] || continue
            if [ -n "$(find "/proc/$pid/fd" -lname "socket:\[${fields[9]}\]" 2>/dev/null)" ]; then
                return 0
            fi
        done
    done
    return 1
}

# Waits (at most 10 s) until process $2 listens on port $1; fails at once
# if the process is gone (e.g. the port was taken).
wait_listening() {
    local port=$1 pid=$2 i
    for ((i = 0; i < 1000; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        listening_by "$port" "$pid" && return 0
        sleep 0.01
    done
    return 1
}

# sink_start [smtp-sink options...]; its output goes to $SINK_LOG if set.
# It listens on $SINK_HOST (default 127.0.0.1; [::1] for IPv6), on a
# random port; a port found busy is retried with another.
sink_start() {
    local port try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM % 10000)))
        # shellcheck disable=SC2046
        "$SINK" $(sink_user_args) "$@" "${SINK_HOST:-127.0.0.1}:$port" 1024 >"${SINK_LOG:-/dev/null}" 2>&1 &
        SINK_PID=$!
        if wait_listening "$port" "$SINK_PID"; then
            SINK_PORT=$port
            return 0
        fi
        kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null || true
    done
    echo "could not start smtp-sink" >&2
    return 1
}

sink_stop() {
    if [ -n "${SINK_PID:-}" ]; then
        kill "$SINK_PID" 2>/dev/null || true
        wait "$SINK_PID" 2>/dev/null || true
        SINK_PID=
    fi
}
