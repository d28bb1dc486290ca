#!/usr/bin/env bats
# The workload (issue 20): --seed and --size against smtp-sink's dump. Each
# message's stored size (CRLF, headers included, before dot-stuffing) is
# read back from the dump and compared with the size its record says was
# drawn; the same seed sends the same messages, whole or in shards.
load helpers
bats_require_minimum_version 1.5.0

teardown() { common_teardown; }

DUMPMSGS="$TOP/tests/dumpmsgs.py"

json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# slot_sizes RECORDS: "SLOT SIZE" of each record, by slot.
slot_sizes() {
    python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in sorted(rows, key=lambda r: r["slot"]):
    print(r["slot"], r["size"])' "$1"
}

@test "--size: each message is stored at exactly the size drawn for it, the same for a seed" {
    start_sink
    local d=$SINK_DIR
    run src --seed=11 --size=lognormal:2k:20k -m 12 -s 3 --records="$d/rec" \
        --json="$d/json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 12 ]
    slot_sizes "$d/rec" >"$d/drawn"
    python3 "$DUMPMSGS" sizes "$SINK_DUMP" 12 >"$d/stored"
    diff "$d/drawn" "$d/stored"
    # Not all one size: the law was drawn from.
    [ "$(cut -d' ' -f2 "$d/drawn" | sort -u | wc -l)" -gt 6 ]
    python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["workload"]
sizes = [int(l.split()[1]) for l in open(sys.argv[2])]
assert w["seed"] == 11 and w["size_spec"] == "lognormal:2k:20k", w
s = w["sizes"]
assert s["count"] == 12 and s["min"] == min(sizes) and s["max"] == max(sizes), s
assert s["total_bytes"] == sum(sizes), s' "$d/json" "$d/drawn"
    # The same seed, another run, other sessions: the same sizes per slot.
    run src --seed=11 --size=lognormal:2k:20k -m 12 -s 1 --records="$d/rec2" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    slot_sizes "$d/rec2" | diff "$d/drawn" -
    assert_no_workers
}

@test "--size=A-B and @FILE: sizes exact and within the spec; BDAT stores the same" {
    start_sink
    local d=$SINK_DIR
    printf '# size weight\n1500 3\n40k 1\n\n3000 2\n' >"$d/table"
    run src --seed=5 --size=@"$d/table" -m 10 -s 2 --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    slot_sizes "$d/rec" >"$d/drawn"
    python3 "$DUMPMSGS" sizes "$SINK_DUMP" 10 | diff "$d/drawn" -
    ! cut -d' ' -f2 "$d/drawn" | grep -vxE '1500|40960|3000'
    stop_sink
    rm -f "$d/dump"
    start_sink
    run src --seed=5 --size=900-1100 -m 6 --bdat --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    slot_sizes "$d/rec" >"$d/drawn"
    python3 "$DUMPMSGS" sizes "$SINK_DUMP" 6 | diff "$d/drawn" -
    ! cut -d' ' -f2 "$d/drawn" | awk '$1 < 900 || $1 > 1100' | grep .
}

@test "--shard runs with one seed send together the unsharded run's messages, byte for byte" {
    start_sink
    local d=$SINK_DIR
    printf 'a@x.test 5\nb@x.test\nc@y.test 2\nd@y.test 1\n' >"$d/rcpts"
    printf 's1@f.test\ns2@f.test 3\n' >"$d/from"
    local args=(--seed=99 --size=300-9000 --rcpts=1-3 --rcpt-file="$d/rcpts" --from-file="$d/from" -m 9)
    run src "${args[@]}" --json="$d/whole.json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 "$DUMPMSGS" bodies "$SINK_DUMP" 9 >"$d/whole"
    envelopes 9 >"$d/whole.env"
    grep -E '^  (workload|sizes|rcpts/msg) ' <<<"$output" >"$d/whole.txt"
    [ "$(wc -l <"$d/whole.txt")" -eq 3 ]
    stop_sink
    rm -f "$d/dump"
    start_sink
    # Shards of one run share its options (-s too), not its sessions' timing.
    run src "${args[@]}" -s 3 --shard=0/2 --json="$d/s0.json" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run src "${args[@]}" -s 3 --shard=1/2 --json="$d/s1.json" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 9 ]
    python3 "$DUMPMSGS" bodies "$SINK_DUMP" 9 | cmp - "$d/whole"
    envelopes 9 | diff "$d/whole.env" -
    # The shards' reports merged: the unsharded run's workload part (the
    # dot phase's times are the runs' own; its classes and counts are not).
    run src --merge --json="$d/merged.json" --plot="$d/m.svg" "$d/s0.json" "$d/s1.json"
    [ "$status" -eq 0 ]
    # Its picture has the panel by size (the shards had no intervals).
    if command -v xmllint >/dev/null; then
        [ "$(xp "$d/m.svg" 'count(//g[@id="size"]/circle[@data-series="dot-p50"])')" -ge 1 ]
    fi
    grep -E '^  (workload|sizes|rcpts/msg) ' <<<"$output" | diff "$d/whole.txt" -
    python3 -c '
