#!/usr/bin/env bats
# Bad input: one clear line naming the bad value, exit status 1, and
# nothing delivered (the sink's dump stays empty).
load helpers
bats_require_minimum_version 1.5.0

setup() { start_sink; }
teardown() { common_teardown; }

# bad ARGS... -- EXPECTED: runs with ARGS, expects exit 1, the one line
# "$SRC: fatal: EXPECTED" last on stderr, and nothing sent to the sink.
bad() {
    local args=() expected
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    expected=$2
    run src "${args[@]}"
    [ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
    [ "${lines[${#lines[@]}-1]}" = "$SRC: fatal: $expected" ] || { echo "got: $output"; return 1; }
    [ "$(dump_count)" -eq 0 ]
}

@test "counts must be whole numbers in range" {
    for v in 0 -2 abc 5x 2147483648 99999999999999999999 ""; do
        bad -m "$v" "$SINK_ADDR" -- "bad message count: $v"
        bad -s "$v" "$SINK_ADDR" -- "bad session count: $v"
        bad -r "$v" "$SINK_ADDR" -- "bad recipient count: $v"
        bad -C "$v" "$SINK_ADDR" -- "bad connection count: $v"
        bad -l "$v" "$SINK_ADDR" -- "bad message length: $v"
        bad -w "$v" "$SINK_ADDR" -- "bad fixed delay: $v"
        bad -R "$v" "$SINK_ADDR" -- "bad random delay: $v"
    done
}

@test "-s is at most 10000 sessions (each is a process)" {
    bad -s 10001 "$SINK_ADDR" -- "bad session count: 10001"
}

@test "-T must be 1..65535" {
    bad -T 0 "$SINK_ADDR" -- "bad TCP window size: 0"
    bad -T 65536 "$SINK_ADDR" -- "bad TCP window size: 65536"
    bad -T 4k "$SINK_ADDR" -- "bad TCP window size: 4k"
}

@test "--timeout must be 1..86400" {
    bad --timeout=0 "$SINK_ADDR" -- "bad timeout: 0"
    bad --timeout=86401 "$SINK_ADDR" -- "bad timeout: 86401"
}

@test "-w and -R exclude each other, in either order" {
    bad -w 1 -R 1 "$SINK_ADDR" -- "do not use -w and -R options at the same time"
    bad -R 1 -w 1 "$SINK_ADDR" -- "do not use -w and -R options at the same time"
}

@test "-l and -F exclude each other, in either order" {
    bad -l 10 -F /etc/hostname "$SINK_ADDR" -- "-l option cannot be used with -F"
    bad -F /etc/hostname -l 10 "$SINK_ADDR" -- "-l option cannot be used with -F"
}

usage="usage: $SRC -cdLNov -s sess -l msglen -m msgs -C count -M myhostname -f from -t to -r rcptcount -R delay -w delay host[:port]"

# bad_usage ARGS... -- FIRST: exit 1; stderr is FIRST (the line naming the
# mistake: getopt's for the reference's letters), then the reference's usage line, then the long
# options in a short list and where to read more; nothing on stdout.
bad_usage() {
    local args=() first
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    first=$2
    run --separate-stderr src "${args[@]}"
    [ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
    [ -z "$output" ]
    mapfile -t err <<<"$stderr"
    local i=0
    if [ -n "$first" ]; then
        [ "${err[0]}" = "$SRC: $first" ] || { echo "got: ${err[*]}"; return 1; }
        i=1
    fi
    [ "${err[$i]}" = "$SRC: fatal: $usage" ] || { echo "got: ${err[*]}"; return 1; }
    [[ "${err[$((i + 1))]}" == "  long options: --quiet --json[=FILE] "* ]]
    [[ "${err[*]}" == *"--pipelining"*"--help"*"--version"* ]]
    [ "${err[-1]}" = "  $SRC --help lists them all; man smtp-source explains them." ]
    [ "$(dump_count)" -eq 0 ]
}

@test "an unknown option or a missing argument: the line naming it, then the short usage" {
    bad_usage -x "$SINK_ADDR" -- "invalid option -- 'x'"
    bad_usage --bogus "$SINK_ADDR" -- "unknown option --bogus"
    bad_usage "$SINK_ADDR" -m -- "-m after the target $SINK_ADDR: options go before the target"
    bad_usage -m -- "option requires an argument -- 'm'"
}

@test "zero or two targets is a usage error; options stop at the first operand" {
    bad_usage -- "no target: give host[:port] or unix:/path after the options"
    bad_usage "$SINK_ADDR" "$SINK_ADDR" -- "$SINK_ADDR after the target $SINK_ADDR: one target only, after all options"
    bad_usage "$SINK_ADDR" -v -- "-v after the target $SINK_ADDR: options go before the target"
}

@test "--help: every option on standard output, exit 0, nothing on standard error" {
    run --separate-stderr src --help
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "${lines[0]}" = "Usage: $SRC [options] target" ]
    # Every letter of the reference, then every long option the program takes.
    for l in 4 6 A c C d f F l L m M N o r R s S t T v w; do
        [[ "$output" =~ [[:space:]]-$l[[:space:],] ]] || { echo "-$l missing"; return 1; }
    done
    # (TLS and AUTH options only in a build that has TLS.)
    tls=$("$SRC" --version | grep -c '^features: TLS' || true)
    for o in $(grep -ho '{ *"[a-z][a-z0-9-]*" *, *[a-z_]*_argument' "$TOP"/src/*.c "$TOP"/src/*/*.c | sed -E 's/\{ *"([a-z0-9-]+)".*/\1/'); do
        case $o in starttls|smtps|tls-*|auth-*) [ "$tls" -eq 1 ] || continue ;; esac
        [[ "$output" == *"--$o"* ]] || { echo "--$o missing"; return 1; }
    done
    [[ "$output" == *"unix:/path"* ]]
    [[ "$output" == *"man smtp-source"* ]]
    while IFS= read -r line; do [ "${#line}" -le 79 ]; done <<<"$output"
    [ "$(dump_count)" -eq 0 ]
}

