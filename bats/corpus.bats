#!/usr/bin/env bats
# --corpus (issue 20): real messages from a Maildir, a directory or an
# mbox file, read back from smtp-sink's dump: each is its file with CRLF
# line ends and dot-stuffing (undone by the sink), >From unquoted in an
# mbox, and under --corpus-headers=fresh a new Date and Message-Id in
# place of the old; keep sends the file as it is. The item of slot k is
# a function of the seed and k alone, whole or in shards.
load helpers
bats_require_minimum_version 1.5.0

teardown() { common_teardown; }

CMSGS="$TOP/tests/corpusmsgs.py"

# make_maildir DIR: three messages in cur/ and new/ (LF and CRLF lines, a
# folded Message-Id, lines starting with '.', a header with neither field),
# and what is not mail: tmp/, a hidden file, an empty one, a directory.
make_maildir() {
    mkdir -p "$1/cur" "$1/new" "$1/tmp"
    printf 'From: a@example.test\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-Id:\n <one@example.test>\nSubject: one\n\nbody one\n.starts with a dot\n..two dots\n.\nend\n' \
        >"$1/cur/1700000000.1.host:2,S"
    printf 'Subject: two\r\nX-Other: y\r\n\r\nbody two\r\nDate: not a header here\r\n' \
        >"$1/new/1700000001.2.host"
    printf 'message-id: <three@example.test>\nSubject: three\nDATE: Tue, 2 Jan 2024 00:00:00 +0000\n\nlast line without LF' \
        >"$1/new/1700000002.3.host"
    printf 'Subject: not sent\n\ntmp\n' >"$1/tmp/1700000003.4.host"
    printf 'Subject: hidden\n\nno\n' >"$1/cur/.hidden"
    : >"$1/new/1700000004.5.host"
    mkdir "$1/cur/1700000005.6.host"
}

# slot_files RECORDS: "SLOT FILE" per record, by slot (sed, not python:
# a python start costs more than the run it reads).
slot_files() {
    sed -E 's/^\{"slot":([0-9]+),.*"corpus_file":"([^"]*)".*/\1 \2/' "$1" | sort -n
}

@test "--corpus=Maildir: cur/ then new/, in order; each message its file with fresh Date and Message-Id" {
    start_sink
    local d=$SINK_DIR
    make_maildir "$d/md"
    run src --corpus="$d/md" -m 7 --records="$d/rec" --json="$d/json" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 7 ]
    # The report's sizes are the corpus messages' as stored (the JSON).
    run python3 "$CMSGS" check "$SINK_DUMP" "$d/rec" "$d/md" fresh 7 "$d/json"
    [ "$output" = "ok 7" ] || { echo "$output"; false; }
    # seq: slot k sends item k mod 3, the names sorted, cur/ first.
    [ "$(slot_files "$d/rec" | tr '\n' ' ')" = "0 cur/1700000000.1.host:2,S 1 new/1700000001.2.host 2 new/1700000002.3.host 3 cur/1700000000.1.host:2,S 4 new/1700000001.2.host 5 new/1700000002.3.host 6 cur/1700000000.1.host:2,S " ]
    ! grep -q 'one@example.test\|three@example.test\|2024\|not sent\|hidden' "$SINK_DUMP"
    grep -q '^Date: not a header here$' "$SINK_DUMP"
}

@test "--corpus=DIR --corpus-headers=keep: the files as they are, over DATA and over BDAT" {
    start_sink
    local d=$SINK_DIR
    make_maildir "$d/md"
    mkdir "$d/dir"
    cp -r "$d/md/cur/"* "$d/md/new/"* "$d/dir/"
    run src --corpus="$d/dir" --corpus-headers=keep -m 3 --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run python3 "$CMSGS" check "$SINK_DUMP" "$d/rec" "$d/dir" keep 3
    [ "$output" = "ok 3" ] || { echo "$output"; false; }
    grep -q '^ <one@example.test>$' "$SINK_DUMP"
    stop_sink
    rm -f "$SINK_DUMP"
    start_sink
    run src --corpus="$d/dir" --corpus-headers=keep --ehlo --bdat -m 3 --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run python3 "$CMSGS" check "$SINK_DUMP" "$d/rec" "$d/dir" keep 3
    [ "$output" = "ok 3" ] || { echo "$output"; false; }
}

# The MAIL FROM lines the fake server received, over all its connections.
fake_mails() { cat "$FAKE_LOG"/conn.*.in 2>/dev/null | tr -d '\r' | grep -a '^MAIL FROM:' || true; }

