#!/usr/bin/env bats
# A fatal stop loses no message (issue 19, point 12): when one worker's
# fatal error stops the run, a worker whose message's dot already went out
# waits for its reply (within --timeout) and reports it; the message is
# counted by what is known, never as not done.
load helpers

teardown() { common_teardown; }

# The records' line of the one message that reached its dot.
dot_record() {
    grep -v '"phase":"mail"' "$1" | grep '"result"'
}

@test "a fatal refusal while another message awaits its dot reply: that message is sent, its record says so" {
    # The second MAIL is refused only once the server has the first
    # message's dot; that dot is answered only once the refused worker
    # has hung up, i.e. after the fatal error has stopped the run.
    start_fake_script - <<'EOF2'
lifetime 30
MAIL gnth=2: wait dot 1; reply 550 5.7.1 refused
dot gnth=1: wait hangup 1; reply 250 2.0.0 queued after the stop
EOF2
    d=$SINK_DIR
    run src -s 2 -m 2 --timeout=10 --records="$d/rec" --json="$d/j.json" "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"smtp-source: fatal: sender rejected: 550 5.7.1 refused"* ]]
    [[ "$output" == *"  messages    2 requested, 1 sent, 1 failed"$'\n'* ]]
    [ "$(grep -c '"result":"sent"' "$d/rec")" -eq 1 ]
    [ "$(grep -c '"result":"failed","reason":"rejected","phase":"mail","code":550' "$d/rec")" -eq 1 ]
    ! grep -q not_done "$d/rec"
    # The server has the message and answered it.
    [ "$(grep -c ' dot nth=1$' "$FAKE_LOG/events")" -eq 1 ]
    grep -q '"messages":{"requested":2,"sent":1,"failed":1,"not_done":0,"unknown_outcome":0}' "$d/j.json"
    assert_no_workers
}

@test "a fatal refusal while another message's dot is never answered: failed at the dot with an unknown outcome, not 'not done'" {
    start_fake_script - <<'EOF2'
lifetime 30
MAIL gnth=2: wait dot 1; reply 550 5.7.1 refused
dot gnth=1: stall
EOF2
    d=$SINK_DIR
    run src -s 2 -m 2 --timeout=1 --records="$d/rec" --json="$d/j.json" "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"smtp-source: fatal: sender rejected: 550 5.7.1 refused"* ]]
    [[ "$output" == *"  messages    2 requested, 0 sent, 2 failed (1 with unknown outcome)"$'\n'* ]]
    [[ "$output" == *"  failures    1 rejected, 1 timeout"* ]]
    [ "$(grep -c '"result":"failed","reason":"timeout","phase":"dot","unknown_outcome":true' "$d/rec")" -eq 1 ]
    ! grep -q not_done "$d/rec"
    # The server received the whole message: its dot event is logged.
    [ "$(grep -c ' dot nth=1$' "$FAKE_LOG/events")" -eq 1 ]
    grep -q '"messages":{"requested":2,"sent":0,"failed":2,"not_done":0,"unknown_outcome":1}' "$d/j.json"
    assert_no_workers
}

@test "a fatal stop starts nothing new: the slots not begun are not done, and have records" {
    start_fake_script - <<'EOF2'
lifetime 30
MAIL gnth=1: reply 550 5.7.1 refused
EOF2
    d=$SINK_DIR
    run src -s 1 -m 5 --records="$d/rec" "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"  messages    5 requested, 0 sent, 1 failed, 4 not done"$'\n'* ]]
    [ "$(grep -c '"result":"failed"' "$d/rec")" -eq 1 ]
    [ "$(grep -c ' dot nth=' "$FAKE_LOG/events")" -eq 0 ]
}