@test "--version: the version and the build's features, exit 0" {
    run src --version
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^smtp-source\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
    [[ "${lines[1]}" == "features: "* ]]
}

@test "--help and --version that cannot be written: exit 1" {
    run bash -c '"$1" --help >/dev/full' _ "$SRC"
    [ "$status" -eq 1 ]
    run bash -c '"$1" --version >/dev/full' _ "$SRC"
    [ "$status" -eq 1 ]
}

@test "the same texts as the reference for every usage and count error" {
    have_ref || skip "no reference smtp-source"
    for args in "-m 0" "-s abc" "-r -2" "-C 0" "-l 0" "-w 0" "-R 0" "-w 1 -R 1" "-l 5 -F /etc/hostname" "-M 1234" "-M [1.2.3"; do
        # shellcheck disable=SC2086
        ours=$("$SRC" $args "$SINK_ADDR" x 2>&1 >/dev/null | sed "s|^$SRC:|P:|g; s| $SRC | P |")
        # shellcheck disable=SC2086
        theirs=$("$REF" $args "$SINK_ADDR" x 2>&1 >/dev/null | sed "s|^$REF:|P:|g; s| $REF | P |")
        [ "$ours" = "$theirs" ] || { echo "args '$args': ours '$ours' ref '$theirs'"; return 1; }
    done
}

@test "a usage error begins as the reference's, then lists the long options" {
    have_ref || skip "no reference smtp-source"
    for args in "" "-x" "-m 1 -z"; do
        # (A second operand: our line naming it first, then the reference's.)
        # shellcheck disable=SC2086
        ours=$("$SRC" $args "$SINK_ADDR" x 2>&1 >/dev/null | sed "s|^$SRC:|P:|g; s| $SRC | P |" \
               | sed '/^P: x after the target /d')
        # shellcheck disable=SC2086
        theirs=$("$REF" $args "$SINK_ADDR" x 2>&1 >/dev/null | sed "s|^$REF:|P:|g; s| $REF | P |")
        [ "${ours:0:${#theirs}}" = "$theirs" ] || { echo "args '$args': ours '$ours' ref '$theirs'"; return 1; }
        [[ "${ours:${#theirs}}" == *"long options: "* ]]
    done
}

