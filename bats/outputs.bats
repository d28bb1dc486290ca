#!/usr/bin/env bats
# No result lost without a word: an output that cannot be written in full
# (a full disk, a closed pipe) is one line naming it and exit status 74;
# a --json file appears whole or not at all, and a device or FIFO is
# written directly, never renamed onto.
load helpers
bats_require_minimum_version 1.5.0

setup() { command -v python3 >/dev/null || skip "python3 is needed to read JSON"; start_sink; }
teardown() { common_teardown; }

json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# full ARGS...: runs with ARGS and standard output on /dev/full.
full() { run --separate-stderr bash -c '"$@" >/dev/full' _ timeout -k 5 "$RUN_LIMIT" "$SRC" "$@"; }

@test "the text report on a full disk: one line naming standard output, exit 74" {
    full -m 3 "$SINK_ADDR"
    [ "$status" -eq 74 ]
    [ "$stderr" = "$SRC: error: write standard output: No space left on device" ]
    [ "$(dump_count)" -eq 3 ]
}

@test "--json=/dev/full: one line naming it, exit 74, the device left a device" {
    run --separate-stderr src -m 3 --json=/dev/full "$SINK_ADDR"
    [ "$status" -eq 74 ]
    [ "$stderr" = "$SRC: error: write /dev/full: No space left on device" ]
    [ -c /dev/full ]
    [[ "$output" == *"3 requested, 3 sent, 0 failed"* ]]
}

@test "--records=/dev/full: the run goes on to the end, then exit 74" {
    run --separate-stderr src -m 200 -s 2 --records=/dev/full "$SINK_ADDR"
    [ "$status" -eq 74 ]
    [ "$stderr" = "$SRC: error: write /dev/full: No space left on device" ]
    [[ "$output" == *"200 requested, 200 sent, 0 failed"* ]]
    [ "$(dump_count)" -eq 200 ]
    [ -c /dev/full ]
}

@test "-c on a full disk: exit 74" {
    full -c --quiet -m 3 "$SINK_ADDR"
    [ "$status" -eq 74 ]
    [ "$stderr" = "$SRC: error: write standard output: No space left on device" ]
}

@test "--json=- on a full disk: exit 74" {
    full --json -m 2 "$SINK_ADDR"
    [ "$status" -eq 74 ]
    [ "$stderr" = "$SRC: error: write standard output: No space left on device" ]
}

@test "a pipe whose reader has gone: one line, exit 74" {
    stop_sink
    start_sink -w 1
    # The reader closes its end at once; the report comes a second later.
    run --separate-stderr bash -c '"$1" -m 1 "$2" | { exec 0<&-; exit 0; }; echo "${PIPESTATUS[0]}" >"$3"' \
        _ "$SRC" "$SINK_ADDR" "$SINK_DIR/rc"
    [ "$(cat "$SINK_DIR/rc")" -eq 74 ]
    [ "$stderr" = "$SRC: error: write standard output: Broken pipe" ]
}

@test "a run that failed keeps its own exit status when its output fails too" {
    full -m 1 127.0.0.1:1
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"fatal: connect to 127.0.0.1:1: Connection refused"* ]]
}

@test "--json=FILE appears whole at the end; an old FILE stays intact until then" {
    f=$SINK_DIR/run.json
    echo '{"old": true}' >"$f"
    # The sink stopped: the kernel completes both connections, but no
    # greeting comes, so the run cannot end before the sink goes on.
    kill -STOP "$SINK_PID"
    "$SRC" -s 2 -m 2 --json="$f" "$SINK_ADDR" >/dev/null &
    BG=$!
    for i in $(seq 1 200); do [ "$(established "$SINK_PORT")" -ge 2 ] && break; sleep 0.05; done
    # While the run goes on, a reader sees the old report, whole.
    [ "$(json "$f" "j['old']")" = True ]
    kill -CONT "$SINK_PID"
    wait "$BG"
    [ "$(json "$f" "j['messages']['sent']")" -eq 2 ]
    # Nothing else is left in the directory: no temporary file.
    [ -z "$(find "$SINK_DIR" -maxdepth 1 -name 'run.json?*')" ]
}

@test "--json=FILE of an interrupted run is written whole too" {
    stop_sink
    start_sink -w 2
    f=$SINK_DIR/run.json
    "$SRC" -s 2 -m 20 --json="$f" "$SINK_ADDR" >/dev/null &
    BG=$!
    for i in $(seq 1 200); do [ "$(established "$SINK_PORT")" -ge 2 ] && break; sleep 0.05; done
    [ ! -e "$f" ]
    kill -INT "$BG"
    rc=0; wait "$BG" || rc=$?
    [ "$rc" -eq 130 ]
    [ "$(json "$f" "j['interrupted'], j['messages']['sent']")" = "True 2" ]
    [ -z "$(find "$SINK_DIR" -maxdepth 1 -name 'run.json?*')" ]
}

@test "--json to a FIFO is written directly, and the FIFO stays a FIFO" {
    mkfifo "$SINK_DIR/fifo"
    cat "$SINK_DIR/fifo" >"$SINK_DIR/got" &
    READER=$!
    run src -m 2 --json="$SINK_DIR/fifo" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    wait "$READER"
    [ -p "$SINK_DIR/fifo" ]
    [ "$(json "$SINK_DIR/got" "j['messages']['sent']")" -eq 2 ]
}

@test "--json=FILE keeps the permissions a new file gets" {
    f=$SINK_DIR/perm.json
    run bash -c 'umask 022; "$1" -m 1 --json="$2" "$3" >/dev/null' _ "$SRC" "$f" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(stat -c %a "$f")" = 644 ]
}