import json, sys
def part(f):
    w = json.load(open(f))["workload"]
    w["dot_by_size"] = [(c["from_bytes"], c["below_bytes"], c["count"]) for c in w["dot_by_size"]]
    return w
a, b = part(sys.argv[1]), part(sys.argv[2])
assert a == b, (a, b)
assert a["seed"] == 99 and a["sizes"]["count"] == 9 and a["recipients_per_message"]["count"] == 9, a
assert sum(c[2] for c in a["dot_by_size"]) == 9, a' "$d/whole.json" "$d/merged.json"
    # A shard of another seed is another run's.
    run src --seed=98 --size=300-9000 --rcpts=1-3 -m 9 -s 3 --shard=1/2 --json="$d/s1b.json" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    run -1 src --merge "$d/s0.json" "$d/s1b.json"
    [ "$output" = "$SRC: fatal: $d/s1b.json: another run than $d/s0.json: \"workload.seed\" differs (98, not 99): the shards of one run share one --seed" ]
}

@test "without --seed a seed is chosen, reported, and repeats the run" {
    start_sink
    local d=$SINK_DIR
    run src --size=1k-50k -m 4 --records="$d/rec" --json="$d/json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    local seed
    seed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workload"]["seed"])' "$d/json")
    [[ "$output" == *"workload    seed $seed (--seed=$seed repeats it)"* ]]
    run src --seed="$seed" --size=1k-50k -m 4 --records="$d/rec2" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    diff <(slot_sizes "$d/rec") <(slot_sizes "$d/rec2")
}

@test "a bad --seed, --size or size table is refused at startup with one line naming it" {
    start_sink
    local d=$SINK_DIR
    printf '1000 1\n2000 zero\n' >"$d/badw"
    printf '1000 0\n' >"$d/zerow"
    printf '# nothing\n' >"$d/empty"
    local bad=(--seed=-1 --seed=x --seed=9007199254740992 --size= --size=0 --size=10q
               --size=5-2 --size=1k- --size=513m --size=lognormal:2k --size=lognormal:20k:2k
               --size=@"$d/badw" --size=@"$d/zerow" --size=@"$d/empty" --size=@"$d/none"
               --rcpts=0-2 --rcpts=3-1 --rcpts=0000000000000000000000000000005abc --size=-1)
    for a in "${bad[@]}"; do
        run -1 src "$a" -m 1 "$SINK_ADDR"
        [ "${#lines[@]}" -eq 1 ]
        opt=${a%%=*}
        [[ "${lines[0]}" == "$SRC: fatal: $opt"* ]] || { echo "$a: ${lines[0]}"; false; }
    done
    run -1 src --size=2k -l 100 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --size cannot be used with -l: both give the message's size" ]
    run -1 src --size=2k -F "$d/badw" "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --size cannot be used with -F: the file is the message" ]
    [ "$(dump_count)" -eq 0 ]
    ! grep -q 'connect from' "$SINK_DIR/sink.out" 2>/dev/null
}

# The MAIL FROM lines the fake server received, over all its connections.
fake_mails() { cat "$FAKE_LOG"/conn.*.in 2>/dev/null | tr -d '\r' | grep -a '^MAIL FROM:' || true; }

