#!/usr/bin/env bats
# What a new user meets first: make install (PREFIX, DESTDIR) and the bash
# completion it installs.
load helpers

teardown() {
    [ -z "${TMUX_SOCK:-}" ] || tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
    [ -z "${INST:-}" ] || rm -rf "$INST"
}

# A real interactive bash in a tmux of its own, the completion loaded, the
# program on PATH, in directory $INST/d.
tmux_bash() {
    command -v tmux >/dev/null || skip "tmux is not installed"
    mkdir -p "$INST/bin" "$INST/d"
    ln -s "$SRC" "$INST/bin/smtp-source"
    printf '%s\n' "PS1='$ '" "PATH=$INST/bin:/usr/bin:/bin" "cd $INST/d" \
        ". $TOP/completions/smtp-source" >"$INST/rc"
    TMUX_SOCK=smtp-source-test-$$-$RANDOM
    tmux -L "$TMUX_SOCK" new-session -d -s t -x 200 -y 10 \
        "env -i HOME=$INST TERM=xterm bash --rcfile $INST/rc -i"
    pane_is '$'
}

# pane_is LINE: waits (at most 10 s) until the pane's first line is LINE.
pane_is() {
    local i got
    for i in $(seq 1 200); do
        got=$(tmux -L "$TMUX_SOCK" capture-pane -p -t t | head -n 1)
        [ "$got" = "$1" ] && return 0
        sleep 0.05
    done
    echo "pane: '$got'"; echo "want: '$1'"
    return 1
}

keys() { tmux -L "$TMUX_SOCK" send-keys -t t "$@"; }

# complete WORDS...: what the installed completion offers for the last word,
# the line handed over as bash hands it (COMP_LINE, COMP_POINT, and the words
# split at COMP_WORDBREAKS, = and : among them); each offer printed as the
# whole word it makes (bash keeps the part of the word up to its last break).
complete_words() {
    bash -c '. "$1"; shift
        COMP_WORDBREAKS=$'"'"' \t\n"\x27><=;|&(:'"'"'
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        COMP_WORDS=(); for w in "$@"; do
            while [[ $w =~ ^([^=:]*)([=:])(.*)$ ]]; do
                [ -n "${BASH_REMATCH[1]}" ] && COMP_WORDS+=("${BASH_REMATCH[1]}")
                COMP_WORDS+=("${BASH_REMATCH[2]}"); w=${BASH_REMATCH[3]}
            done
            COMP_WORDS+=("$w")
        done
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _smtp_source
        cur=${!#}; kept=$(_smtp_source_kept "$cur")
        for r in "${COMPREPLY[@]}"; do printf "%s\n" "${cur:0:kept}$r"; done' \
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
    all=$("$SRC" --help | sed '/not in this build/,/^$/d' | grep -o -- '--st[a-z0-9-]*=\{0,1\}' | sort -u)
    want=$(for o in $all; do grep -qx -- "$o=" <<<"$all" || echo "$o"; done)
    [ "$(complete_words "$SRC" --st | sort)" = "$want" ]
}

@test "completion: every long option of --help (once: with its = if it takes a value), and the reference's letters" {
    all=$("$SRC" --help | sed '/not in this build/,/^$/d' | grep -o -- '--[a-z0-9][a-z0-9-]*=\{0,1\}' | sort -u)
    want=$(for o in $all; do grep -qx -- "$o=" <<<"$all" || echo "$o"; done)
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

@test "completion: file names after --json= --records= --plot= --corpus= --tls-ca= --auth-password-file=, as bash splits the word" {
    d=$(mktemp -d); INST=$d
    touch "$d/run-one.json"
    mkdir "$d/plots"
    for o in json records plot corpus tls-ca auth-password-file; do
        [ "$(complete_words "$SRC" "--$o=$d/run-")" = "--$o=$d/run-one.json" ]
    done
    [ "$(complete_words "$SRC" "--plot=$d/pl")" = "--plot=$d/plots/" ]
    [ "$(complete_words "$SRC" --ra)" = "--rate=" ]
    [ "$(complete_words "$SRC" --rate=5 --du)" = "--duration=" ]
    # No offers for a value that is not a file.
    [ -z "$(complete_words "$SRC" --rate=)" ]
}

@test "completion: --content= offers plain and mime" {
    [ "$(complete_words "$SRC" --content=)" = "$(printf -- '--content=plain\n--content=mime')" ]
    [ "$(complete_words "$SRC" -m 5 --content=m)" = "--content=mime" ]
}

@test "completion in a real bash (tmux): --ra<TAB> is --rate= once, files after --json= and --plot=, unix: paths" {
    INST=$(mktemp -d)
    tmux_bash
    touch "$INST/d/report-one.json"
    mkdir "$INST/d/svg"
    touch "$INST/d/svg/p.svg"
    keys 'smtp-source --ra' Tab
    pane_is '$ smtp-source --rate='
    keys '5 --json=rep' Tab
    pane_is '$ smtp-source --rate=5 --json=report-one.json'
    keys ' --plot=sv' Tab
    pane_is '$ smtp-source --rate=5 --json=report-one.json --plot=svg/'
    keys Tab
    pane_is '$ smtp-source --rate=5 --json=report-one.json --plot=svg/p.svg'
    keys " unix:$INST/d/rep" Tab
    pane_is "$ smtp-source --rate=5 --json=report-one.json --plot=svg/p.svg unix:$INST/d/report-one.json"
}

@test "make install after make TLS=openssl installs the TLS build (the build remembers TLS=openssl)" {
    INST=$(mktemp -d)
    mkdir "$INST/tree"
    (cd "$TOP" && tar cf - GNUmakefile src include man completions) | tar xf - -C "$INST/tree"
    # (-O0: the same program, built sooner.)
    run make -s -C "$INST/tree" -j2 TLS=openssl CFLAGS=-O0
    [ "$status" -eq 0 ]
    [ "$(cat "$INST/tree/build/config.mk")" = "TLS := openssl" ]
    run make -s -C "$INST/tree" install DESTDIR="$INST/root" PREFIX=/usr
    [ "$status" -eq 0 ]
    run "$INST/root/usr/bin/smtp-source" --version
    [[ "${lines[1]}" == "features: TLS with OpenSSL "* ]]
    # make TLS= goes back, and is remembered in turn.
    run make -s -C "$INST/tree" -j2 TLS= CFLAGS=-O0
    [ "$status" -eq 0 ]
    run make -s -C "$INST/tree" install DESTDIR="$INST/root2" PREFIX=/usr
    [ "$status" -eq 0 ]
    run "$INST/root2/usr/bin/smtp-source" --version
    [ "${lines[1]}" = "features: no TLS (build with make TLS=openssl for it)" ]
}

@test "--help of a build without TLS lists the TLS and AUTH options under a heading that says how to get them" {
    "$SRC" --version | grep -q '^features: no TLS' || skip "$SRC is a TLS build"
    run "$SRC" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"
TLS and AUTH (not in this build: they need make TLS=openssl):
  --starttls      STARTTLS after EHLO (RFC 3207), then EHLO again"* ]]
    [[ "$output" == *"  --auth-allow-plaintext      allow PLAIN and LOGIN without TLS"* ]]
    # The completion offers only what this build has.
    run bash -c '. "$1"; _smtp_source_long_options "$2"' _ "$TOP/completions/smtp-source" "$SRC"
    [[ "$output" != *"--starttls"* ]]
    [[ "$output" == *"--rate="* ]]
}
