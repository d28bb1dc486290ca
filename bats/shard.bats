#!/usr/bin/env bats
# Several machines, one run: --shard, --start-at and --merge, on the
# loopback (the tests with network namespaces and GNU parallel are in
# netns.bats). What the server saw is read from smtp-sink's dump; what the
# merge says is checked against it and against the shards' own reports.
load helpers

teardown() { common_teardown; }

# dump_to FILE ARGS...: the normalised dump of one run of ARGS against a
# fresh sink, in FILE. (Not in a $(...) subshell: teardown must know the
# sink it started.)
dump_to() {
    local file=$1
    shift
    stop_sink
    rm -f "$SINK_DIR/dump"
    start_sink
    src "$@" "$SINK_ADDR" >/dev/null 2>"$SINK_DIR/err" || { cat "$SINK_DIR/err" >&2; return 1; }
    normalize_dump >"$file"
}

@test "--shard=0/1 puts the same bytes on the wire as no --shard" {
    # One session, so that both runs send in one order; -N, -d with
    # pipelining, and --rate: every part that reads the slot.
    ensure_sink_dir
    d=$SINK_DIR
    for opts in "-N -r 3 -m 4" "-d --pipelining -N -r 2 -m 5" "-N -m 3 --rate=200" "-o -m 2" \
                "-d -N -r 2 -m 4 -S hello -M vm"; do
        # shellcheck disable=SC2086
        dump_to "$d/plain" $opts
        # shellcheck disable=SC2086
        dump_to "$d/sharded" $opts --shard=0/1
        [ -s "$d/plain" ] && cmp "$d/plain" "$d/sharded" || { echo "differs: $opts"; diff "$d/plain" "$d/sharded"; false; }
    done
}

@test "3 shards send the run's slots once each: -N numbers and Message-Id counts are one run's" {
    start_sink
    for i in 0 1 2; do
        run src --shard=$i/3 -N -r 2 -s 2 -m 10 -M vm "$SINK_ADDR"
        [ "$status" -eq 0 ]
        # Shard 0 owns slots 0, 3, 6, 9; the others 3 each.
        want=$((i == 0 ? 4 : 3))
        [[ "$output" == *"messages    $want requested, $want sent, 0 failed"* ]]
    done
    [ "$(dump_count)" -eq 10 ]
    [ "$(sed -n 's/^X-Rcpt-Args: <\([0-9]*\)foo@.*/\1/p' "$SINK_DUMP" | sort -n | tr '\n' ' ')" = "$(seq 1 20 | tr '\n' ' ')" ]
    # The Message-Id's last field counts down the run's slots: 9 .. 0.
    [ "$(sed -n 's/^Message-Id: <[0-9a-f]*\.[0-9a-f]*\.\([0-9a-f]*\)@.*/\1/p' "$SINK_DUMP" | sort | tr '\n' ' ')" = "0000 0001 0002 0003 0004 0005 0006 0007 0008 0009 " ]
    # Slot k's numbers are 2k+1, 2k+2, its count 9-k: both in one message.
    awk '/^X-Rcpt-Args/ && !n { sub(/^X-Rcpt-Args: </, ""); n = $0 + 0 }
         /^Message-Id/ { split($0, f, /[.@]/); k = (n - 1) / 2; if (f[3] + 0 != 9 - k) bad = 1; n = 0 }
         END { exit bad }' "$SINK_DUMP"
    assert_no_workers
}

@test "every bad --shard is refused before any connection" {
    start_fake_script - </dev/null
    for bad in --shard=4/4 --shard=0/0 --shard=1 --shard=1/ --shard=/2 --shard=-1/2 \
               --shard=0/10001 --shard=a/b --shard=1/2x --shard=; do
        run src "$bad" -m 3 "$FAKE_ADDR"
        [ "$status" -eq 1 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "${lines[0]}" == *"smtp-source: fatal: ${bad}: "* ]]
    done
    # The server's first connection is our own probe: none came before it.
    run fake_session $'QUIT\r\n'
    [[ "$output" == "220 "* ]]
    for _ in $(seq 1 100); do grep -q ' accept' "$FAKE_LOG/events" && break; sleep 0.05; done
    [ "$(grep ' accept' "$FAKE_LOG/events")" = "1 accept" ]
}