@test "SIZE (RFC 1870): SIZE= is each message's stored size; one above the limit fails before MAIL" {
    for mode in "" "--pipelining -d"; do
        stop_fake
        start_fake_script - <<'EOF2'
ehlo PIPELINING SIZE\x204000
EOF2
        # shellcheck disable=SC2086
        run src --ehlo $mode -A --seed=3 --size=1k-8k -m 10 --records="$SINK_DIR/rec" \
            --json="$SINK_DIR/json" "$FAKE_ADDR"
        [ "$status" -eq 0 ]
        local small big
        small=$(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(str(r["size"]) for r in sorted(rs, key=lambda r: r["size"]) if r["size"] <= 4000))
for r in rs:
    assert (r["result"] == "sent") == (r["size"] <= 4000), r
    assert r["size"] <= 4000 or (r["reason"] == "too_large" and r["phase"] == "mail"), r' \
            "$SINK_DIR/rec")
        big=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors"]["too_large"])' "$SINK_DIR/json")
        [ "$big" -gt 0 ] && [ -n "$small" ]
        # The workload part counts what the server received: the messages
        # that fit, not those never sent.
        python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sizes = [int(x) for x in sys.argv[2].split()]
z = j["workload"]["sizes"]
assert z["count"] == len(sizes) == j["messages"]["sent"], (z, sizes)
assert z["total_bytes"] == sum(sizes) and z["max"] == max(sizes), (z, sizes)
assert j["workload"]["recipients_per_message"]["count"] == len(sizes), j["workload"]' \
            "$SINK_DIR/json" "$small"
        # What the server saw: a MAIL FROM with SIZE= per message that fit,
        # none for the others.
        [ "$(fake_mails | sed -E 's/.* SIZE=([0-9]+)$/\1/' | sort -n | tr '\n' ' ')" = "$small " ]
        [[ "$output" == *"$big too large for the server"* ]]
        [[ "$output" == *"warning: message of "*" bytes not sent: the server's SIZE limit is 4000 (RFC 1870)"* ]]
    done
    # Without -A, as a refusal by the server: fatal, and nothing of it sent.
    stop_fake
    start_fake_script - <<'EOF2'
ehlo PIPELINING SIZE\x204000
EOF2
    run src --ehlo --size=5000 -m 3 "$FAKE_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$SRC: fatal: message of 5"*" bytes not sent: the server's SIZE limit is 4000 (RFC 1870)"* ]]
    [ -z "$(fake_mails)" ]
}

@test "without SIZE offered, or with the reference's options alone, MAIL FROM has no SIZE=" {
    start_fake_script - <<'EOF2'
ehlo PIPELINING
EOF2
    run src --ehlo --size=2k -m 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(fake_mails | sort -u)" = "MAIL FROM:<foo@$(hostname)>" ] || { fake_mails; false; }
    stop_fake
    start_fake_script - <<'EOF2'
ehlo PIPELINING SIZE\x2010000000
EOF2
    run src --ehlo -l 3000 -m 2 "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    [ "$(fake_mails | sort -u)" = "MAIL FROM:<foo@$(hostname)>" ]
}

@test "--rcpts=A-B: each message's recipients drawn from the seed, reported per message" {
    start_sink
    local d=$SINK_DIR
    run src --seed=4 --rcpts=1-4 -N -m 12 -s 2 --pipelining --records="$d/rec" --json="$d/json" "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(dump_count)" -eq 12 ]
    # The dump's X-Rcpt-Args lines (one per recipient) add up to the records'.
    local want got
    want=$(python3 -c 'import json,sys; print(sum(json.loads(l)["rcpt_sent"] for l in open(sys.argv[1])))' "$d/rec")
    got=$(grep -c '^X-Rcpt-Args: ' "$SINK_DUMP")
    [ "$want" -eq "$got" ]
    python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
n = sorted(r["rcpt_sent"] for r in rs)
assert n[0] >= 1 and n[-1] <= 4 and len(set(n)) > 1, n
w = json.load(open(sys.argv[2]))["workload"]["recipients_per_message"]
assert w["min"] == n[0] and w["max"] == n[-1], w' "$d/rec" "$d/json"
    # Again with the seed, one session, no pipelining: the same counts per slot.
    run src --seed=4 --rcpts=1-4 -N -m 12 --records="$d/rec2" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    diff <(python3 -c 'import json,sys; [print(r["slot"], r["rcpt_sent"]) for r in sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["slot"])]' "$d/rec") \
         <(python3 -c 'import json,sys; [print(r["slot"], r["rcpt_sent"]) for r in sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["slot"])]' "$d/rec2")
    run -1 src --rcpts=2-3 -r 2 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpts cannot be used with -r: both give the recipients per message" ]
    run -1 src --rcpts=2-3 -r 1 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpts cannot be used with -r: both give the recipients per message" ]
}

