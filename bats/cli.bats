#!/usr/bin/env bats
# What a new user meets first: make install (PREFIX, DESTDIR) and the bash
# completion it installs.
load helpers

teardown() { [ -z "${INST:-}" ] || rm -rf "$INST"; }

# complete WORDS...: what the installed completion offers for the last word.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _smtp_source; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$TOP/completions/smtp-source" "$@"
}

@test "make install puts the program, the man page and the completion under DESTDIR/PREFIX" {
    INST=$(mktemp -d)
    run make -C "$TOP" -s install DESTDIR="$INST" PREFIX=/opt/ss
    [ "$status" -eq 0 ]
    [ -x "$INST/opt/ss/bin/smtp-source" ]
    [ -f "$INST/opt/ss/share/man/man1/smtp-source.1" ]
    [ -f "$INST/opt/ss/share/bash-completion/completions/smtp-source" ]
    cmp "$TOP/completions/smtp-source" "$INST/opt/ss/share/bash-completion/completions/smtp-source"
    # Nothing outside DESTDIR.
    [ "$(find "$INST" -type f | wc -l)" -eq 3 ]
}

@test "completion: --js gives --json, --pi --pipelining, --ti --timeout=" {
    [ "$(complete_words "$SRC" --js)" = "--json" ]
    [ "$(complete_words "$SRC" --pi)" = "--pipelining" ]
    [ "$(complete_words "$SRC" -m 5 --ti)" = "--timeout=" ]
}

@test "completion: --st gives exactly the --st options the program lists in --help" {
    want=$("$SRC" --help | grep -o -- '--st[a-z0-9-]*=\{0,1\}' | sort -u)
    [ "$(complete_words "$SRC" --st | sort)" = "$want" ]
}

@test "completion: every long option of --help, and the reference's letters" {
    want=$("$SRC" --help | grep -o -- '--[a-z][a-z0-9-]*=\{0,1\}' | sort -u)
    [ "$(complete_words "$SRC" -- | sort)" = "$want" ]
    [ -z "$(complete_words "$SRC" --x)" ]
    [ "$(complete_words "$SRC" -- | wc -l)" -ge 10 ]
    [ "$(complete_words "$SRC" - | tr '\n' ' ')" = "-4 -6 -A -c -C -d -f -F -l -L -m -M -N -o -r -R -s -S -t -T -v -w " ]
}

@test "completion: target prefixes and unix: paths" {
    [[ "$(complete_words "$SRC" un)" == *"unix:"* ]]
    [[ "$(complete_words "$SRC" '[ip')" == *"[ipv6:"* ]]
    d=$(mktemp -d); INST=$d
    touch "$d/sock"
    [ "$(complete_words "$SRC" "unix:$d/so")" = "unix:$d/sock" ]
    [ "$(complete_words "$SRC" -F "$d/so")" = "$d/sock" ]
}

@test "completion: after --merge, the shards' report files" {
    d=$(mktemp -d); INST=$d
    touch "$d/shard0.json" "$d/shard1.json"
    [ "$(complete_words "$SRC" --merge "$d/sha" | sort | tr '\n' ' ')" = "$d/shard0.json $d/shard1.json " ]
    [ "$(complete_words "$SRC" --merge "$d/shard0.json" "$d/shard1" | tr '\n' ' ')" = "$d/shard1.json " ]
    [[ "$(complete_words "$SRC" un)" == *"unix:"* ]]
}