@test "ports: out of range, junk, unknown service" {
    bad 127.0.0.1:0 -- "127.0.0.1:0: port out of range 1..65535: 0"
    bad 127.0.0.1:65536 -- "127.0.0.1:65536: port out of range 1..65535: 65536"
    bad 127.0.0.1:25x -- "127.0.0.1:25x: garbage after numerical service"
    bad 127.0.0.1:nosuchservice -- "127.0.0.1:nosuchservice: unknown service: nosuchservice"
}

@test "malformed hosts" {
    bad '[::1' -- '[::1: missing "]"'
    bad '[::1]x' -- '[::1]x: garbage after "]"'
    bad '::1' -- '::1: valid hostname or network address required'
    bad ':25' -- ':25: missing host information'
    bad '[ipv6:zz]:25' -- '[ipv6:zz]:25: malformed IPv6 address'
    bad 'inet:bad host:25' -- 'bad host:25: valid hostname or network address required'
}

@test "an unresolvable host gives the resolver's reason" {
    run src -m 1 nonexistent.invalid:25
    [ "$status" -eq 1 ]
    [[ "$output" =~ ^"$SRC: fatal: nonexistent.invalid:25: "[A-Za-z] ]]
    [ "${#lines[@]}" -eq 1 ]
}

@test "-6 with an IPv4 address: the resolver's reason" {
    bad -6 "$SINK_ADDR" -- "$SINK_ADDR: Address family for hostname not supported"
}

@test "unix: path too long, or no socket there" {
    long=/tmp/$(printf 'a%.0s' $(seq 1 103))
    bad "unix:$long" -- "unix-domain name too long: $long"
    run src -m 1 "unix:$SINK_DIR/nothing"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$SRC: fatal: connect to unix:$SINK_DIR/nothing: No such file or directory"* ]]
}

@test "-F: a missing file, a directory" {
    bad -F "$SINK_DIR/none" "$SINK_ADDR" -- "open $SINK_DIR/none: No such file or directory"
    bad -F "$SINK_DIR" "$SINK_ADDR" -- "read $SINK_DIR: Is a directory"
}

@test "-M: a bad host name or address literal, with the validator's warning" {
    bad -M 1234 "$SINK_ADDR" -- "bad hostname: 1234"
    [ "${lines[0]}" = "$SRC: warning: valid_hostname: numeric hostname: 1234" ]
    bad -M 'a b' "$SINK_ADDR" -- "bad hostname: a b"
    [ "${lines[0]}" = "$SRC: warning: valid_hostname: invalid character 32(decimal): a b" ]
    bad -M '[1.2.3' "$SINK_ADDR" -- "bad address literal: [1.2.3"
    [ "${lines[0]}" = "$SRC: warning: valid_mailhost_literal: ']' expected at end: [1.2.3" ]
}

@test "a refused connection names the target" {
    stop_sink
    run src -m 1 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == "$SRC: fatal: connect to $SINK_ADDR: Connection refused"* ]]
    assert_no_workers
}

@test "-C 3 against a refused port: two warnings, then the fatal line" {
    stop_sink
    run src --quiet -C 3 -m 1 "$SINK_ADDR"
    [ "$status" -eq 1 ]
    [ "$output" = "$SRC: warning: connect to $SINK_ADDR: Connection refused
$SRC: warning: connect to $SINK_ADDR: Connection refused
$SRC: fatal: connect to $SINK_ADDR: Connection refused" ]
}

@test "--records and --json to a file that cannot be written" {
    bad --json="$SINK_DIR/no/such/dir" "$SINK_ADDR" -- "--json=$SINK_DIR/no/such/dir: No such file or directory"
    bad --records="$SINK_DIR/no/such/dir" "$SINK_ADDR" -- "--records=$SINK_DIR/no/such/dir: No such file or directory"
}