@test "SIZE=: each corpus message declares its stored size with its fresh fields; one above the limit is not sent" {
    ensure_sink_dir
    local d=$SINK_DIR
    make_maildir "$d/md"
    head -c 5000 /dev/zero | tr '\0' 'x' | fold -w 70 >>"$d/md/new/1700000001.2.host"
    start_fake_script - <<'EOF2'
ehlo PIPELINING SIZE\x204000 CHUNKING
EOF2
    run src --ehlo --bdat --pipelining -A --corpus="$d/md" -m 6 --records="$d/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    local want
    want=$(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
for r in rs:
    big = r["corpus_file"] == "new/1700000001.2.host"
    assert (r["size"] > 4000) == big and (r["result"] == "sent") != big, r
    assert not big or (r["reason"] == "too_large" and r["phase"] == "mail"), r
print(" ".join(str(r["size"]) for r in sorted(rs, key=lambda r: r["size"]) if r["size"] <= 4000))' \
        "$d/rec")
    [ "$(fake_mails | sed -E 's/.* SIZE=([0-9]+)$/\1/' | sort -n | tr '\n' ' ')" = "$want " ]
    [[ "$output" == *"2 too large for the server"* ]]
}

@test "--corpus=MBOX: From_ lines split, >From unquoted one level, blank separators dropped" {
    start_sink
    local d=$SINK_DIR
    printf 'From a@example.test Mon Jan  1 00:00:00 2024\nSubject: m0\nDate: x\n\n>From the start\n>>From twice\nFrom-less\n\nFrom b@example.test Mon Jan  1 00:00:01 2024\nSubject: m1\n\n.dot\n\nFrom c@example.test Mon Jan  1 00:00:02 2024\nSubject: m2\n\nend\n\n' \
        >"$d/mbox"
    run src --corpus="$d/mbox" -m 3 --pipelining -d --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run python3 "$CMSGS" check "$SINK_DUMP" "$d/rec" "$d/mbox" fresh 3
    [ "$output" = "ok 3" ] || { echo "$output"; false; }
    grep -qx 'From the start' "$SINK_DUMP"
    grep -qx '>From twice' "$SINK_DUMP"
    ! grep -q '^From [abc]@' "$SINK_DUMP"
    [ "$(slot_files "$d/rec" | tr '\n' ' ')" = "0 mbox:0 1 mbox:1 2 mbox:2 " ]
}

@test "--corpus-order=random: the same seed sends the same items; --shard runs send the unsharded run's" {
    start_sink
    local d=$SINK_DIR
    mkdir "$d/dir"
    local i
    for i in 0 1 2 3 4 5 6 7; do printf 'Subject: item %s\n\nbody %s\n' "$i" "$i" >"$d/dir/m$i"; done
    local args=(--corpus="$d/dir" --corpus-order=random --corpus-headers=keep --seed=7 -m 12)
    run src "${args[@]}" -s 3 --records="$d/rec1" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 "$CMSGS" bodies "$SINK_DUMP" >"$d/whole"
    run src "${args[@]}" -s 1 --records="$d/rec2" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    slot_files "$d/rec1" >"$d/files1"
    slot_files "$d/rec2" | diff "$d/files1" -
    # Not the sequence: drawn.
    [ "$(cut -d' ' -f2 "$d/files1" | tr '\n' ' ')" != "m0 m1 m2 m3 m4 m5 m6 m7 m0 m1 m2 m3 " ]
    [ "$(cut -d' ' -f2 "$d/files1" | sort -u | wc -l)" -gt 3 ]
    stop_sink
    rm -f "$SINK_DUMP"
    start_sink
    run src "${args[@]}" --shard=0/2 --records="$d/s0" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src "${args[@]}" -s 2 --shard=1/2 --records="$d/s1" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    cat "$d/s0" "$d/s1" >"$d/both"
    slot_files "$d/both" | diff "$d/files1" -
    python3 "$CMSGS" bodies "$SINK_DUMP" | cmp - "$d/whole"
    # A fresh seed: another order.
    run src "${args[@]/--seed=7/--seed=8}" --records="$d/rec3" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    ! slot_files "$d/rec3" | cmp -s - "$d/files1"
}

@test "bad --corpus paths, an empty corpus and conflicting options are refused with one line" {
    start_sink
    local d=$SINK_DIR
    mkdir -p "$d/empty" "$d/emptymd/cur" "$d/emptymd/new" "$d/onlyempty"
    : >"$d/onlyempty/m1"
    printf 'Subject: no From_ line\n\nx\n' >"$d/notmbox"
    : >"$d/emptyfile"
    printf 'Subject: x\n\ny\n' >"$d/msg"
    local bad=(--corpus= --corpus="$d/none" --corpus="$d/empty" --corpus="$d/emptymd"
               --corpus="$d/onlyempty" --corpus="$d/notmbox" --corpus="$d/emptyfile"
               --corpus=/dev/null --corpus-headers=new --corpus-order=sorted)
    local a
    for a in "${bad[@]}"; do
        run -1 src "$a" -m 1 "$SINK_ADDR"
        [ "${#lines[@]}" -eq 1 ] || { echo "$a: $output"; false; }
        [[ "${lines[0]}" == "$SRC: fatal: ${a%%=*}"* ]] || { echo "$a: ${lines[0]}"; false; }
    done
    run -1 src --corpus="$d/none" -m 1 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus=$d/none: No such file or directory" ]
    run -1 src --corpus="$d/notmbox" -m 1 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus=$d/notmbox: $d/notmbox: not an mbox file (it does not start with a \"From \" line)" ]
    run -1 src --corpus-headers=keep -m 1 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus-headers needs --corpus" ]
    run -1 src --corpus="$d/msg" -l 100 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus cannot be used with -l: the corpus gives the messages" ]
    run -1 src --corpus="$d/msg" -F "$d/msg" "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus cannot be used with -F: the corpus gives the messages" ]
    run -1 src --corpus="$d/msg" --size=2k "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus cannot be used with --size: the corpus gives the sizes" ]
    run -1 src --corpus="$d/msg" --content=mime "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus cannot be used with --content=mime: the corpus gives the content" ]
    run -1 src --corpus="$d/msg" -S subject "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus cannot be used with -S: the files have their own Subject" ]
    run -1 src --corpus="$d/msg" -o "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus with -o: -o sends no generated headers, and the default --corpus-headers=fresh makes Date and Message-Id; add --corpus-headers=keep" ]
    [ "$(dump_count)" -eq 0 ]
    ! grep -q 'connect from' "$SINK_DIR/sink.out" 2>/dev/null
}