@test "-N in a workload run: slot k's numbers are its own, the same whatever the sessions, pipelining or shards" {
    start_sink
    local d=$SINK_DIR args=(--seed=77 -N --rcpts=1-4 -m 10 -t u@x.test -f s@x.test)
    run src "${args[@]}" -s 4 --pipelining -d --json="$d/whole.json" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    envelopes 10 >"$d/whole.env"
    # Slot k's n recipients are k*4+1 .. k*4+n (4: --rcpts' upper end).
    python3 -c '
import sys
seen = set()
for l in open(sys.argv[1]):
    slot, mail, *rcpts = l.split()
    nums = [int(r.split("u@")[0]) for r in rcpts]
    assert nums == list(range(int(slot) * 4 + 1, int(slot) * 4 + 1 + len(nums))), l
    assert not seen & set(nums), l
    seen |= set(nums)' "$d/whole.env"
    # Without --rcpts, recipients_per_message is -r: here it is drawn.
    [ "$(json "$d/whole.json" "j['recipients_per_message']")" = None ]
    local shape i
    for shape in "-s 1" "-s 3"; do
        stop_sink
        rm -f "$d/dump"
        start_sink
        # shellcheck disable=SC2086
        run src "${args[@]}" $shape --quiet "$SINK_ADDR"
        [ "$status" -eq 0 ]
        envelopes 10 | diff "$d/whole.env" -
    done
    stop_sink
    rm -f "$d/dump"
    start_sink
    for i in 0 1 2; do
        run src "${args[@]}" -s 2 --shard=$i/3 --quiet "$SINK_ADDR"
        [ "$status" -eq 0 ]
    done
    envelopes 10 | diff "$d/whole.env" -
}

# Each message's envelope from the dump: "SLOT SENDER RCPT..." by slot.
envelopes() {
    python3 -c '
import re, sys
m = int(sys.argv[2])
out = []
for chunk in re.split(r"(?m)^X-Client-Addr: ", open(sys.argv[1], errors="replace").read())[1:]:
    mail = re.search(r"(?m)^X-Mail-Args: <([^>]*)>", chunk).group(1)
    rcpts = re.findall(r"(?m)^X-Rcpt-Args: <([^>]*)>", chunk)
    slot = m - 1 - int(re.search(r"(?m)^Message-Id: <[0-9a-f]+\.[0-9a-f]+\.([0-9a-f]+)@", chunk).group(1), 16)
    out.append((slot, mail, rcpts))
for slot, mail, rcpts in sorted(out):
    print(slot, mail, *rcpts)' "$SINK_DUMP" "$1"
}

@test "--rcpt-file, --from-file: weighted, no address twice in a message, the same for a seed" {
    start_sink
    local d=$SINK_DIR
    printf '# rcpts\na@x.test 5\nb@x.test\nc@y.test 2\nd@y.test 1\n' >"$d/rcpts"
    printf 's1@f.test\ns2@f.test 3\n' >"$d/from"
    run src --seed=6 --rcpts=1-4 --rcpt-file="$d/rcpts" --from-file="$d/from" -m 20 -s 3 \
        --pipelining -d "$SINK_ADDR"
    [ "$status" -eq 0 ]
    envelopes 20 >"$d/a"
    [ "$(wc -l <"$d/a")" -eq 20 ]
    python3 -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
rc = {"a@x.test", "b@x.test", "c@y.test", "d@y.test"}
for r in rows:
    assert r[1] in ("s1@f.test", "s2@f.test"), r
    assert 1 <= len(r[2:]) <= 4 and len(set(r[2:])) == len(r[2:]) and set(r[2:]) <= rc, r
assert len({r[1] for r in rows}) == 2 and len({len(r) for r in rows}) > 1' "$d/a"
    # The same seed, one session, no pipelining: the same envelopes.
    stop_sink
    rm -f "$d/dump"
    start_sink
    run src --seed=6 --rcpts=1-4 --rcpt-file="$d/rcpts" --from-file="$d/from" -m 20 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    envelopes 20 | diff "$d/a" -
}

@test "--rcpt-domains: the numbered recipients' domains mixed by weight" {
    start_sink
    run src --seed=1 --rcpts=5-5 -N -t u@z.test --rcpt-domains=a.test:80,b.test:20 -m 40 -s 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    local a b
    a=$(grep -c '^X-Rcpt-Args: <[0-9]*u@a\.test>$' "$SINK_DUMP")
    b=$(grep -c '^X-Rcpt-Args: <[0-9]*u@b\.test>$' "$SINK_DUMP")
    [ $((a + b)) -eq 200 ]
    # 200 draws at 80% (fixed by the seed): within 3.5 standard deviations.
    [ "$a" -ge 140 ] && [ "$a" -le 180 ]
}

