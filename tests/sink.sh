# Starting and stopping a real smtp-sink on a free loopback port, for the
# demo and the benchmark (sourced; bash). Sets SINK_PORT and SINK_PID.

SINK=${SINK:-/usr/sbin/smtp-sink}

sink_user_args() {
    if [ "$(id -u)" = 0 ]; then echo "-u nobody"; fi
}

# Waits (at most 10 s) until 127.0.0.1:$1 accepts, or process $2 is gone.
wait_listening() {
    local port=$1 pid=$2 i
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    return 1
}

# sink_start [smtp-sink options...]; its output goes to $SINK_LOG if set.
sink_start() {
    local port try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM % 10000)))
        # shellcheck disable=SC2046
        "$SINK" $(sink_user_args) "$@" "127.0.0.1:$port" 1024 >"${SINK_LOG:-/dev/null}" 2>&1 &
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