@test "a corpus directory's socket, FIFO, device link and subdirectory are not mail: skipped, the message sent" {
    start_sink
    local d=$SINK_DIR/c
    mkdir -p "$d/sub"
    printf 'Subject: the one\n\nbody\n' >"$d/m"
    printf 'Subject: not this\n\nx\n' >"$d/sub/m2"
    mkfifo "$d/fifo"
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/sock"
    ln -s /dev/null "$d/devlink"
    run src --corpus="$d" --corpus-headers=keep -m 2 --records="$SINK_DIR/rec" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 2 ]
    [ "$(grep -c '^Subject: the one' "$SINK_DUMP")" -eq 2 ]
    ! grep -q 'not this' "$SINK_DUMP"
    # Only subdirectories: the error says where messages are looked for.
    rm -f "$d/m"
    run -1 src --corpus="$d" -m 1 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --corpus=$d: no messages in it (empty files, names starting with a dot and subdirectories are skipped; a Maildir's are in cur/ and new/)" ]
}

@test "a corpus with lines over 1000 octets or 8-bit bytes: sent as it is, with a warning for each at startup" {
    start_sink
    local d=$SINK_DIR/c
    mkdir -p "$d"
    { printf 'Subject: long\n\n'; head -c 1200 /dev/zero | tr '\0' 'y'; printf '\n'; } >"$d/a"
    printf 'Subject: caf\xc3\xa9\n\nna\xc3\xafve\n' >"$d/b"
    printf 'Subject: plain\n\nok\n' >"$d/c"
    run --separate-stderr src --corpus="$d" --corpus-headers=keep -m 3 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "${#stderr_lines[@]}" -eq 2 ]
    [ "${stderr_lines[0]}" = "$SRC: warning: --corpus=$d: 1 of 3 messages have lines over 1000 octets (RFC 5321 4.5.3.1.6), sent as they are" ]
    [ "${stderr_lines[1]}" = "$SRC: warning: --corpus=$d: 1 of 3 messages are not 7-bit, sent as they are; --8bitmime declares them (BODY=8BITMIME)" ]
    [ "$(dump_count)" -eq 3 ]
    grep -qa "^$(head -c 1200 /dev/zero | tr '\0' 'y')"$'\r'"\?$" "$SINK_DUMP"
    grep -qa $'^na\xc3\xafve' "$SINK_DUMP"
    # --8bitmime declares them: no second warning.
    run --separate-stderr src --8bitmime --corpus="$d" --corpus-headers=keep -m 1 --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$stderr" = "$SRC: warning: --corpus=$d: 1 of 3 messages have lines over 1000 octets (RFC 5321 4.5.3.1.6), sent as they are" ]
}