@test "bad --rcpt-file, --from-file, --rcpt-domains are refused at startup with one line" {
    start_sink
    local d=$SINK_DIR
    printf 'a@x.test 0\n' >"$d/w0"
    printf 'a b@x.test\n' >"$d/blank"
    printf 'a@x.test\n' >"$d/one"
    for a in --rcpt-file="$d/w0" --rcpt-file="$d/blank" --rcpt-file="$d/none" --from-file="$d/w0" \
             --rcpt-file= --rcpt-domains= --rcpt-domains=a.test:0 --rcpt-domains=a.test:x \
             --rcpt-domains=a.test,,b.test --rcpt-domains=a@b --rcpt-domains=a..test \
             --rcpt-domains=-a.test --rcpt-domains=a-.test --rcpt-domains='[1.2.3.4]' \
             --rcpt-domains=a.test. --rcpt-domains="$(printf 'x%.0s' {1..3000}):1,a;b"; do
        run -1 src "$a" -m 1 "$SINK_ADDR"
        [ "${#lines[@]}" -eq 1 ]
        [[ "${lines[0]}" == "$SRC: fatal: ${a%%=*}"* ]] || { echo "$a: ${lines[0]}"; false; }
    done
    run -1 src --rcpt-file="$d/one" --rcpts=1-2 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-file: 1 addresses, fewer than the 2 recipients a message may have (no address twice in a message)" ]
    run -1 src --rcpt-file="$d/one" -N "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-file cannot be used with -N: the file gives the recipients" ]
    printf 'j\xc3\xbcrg@x.test\n' >"$d/utf8"
    run -1 src --ehlo --rcpt-file="$d/utf8" "$SINK_ADDR"
    [[ "$output" == "$SRC: fatal: --rcpt-file: "*" has bytes outside ASCII: it needs --smtputf8" ]]
    run -1 src --from-file="$d/one" -f x@y "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --from-file cannot be used with -f: the file gives the senders" ]
    # A line twice would be a recipient twice in one message.
    printf 'a@x.test\nb@x.test 3\na@x.test\n' >"$d/dup"
    run -1 src --rcpt-file="$d/dup" "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-file: a@x.test is there twice: give each address once (a weight after it to draw it more often)" ]
    run -1 src --ehlo --rcpt-domains=$'b\xc3\xbc.test' "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-domains: b??.test has bytes outside ASCII: it needs --smtputf8" ]
    # Not the reference's options: not even a HELO run sends them bare.
    run -1 src --rcpt-domains=$'b\xc3\xbc.test' "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-domains: b??.test has bytes outside ASCII: it needs --smtputf8" ]
    run -1 src --from-file="$d/utf8" "$SINK_ADDR"
    [[ "$output" == "$SRC: fatal: --from-file: "*" has bytes outside ASCII: it needs --smtputf8" ]]
    # With --smtputf8, what is not UTF-8 cannot go out at all.
    printf 'a\x80b@x.test\n' >"$d/notutf8"
    run -1 src --smtputf8 --rcpt-file="$d/notutf8" "$SINK_ADDR"
    [[ "$output" == "$SRC: fatal: --rcpt-file: a?b@x.test is not valid UTF-8" ]]
    run -1 src --rcpt-domains=a.test,x_y.test "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-domains=a.test,x_y.test: item 2: x_y.test is not a domain name (labels of letters, digits and hyphens, separated by dots) (e.g. a.test:80,b.test:20)" ]
    printf '%s@x.test\n' "$(printf 'y%.0s' {1..300})" >"$d/long"
    run -1 src --rcpt-file="$d/long" "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --rcpt-file=$d/long: line 1: longer than 256 bytes (an address has at most 254)" ]
    [ "$(dump_count)" -eq 0 ]
    # Given twice, the last one counts (and the first is let go: the ASan
    # pass of this suite sees a leak).
    printf 'c@y.test\n' >"$d/other"
    printf '500 1\n' >"$d/table"
    run src --rcpt-domains=q.test --rcpt-domains=r.test -m 1 --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^X-Rcpt-Args: <foo@r.test>' "$SINK_DUMP")" -eq 1 ]
    : >"$SINK_DUMP"
    run src --rcpt-file="$d/one" --rcpt-file="$d/other" --from-file="$d/one" --from-file="$d/other" \
        --size=@"$d/table" --size=@"$d/table" -m 1 --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^X-Rcpt-Args: <c@y.test>' "$SINK_DUMP")" -eq 1 ]
    [ "$(grep -c '^X-Mail-Args: <c@y.test>' "$SINK_DUMP")" -eq 1 ]
}

# --- --content=mime ----------------------------------------------------------------

MIMECHECK="$TOP/tests/mimecheck.py"

@test "--content=mime: well-formed MIME at each drawn size, 7-bit, an attachment from 150 KB, the same bytes for a seed" {
    start_sink
    local d=$SINK_DIR args=(--content=mime --seed=21 --size=130k-180k -m 8)
    run src "${args[@]}" -s 3 --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    # Python's email parser: multipart/mixed, text/plain and text/html in
    # US-ASCII and 7bit, no defect, no line over 998, and from 150 KB a
    # base64 attachment of 76-character lines filling half the message;
    # each at the size its record gives.
    python3 "$MIMECHECK" sink "$SINK_DUMP" 8 rec="$d/rec" >"$d/first"
    # Both sides of 150 KB were drawn.
    awk '$2 < 153600 { s++ } $2 >= 153600 { b++ } END { exit !(s && b) }' "$d/first"
    : >"$SINK_DUMP"
    # Another run of the seed, one session, BDAT: the same messages.
    run src "${args[@]}" -s 1 --bdat --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 "$MIMECHECK" sink "$SINK_DUMP" 8 | diff "$d/first" -
}

@test "--content=mime: UTF-8 with --8bitmime --smtputf8; -l's size, or 4096 bytes, without --size" {
    start_sink
    local d=$SINK_DIR
    run src --content=mime --8bitmime --smtputf8 --seed=2 --size=1k-40k -m 6 -s 2 \
        --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 "$MIMECHECK" sink "$SINK_DUMP" 6 utf8 rec="$d/rec" >/dev/null
    [ "$(grep -c '^X-Mail-Args: .* BODY=8BITMIME' "$SINK_DUMP")" -eq 6 ]
    : >"$SINK_DUMP"
    # -l 20000: as long as the plain -l 20000 message, headers included.
    run src --content=mime -l 20000 -m 3 --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 "$MIMECHECK" sink "$SINK_DUMP" 3 l=20000 >/dev/null
    # Neither: 4096 bytes each.
    run src --content=mime -m 3 --records="$d/rec" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c '"size":4096,' "$d/rec")" -eq 3 ]
}

@test "--content=plain sends the reference's bytes; a bad --content, or mime with -F or -o, is refused; UTF-8 needs 8BITMIME" {
    start_sink
    local d=$SINK_DIR
    run src -m 2 -l 300 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    normalize_dump >"$d/without"
    : >"$SINK_DUMP"
    run src --content=plain -m 2 -l 300 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    normalize_dump | diff "$d/without" -
    : >"$SINK_DUMP"
    # The last --content counts.
    run src --content=mime --content=plain -m 2 -l 300 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    normalize_dump | diff "$d/without" -
    : >"$SINK_DUMP"
    run -1 src --content=html -m 1 "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --content=html: give plain or mime" ]
    run -1 src --content=mime -F "$d/without" "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --content=mime cannot be used with -F: the file is the message" ]
    run -1 src --content=mime -o "$SINK_ADDR"
    [ "$output" = "$SRC: fatal: --content=mime cannot be used with -o: it sends no headers, MIME needs them" ]
    stop_sink
    # A server without 8BITMIME: each message fails before MAIL, unsent.
    start_sink -8
    run --separate-stderr src -A --content=mime --8bitmime --smtputf8 -m 2 "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"warning: the server does not offer 8BITMIME, which the content needs"* ]]
    [[ "$output" == *"2 requested, 0 sent, 2 failed"* ]]
    ! grep -qs '^X-Client-Addr: ' "$SINK_DUMP"
}

xp() { xmllint --xpath "$2" <(sed 's/ xmlns="[^"]*"//' "$1") 2>/dev/null; }

@test "--plot with --size: a panel of the dot phase's p50 and p99 by size class, the JSON's numbers" {
    command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"
    start_sink
    local d=$SINK_DIR
    run src --seed=3 --size=lognormal:3k:300k -m 40 -s 4 --plot="$d/p.svg" --json="$d/r.json" \
        --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    xmllint --noout "$d/p.svg"
    [ "$(xp "$d/p.svg" 'count(//g[@class="panel"])')" -eq 4 ]
    [ "$(xp "$d/p.svg" 'string(//g[@class="panel"][4]/@id)')" = size ]
    # Every class of the JSON's dot_by_size is a point of each series, with
    # its count and value, where the panel's scale puts class c (x = c).
    local pts
    pts=$(for s in dot-p50 dot-p99; do
        n=$(xp "$d/p.svg" "count(//g[@id='size']/circle[@data-series='$s'])")
        for i in $(seq 1 "$n"); do
            xp "$d/p.svg" "concat('$s ', //g[@id='size']/circle[@data-series='$s'][$i]/@data-from-bytes, ' ', //g[@id='size']/circle[@data-series='$s'][$i]/@data-count, ' ', //g[@id='size']/circle[@data-series='$s'][$i]/@data-value, ' ', //g[@id='size']/circle[@data-series='$s'][$i]/@cx)"
            echo
        done
    done)
    local scale
    scale=$(xp "$d/p.svg" "concat(//g[@id='size']/@data-px0, ' ', //g[@id='size']/@data-px1, ' ', //g[@id='size']/@data-x0, ' ', //g[@id='size']/@data-x1)")
    python3 -c '
import json, math, sys
w = json.load(open(sys.argv[1]))["workload"]
px0, px1, x0, x1 = map(float, sys.argv[3].split())
got = {}
for l in sys.argv[2].splitlines():
    if l:
        s, frm, cnt, val, cx = l.split()
        got[(s, int(frm))] = (int(cnt), val, float(cx))
classes = w["dot_by_size"]
assert len(classes) >= 4, classes
assert len(got) == 2 * len(classes), (got, classes)
for c in classes:
    k = 0 if c["from_bytes"] == 0 else round(math.log(c["from_bytes"] / 1024, 4)) + 1
    for s, us in (("dot-p50", c["p50_us"]), ("dot-p99", c["p99_us"])):
        cnt, val, cx = got[(s, c["from_bytes"])]
        assert cnt == c["count"] and val == "%.3f" % (us / 1000), (s, c, cnt, val)
        assert abs(cx - (px0 + (k - x0) / (x1 - x0) * (px1 - px0))) < 0.01, (s, c, cx)' \
        "$d/r.json" "$pts" "$scale"
    # The class labels along x, "< 1k" as character data.
    [[ "$(xp "$d/p.svg" 'string(//g[@id="size"])')" == *"1k-4k"* ]]
    # Without a size there is nothing to draw by size: three panels.
    run src --seed=3 --rcpts=1-2 -m 4 --plot="$d/q.svg" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$(xp "$d/q.svg" 'count(//g[@class="panel"])')" -eq 3 ]
    [ "$(xp "$d/q.svg" 'count(//g[@id="size"])')" -eq 0 ]
}

@test "--find-rate: each step's workload part is its own, in the text and the JSON; --stages: the whole run's" {
    start_sink
    local d=$SINK_DIR
    run --separate-stderr src --seed=5 --size=1k-100k --rcpts=1-3 --find-rate=2-4 --step=1s -s 2 \
        --fail-if='p50(corrected)>10s' --json="$d/find.json" "$SINK_ADDR"
    [ "$status" -eq 4 ]
    run --separate-stderr src --seed=5 --size=1k-100k --rcpts=1-3 --find-rate=2-4 --step=1s -s 2 \
        --fail-if='p50(corrected)>10s' "$SINK_ADDR"
    [ "$status" -eq 4 ]
    # A step is a run from slot 0: its messages are the seed's first ones,
    # as many as it ended; the text says each step's part as the JSON does.
    python3 -c '
import json, sys
steps = json.load(open(sys.argv[1]))["search"]["steps"]
text = sys.argv[2]
assert len(steps) == 2, steps
for i, s in enumerate(steps, 1):
    w = s["workload"]
    z = w["sizes"]
    assert w["seed"] == 5 and w["size_spec"] == "1k-100k", w
    assert z["count"] == s["sent"] + s["failed"] == w["recipients_per_message"]["count"], s
    assert sum(c["count"] for c in w["dot_by_size"]) == s["sent"], w
    head = "  step %d, %g/s offered:\n  workload    seed 5 (--seed=5 repeats it)\n" % (i, s["offered_per_s"])
    line = "  sizes       1k-100k: min %d, p50 %d, p99 %d, max %d, total %d bytes\n" % (
        z["min"], z["p50"], z["p99"], z["max"], z["total_bytes"])
    assert head + line in text, (head + line, text)
assert steps[1]["workload"]["sizes"]["total_bytes"] > steps[0]["workload"]["sizes"]["total_bytes"]' \
        "$d/find.json" "$output"
    # --stages: one run, one workload part for all its stages.
    run src --seed=5 --size=1k-100k -s 2 --stages=0.2s:50/s,0.2s:100/s --json="$d/stages.json" --quiet "$SINK_ADDR"
    [ "$status" -eq 0 ]
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["stages"]) == 2 and r["workload"]["sizes"]["count"] == r["messages"]["sent"] == 20, r["workload"]' \
        "$d/stages.json"
}

@test "--size under --pipelining -d with SIZE offered: each message goes out with its own headers" {
    # The next MAIL FROM's SIZE= is sized while the current message is
    # still to be written: its headers must not be the next one's.
    start_fake_script - <<'EOS'
ehlo PIPELINING SIZE
EOS
    run src --ehlo --pipelining -d --seed=3 --size=2k-3k -m 6 --records="$SINK_DIR/rec" "$FAKE_ADDR"
    [ "$status" -eq 0 ]
    local in=$FAKE_LOG/conn.1.in
    # Six messages, six Message-Ids: 5 to 0 messages left after each.
    [ "$(sed -n 's/^Message-Id: <[0-9a-f]*\.[0-9a-f]*\.\([0-9a-f]*\)@.*/\1/p' "$in" | tr -d '\r' | tr '\n' ' ')" = "0005 0004 0003 0002 0001 0000 " ]
    # Each SIZE= is the size of the message that follows it, as recorded.
    [ "$(grep -ao 'SIZE=[0-9]*' "$in" | cut -d= -f2 | tr '\n' ' ')" = \
      "$(python3 -c 'import json, sys; rs = [json.loads(l) for l in open(sys.argv[1])]; print(" ".join(str(r["size"]) for r in sorted(rs, key=lambda r: r["slot"])))' "$SINK_DIR/rec") " ]
}

@test "--smtputf8, a drawn UTF-8 address, a server without SMTPUTF8: the message fails before MAIL, the ASCII ones go" {
    start_fake_script - <<'EOF2'
ehlo PIPELINING SIZE
EOF2
    run -1 --separate-stderr src --smtputf8 --rcpt-domains=$'\xc3\xbc.test' -m 2 "$FAKE_ADDR"
    [ "$stderr" = "$SRC: fatal: the server does not offer SMTPUTF8, which the addresses need" ]
    [[ "$output" == *"failures    1 extension missing"* ]]
    [ -z "$(fake_mails)" ]
    ! cat "$FAKE_LOG"/conn.*.in | grep -qa '^RCPT'
    # With -A each such message is counted and warned of; the others go.
    local d=$SINK_DIR mode
    printf 'a@x.test 3\n\xc3\xbc@x.test\nb@y.test 3\n' >"$d/rcpts"
    printf 's@x.test\n' >"$d/from"
    for mode in "" "--pipelining -d"; do
        stop_fake
        start_fake_script - <<'EOF2'
ehlo PIPELINING SIZE
EOF2
        # shellcheck disable=SC2086
        run --separate-stderr src $mode -A --smtputf8 --seed=6 --rcpt-file="$d/rcpts" \
            --from-file="$d/from" -m 12 --records="$d/rec" "$FAKE_ADDR"
        [ "$status" -eq 0 ]
        local sent failed
        read -r sent failed < <(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
for r in rs:
    assert (r["result"] == "sent") != (r.get("reason") == "extension"), r
print(sum(r["result"] == "sent" for r in rs), sum(r["result"] != "sent" for r in rs))' "$d/rec")
        [ "$sent" -gt 0 ] && [ "$failed" -gt 0 ]
        [ "$(fake_mails | wc -l)" -eq "$sent" ]
        ! cat "$FAKE_LOG"/conn.*.in | grep -qa $'\xc3\xbc'
        [ "$(grep -c 'warning: the server does not offer SMTPUTF8, which the addresses need' <<<"$stderr")" -eq "$failed" ]
    done
}
