# Real mail servers for the tests and benchmarks (sourced; bash): a private
# Postfix (SMTP with STARTTLS, SMTPS, submission with AUTH) and a private
# Dovecot (SASL for that Postfix, and LMTP), each living entirely under a
# directory of the caller's. The machine's own Postfix and Dovecot
# (/etc/postfix, /etc/dovecot, their services) are never started, reloaded
# or changed: every command here names the private configuration.
#
#   dovecot_start DIR   exports DOVECOT_DIR DOVECOT_LMTP DOVECOT_AUTH
#                       DOVECOT_LOG DOVECOT_MAILDIR DOVECOT_USER
#                       DOVECOT_PASSWORD_FILE, and DOVECOT_LONG_USER
#                       DOVECOT_LONG_PASSWORD_FILE (a 3000-byte password:
#                       too long for an AUTH line with initial response)
#   mx_start DIR        exports MX_DIR MX_SMTP MX_SMTPS MX_SUBMISSION
#                       MX_CERT MX_KEY MX_LOG MX_MAILDIR
#   mx_stop, dovecot_stop   idempotent; safe after a start that failed
#
# Start Dovecot first: Postfix asks it for SASL at DOVECOT_AUTH. Listeners,
# all on 127.0.0.1 ports free at start:
#   MX_SMTP        ESMTP with STARTTLS (optional), PIPELINING, CHUNKING,
#                  SMTPUTF8, 8BITMIME, DSN, SIZE; no AUTH
#   MX_SMTPS       the same in TLS wrapper mode, AUTH PLAIN LOGIN offered
#   MX_SUBMISSION  STARTTLS required, then AUTH PLAIN LOGIN required
#   DOVECOT_LMTP   LMTP, any recipient
# Postfix delivers mail for any address at example.test, a.example.test and
# b.example.test (the last two for --rcpt-domains mixes; UTF-8 local parts
# too) with virtual(8) into the single Maildir $MX_MAILDIR: one file per
# recipient in new/, the message as received after four lines Postfix
# prepends (Return-Path, X-Original-To, Delivered-To, Received). Dovecot's
# LMTP delivers into $DOVECOT_MAILDIR/<address>/new/. The certificate
# ($MX_CERT, self-signed, CN and DNS name mx.test, IP 127.0.0.1) is its own
# CA: give it to a client as the trust anchor.
#
# Logs are plain files (no syslog): $MX_LOG, $DOVECOT_LOG. Postfix logs as
# mx/smtpd (MX_SMTP), mx/smtps/smtpd and mx/submission/smtpd. A log line is
# written after the reply the client saw: wait (mx_wait_delivered,
# mx_wait_log) before reading.

MS_POSTFIX=${MS_POSTFIX:-/usr/sbin/postfix}
MS_POSTFIX_DAEMONS=${MS_POSTFIX_DAEMONS:-/usr/lib/postfix/sbin}
MS_DOVECOT=${MS_DOVECOT:-/usr/sbin/dovecot}
MS_DOVECOT_LIBEXEC=${MS_DOVECOT_LIBEXEC:-/usr/lib/dovecot}
# Bound on every wait here, in seconds.
MS_TIMEOUT=${MS_TIMEOUT:-30}
# Mail is written as this uid/gid (virtual(8) and Dovecot refuse root).
MS_MAIL_UID=${MS_MAIL_UID:-65534}
MS_MAIL_GID=${MS_MAIL_GID:-65534}

# Each fork costs tens of milliseconds on the CI machine, so the helpers
# below read /proc with one awk or find at a time, never one per process.
# Everything here works under "set -e" (Bats): a command allowed to fail
# is in a condition or followed by "|| true".

# --- common ------------------------------------------------------------------

_ms_err() { echo "mailservers: $*" >&2; }

# _ms_prepare DIR: DIR made (mode 0755) and printed as an absolute path.
# The servers' unprivileged users (postfix, dovecot, nobody) open paths
# under it, so every directory above it must be searchable by all.
_ms_prepare() {
    local dir=$1 d up=() bad
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd -P) && chmod 0755 "$dir" || return 1
    d=$dir
    while [ -n "$d" ]; do
        d=${d%/*}
        up+=("${d:-/}")
    done
    bad=$(stat -c '%A %n' "${up[@]}" | awk '$1 !~ /[xt]$/ { print $2 }')
    if [ -n "$bad" ]; then
        _ms_err "not searchable by other users, so the servers cannot reach $dir:" "$bad"
        return 1
    fi
    echo "$dir"
}

# _ms_free_ports N: N distinct loopback ports that no socket uses now (in
# any state: a port held by a connection is skipped too). A server may
# still lose the race for one: callers retry with fresh ports.
_ms_free_ports() {
    local n=$1 port out="" tries=0
    local -A used=()
    for port in $(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        used[$((16#$port))]=1
    done
    while [ "$n" -gt 0 ] && [ $((tries += 1)) -lt 1000 ]; do
        port=$((20000 + RANDOM % 12000))
        [ -z "${used[$port]:-}" ] || continue
        used[$port]=1
        out="$out$port "
        n=$((n - 1))
    done
    [ "$n" -eq 0 ] && echo "${out% }"
}

# _ms_held_by PID PORT...: does process PID hold a listening socket on
# each 127.0.0.1 PORT? Read through /proc, so that another program that
# happens to hold a port is never mistaken for the server.
_ms_held_by() {
    local pid=$1
    shift
    find "/proc/$pid/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
        awk -v ports="$*" '
            BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) want[sprintf("0100007F:%04X", p[i])] = 1 }
            FILENAME == "-" { if (match($0, /^socket:\[[0-9]+\]$/)) mine[substr($0, 9, length($0) - 9)] = 1; next }
            FNR > 1 && $4 == "0A" && ($2 in want) && ($10 in mine) { held[$2] = 1 }
            END { for (k in want) if (!(k in held)) exit 1 }
        ' - /proc/net/tcp
}

# _ms_poll SECONDS COMMAND...: runs COMMAND every 20 ms until it succeeds
# (0) or SECONDS have passed (1).
_ms_poll() {
    local end=$((SECONDS + $1))
    shift
    while :; do
        if "$@"; then return 0; fi
        if [ "$SECONDS" -ge "$end" ]; then return 1; fi
        sleep 0.02
    done
}

_ms_at_least() { [ "$("${@:2}")" -ge "$1" ]; }

# _ms_instance_pids DIR BIN...: the live processes of the instance under
# DIR: those running one of the server's binaries (an exe equal to or
# under a BIN) whose working directory or command line is inside DIR. A
# shell that happens to cd into DIR runs no such binary, so it is never
# taken for one of ours; nor is a zombie (it has no exe).
_ms_instance_pids() {
    local dir=$1
    shift
    {
        find /proc -mindepth 2 -maxdepth 2 \( -name exe -o -name cwd \) \
            -printf '%h\t%f\t%l\n' 2>/dev/null || true
        grep -lsF -- "$dir/" /proc/[0-9]*/cmdline || true
    } | awk -F '\t' -v dir="$dir" -v bins="$*" '
        BEGIN { nb = split(bins, b, " ") }
        /\/cmdline$/ { sub(/\/cmdline$/, ""); inside[$0] = 1; next }
        $2 == "exe" {
            for (i = 1; i <= nb; i++)
                if ($3 == b[i] || index($3, b[i] "/") == 1) { ours[$1] = 1; break }
        }
        $2 == "cwd" && ($3 == dir || index($3, dir "/") == 1) { inside[$1] = 1 }
        END { for (p in ours) if (p in inside) { sub(/^\/proc\//, "", p); print p } }'
}
_ms_none_left() { [ -z "$(_ms_instance_pids "$@")" ]; }

# _ms_reap DIR WHAT BIN...: waits (bounded) until no process of the
# instance under DIR is left, kills with -9 what remains, and fails loudly
# if anything survives that.
_ms_reap() {
    local dir=$1 what=$2 pids
    shift 2
    _ms_poll "$MS_TIMEOUT" _ms_none_left "$dir" "$@" && return 0
    pids=$(_ms_instance_pids "$dir" "$@")
    _ms_err "$what under $dir did not stop within ${MS_TIMEOUT}s; kill -9:" "${pids//$'\n'/ }"
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    _ms_poll 5 _ms_none_left "$dir" "$@" && return 0
    pids=$(_ms_instance_pids "$dir" "$@")
    _ms_err "$what processes under $dir survive kill -9:" "${pids//$'\n'/ }"
    # shellcheck disable=SC2086
    ps -o pid,ppid,stat,args -p "$(echo $pids | tr ' ' ,)" >&2 || true
    return 1
}

# ms_leftovers DIR: the processes (Postfix's or Dovecot's, not zombies)
# still running for an instance under DIR, as ps shows them; fails if any.
ms_leftovers() {
    local pids
    # shellcheck disable=SC2046
    pids=$(_ms_instance_pids "$1" $(_ms_postfix_bins) $(_ms_dovecot_bins))
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    ps -o pid,ppid,stat,args -p "$(echo $pids | tr ' ' ,)"
    return 1
}

# Files in new/ of a Maildir, or of all the Maildirs under a directory.
_ms_count_new() { find "$1" -path '*/new/*' -type f 2>/dev/null | wc -l; }

# --- talking to the servers --------------------------------------------------

# ms_tls_session ADDR [s_client options...]: one TLS session with the
# commands on stdin (LF is sent as CRLF), the server's replies on stdout.
# The server's certificate must verify against MX_CERT for the name
# mx.test. The commands may all be sent at once: Postfix reads pipelined
# input in order. It returns when the server closes (after QUIT). For
# STARTTLS: ms_tls_session "$MX_SMTP" -starttls smtp.
ms_tls_session() {
    local addr=$1
    shift
    timeout -k 5 "$MS_TIMEOUT" openssl s_client -connect "$addr" -quiet -crlf \
        -CAfile "$MX_CERT" -verify_return_error -verify_hostname mx.test \
        -servername mx.test "$@" 2>/dev/null
}

# ms_plain_session ADDR: the same without TLS (bash's /dev/tcp).
ms_plain_session() {
    local input
    input=$(sed 's/$/\r/') || return 1
    timeout -k 5 "$MS_TIMEOUT" bash -c '
        exec 3<>"/dev/tcp/${0%:*}/${0##*:}" || exit 1
        printf "%s\n" "$1" >&3
        cat <&3' "$1" "$input"
}

# ms_auth_plain USER PASSWORD: the base64 argument of AUTH PLAIN.
ms_auth_plain() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }

# --- Dovecot -----------------------------------------------------------------

_ms_dovecot_bins() { echo "$MS_DOVECOT" "$MS_DOVECOT_LIBEXEC"; }

_dovecot_conf() {
    local dir=$1 lmtp=$2 auth=$3
    cat <<EOF
# A private instance for the tests (tests/mailservers.sh). Nothing of
# /etc/dovecot is read.
instance_name = dovecot-test
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
default_login_user = dovenull
default_internal_user = dovecot
# Every mailbox belongs to one unprivileged uid.
first_valid_uid = $MS_MAIL_UID
last_valid_uid = $MS_MAIL_UID
first_valid_gid = $MS_MAIL_GID
last_valid_gid = $MS_MAIL_GID

# SASL for the private Postfix, which reaches it over loopback TCP
# (smtpd_sasl_path = inet:127.0.0.1:$auth). Two users, in $dir/users.
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_cache_size = 0
# A refused login answers at once (the default waits 2 s, to slow guessing).
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
# LMTP takes any recipient; each address gets a Maildir of its own.
userdb {
  driver = static
  args = uid=$MS_MAIL_UID gid=$MS_MAIL_GID home=$dir/mail/%u allow_all_users=yes
}
mail_location = maildir:$dir/mail/%u:INDEX=MEMORY
mail_fsync = never
postmaster_address = postmaster@example.test
lmtp_save_to_detail_mailbox = no
recipient_delimiter =

service auth {
  inet_listener auth-postfix {
    address = 127.0.0.1
    port = $auth
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp
  }
}
EOF
}

# dovecot_start DIR: a private Dovecot under DIR on two free loopback ports.
dovecot_start() {
    local dir ports lmtp auth pid
    [ -n "${1:-}" ] || { _ms_err "usage: dovecot_start DIR"; return 1; }
    dir=$(_ms_prepare "$1") || return 1
    export DOVECOT_DIR=$dir
    export DOVECOT_LOG=$dir/dovecot.log
    export DOVECOT_MAILDIR=$dir/mail
    export DOVECOT_USER=user@example.test
    export DOVECOT_PASSWORD_FILE=$dir/password
    export DOVECOT_LONG_USER=long@example.test
    export DOVECOT_LONG_PASSWORD_FILE=$dir/password.long
    mkdir -p "$dir/run" "$dir/state" "$dir/mail" &&
        chown "$MS_MAIL_UID:$MS_MAIL_GID" "$dir/mail" || return 1
    if [ ! -s "$DOVECOT_PASSWORD_FILE" ]; then
        (umask 077 && openssl rand -hex 12 >"$DOVECOT_PASSWORD_FILE") || return 1
    fi
    if [ ! -s "$DOVECOT_LONG_PASSWORD_FILE" ]; then
        (umask 077 && openssl rand -hex 1500 | tr -d '\n' >"$DOVECOT_LONG_PASSWORD_FILE" &&
            echo >>"$DOVECOT_LONG_PASSWORD_FILE") || return 1
    fi
    # Read by the auth process, which runs as the dovecot user.
    (umask 027 &&
        printf '%s:{PLAIN}%s::::::\n' "$DOVECOT_USER" "$(<"$DOVECOT_PASSWORD_FILE")" \
            "$DOVECOT_LONG_USER" "$(<"$DOVECOT_LONG_PASSWORD_FILE")" >"$dir/users" &&
        chgrp dovecot "$dir/users") || return 1

    for _ in 1 2 3 4 5 6 7 8 9 10; do
        ports=$(_ms_free_ports 2) || return 1
        read -r lmtp auth <<<"$ports"
        _dovecot_conf "$dir" "$lmtp" "$auth" >"$dir/dovecot.conf"
        # It forks into the background once its listeners are bound, and
        # fails if a port was taken meanwhile. fd 3 closed: Bats waits on it.
        if timeout -k 5 "$MS_TIMEOUT" "$MS_DOVECOT" -c "$dir/dovecot.conf" \
            </dev/null >>"$dir/start.log" 2>&1 3>&-; then
            pid=$(cat "$dir/run/master.pid" 2>/dev/null) || pid=""
            if [ -n "$pid" ] && _ms_held_by "$pid" "$lmtp" "$auth"; then
                export DOVECOT_LMTP=127.0.0.1:$lmtp
                export DOVECOT_AUTH=127.0.0.1:$auth
                return 0
            fi
        fi
        _dovecot_kill "$dir"
    done
    _ms_err "could not start dovecot under $dir (see $dir/start.log, $DOVECOT_LOG)"
    tail -n 5 "$dir/start.log" "$DOVECOT_LOG" >&2 2>/dev/null || true
    return 1
}

# Dovecot's master, told to stop alone, waits about a second for its
# children to notice; they stop at once on SIGTERM, so all get it together.
_dovecot_kill() {
    local dir=$1 pids
    # shellcheck disable=SC2046
    pids=$(_ms_instance_pids "$dir" $(_ms_dovecot_bins))
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
    # shellcheck disable=SC2046
    _ms_reap "$dir" dovecot $(_ms_dovecot_bins)
}

dovecot_stop() {
    local dir=${DOVECOT_DIR:-}
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    _dovecot_kill "$dir"
}

# dovecot_delivered: deliveries by LMTP so far (one per recipient).
dovecot_delivered() { _ms_count_new "$DOVECOT_MAILDIR"; }

# dovecot_wait_delivered N: waits (bounded) until N deliveries are there.
dovecot_wait_delivered() {
    _ms_poll "$MS_TIMEOUT" _ms_at_least "$1" dovecot_delivered && return 0
    _ms_err "dovecot: $(dovecot_delivered) deliveries, not $1, after ${MS_TIMEOUT}s"
    tail -n 20 "$DOVECOT_LOG" >&2 || true
    return 1
}

# --- Postfix -----------------------------------------------------------------

_ms_postfix_bins() { echo "$MS_POSTFIX_DAEMONS"; }

_mx_main_cf() {
    local dir=$1
    cat <<EOF
# A private instance for the tests (tests/mailservers.sh). Of /etc/postfix
# only the installation's tables (postfix-files, dynamicmaps.cf) are read.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
syslog_name = mx
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mx.test
mydomain = test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8

# Mail for example.test is delivered here; nothing ever leaves the machine.
mydestination =
relay_domains =
local_transport = error:no local delivery
default_transport = error:no outbound mail
relay_transport = error:no outbound mail
alias_maps =
alias_database =
smtp_dns_support_level = disabled
notify_classes =
virtual_mailbox_domains = example.test a.example.test b.example.test
virtual_mailbox_base = $dir
virtual_mailbox_maps = static:Maildir/
virtual_uid_maps = static:$MS_MAIL_UID
virtual_gid_maps = static:$MS_MAIL_GID
virtual_destination_concurrency_limit = 50
smtputf8_enable = yes
# The message is stored as the client sent it: no headers added (From:,
# Date:, Message-Id:) and none rewritten.
local_header_rewrite_clients =

smtpd_banner = \$myhostname ESMTP
smtpd_peername_lookup = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = $dir/conf/cert.pem
smtpd_tls_key_file = $dir/conf/key.pem
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =

# Load: no rate or count limits, no tarpit, enough processes for ~50
# sessions at once on each listener.
default_process_limit = 200
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100000
smtpd_hard_error_limit = 100000
smtpd_junk_command_limit = 100000
smtpd_recipient_limit = 100000
# Postfix's default, said here: the workload tests send one message above it.
message_size_limit = 10240000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_auth_rate_limit = 0
EOF
}

# chroot is n everywhere: the queue directory holds no copy of /etc or of
# the libraries, and nothing here needs one.
_mx_master_cf() {
    local smtp=$1 smtps=$2 sub=$3 auth=$4
    cat <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$smtp inet n - n - - smtpd
127.0.0.1:$smtps inet n - n - - smtpd
  -o syslog_name=mx/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=inet:$auth
127.0.0.1:$sub inet n - n - - smtpd
  -o syslog_name=mx/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=inet:$auth
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
virtual   unix  -       n       n       -       -       virtual
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# The queue and data directories with the owners and modes the
# installation's postfix-files gives them. "postfix start" would make them
# itself, but on a new queue it runs post-install and the integrity checks:
# about 3 s of shell. With them made here, queue/quick-start skips that.
_mx_make_dirs() {
    local dir=$1 meta owner group path own grp mode key
    local -A paths=()
    { read -r meta && read -r owner && read -r group; } < <(
        postconf -c "$dir/conf" -h meta_directory mail_owner setgid_group) || return 1
    while read -r path own grp mode; do
        key="$own $grp $mode"
        paths[$key]="${paths[$key]:-} $path"
    done < <(awk -F: -v q="$dir/queue" -v d="$dir/data" -v o="$owner" -v g="$group" '
        $2 == "d" && $1 ~ /^\$(queue|data)_directory(\/|$)/ {
            p = $1; sub(/^\$queue_directory/, q, p); sub(/^\$data_directory/, d, p)
            print p, ($3 == "$mail_owner" ? o : $3), ($4 == "$setgid_group" ? g : ($4 == "-" ? "root" : $4)), $5
        }' "$meta/postfix-files")
    # In any order: a parent that install -d makes first is root's, 0755,
    # as the queue directory is to be.
    for key in "${!paths[@]}"; do
        read -r own grp mode <<<"$key"
        # shellcheck disable=SC2086
        install -d -o "$own" -g "$grp" -m "$mode" ${paths[$key]} || return 1
    done
    [ -d "$dir/queue/pid" ] && [ -d "$dir/queue/private" ] && [ -d "$dir/data" ] || {
        _ms_err "no queue directories from $meta/postfix-files"; return 1; }
}

# mx_start DIR: a private Postfix under DIR on three free loopback ports.
mx_start() {
    local dir ports smtp smtps sub pid auth=${DOVECOT_AUTH:-}
    [ -n "${1:-}" ] || { _ms_err "usage: mx_start DIR"; return 1; }
    dir=$(_ms_prepare "$1") || return 1
    if [ -z "$auth" ]; then
        _ms_err "mx_start: no DOVECOT_AUTH (dovecot_start first): AUTH will fail"
        auth=127.0.0.1:1
    fi
    export MX_DIR=$dir
    export MX_LOG=$dir/maillog
    export MX_CERT=$dir/conf/cert.pem
    export MX_KEY=$dir/conf/key.pem
    export MX_MAILDIR=$dir/Maildir
    # virtual(8) would make the Maildir at the first delivery; made now so
    # that counting new/ works before it.
    mkdir -p "$dir/conf" "$MX_MAILDIR/new" "$MX_MAILDIR/cur" "$MX_MAILDIR/tmp" &&
        chown -R "$MS_MAIL_UID:$MS_MAIL_GID" "$MX_MAILDIR" || return 1
    if [ ! -s "$MX_CERT" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.test \
            -addext subjectAltName=DNS:mx.test,IP:127.0.0.1 \
            -keyout "$MX_KEY" -out "$MX_CERT" >"$dir/openssl.log" 2>&1 || {
            _ms_err "openssl req failed:"; cat "$dir/openssl.log" >&2; return 1; }
        chmod 0600 "$MX_KEY"
    fi
    _mx_main_cf "$dir" >"$dir/conf/main.cf"
    # Postfix reads a main.cf changed within the last 2 s again and again
    # until it is that old (about 2 s for every command and daemon).
    touch -d "@$((EPOCHSECONDS - 10))" "$dir/conf/main.cf" || return 1

    for _ in 1 2 3 4 5 6 7 8 9 10; do
        ports=$(_ms_free_ports 3) || return 1
        read -r smtp smtps sub <<<"$ports"
        _mx_master_cf "$smtp" "$smtps" "$sub" "$auth" >"$dir/conf/master.cf"
        # After master.cf: postconf without one is slow and warns.
        [ -d "$dir/queue/pid" ] || _mx_make_dirs "$dir" || return 1
        : >"$dir/queue/quick-start"
        # Returns once master has bound every listener (master -w), or
        # fails if one was taken. fd 3 closed: Bats waits on it.
        if timeout -k 5 "$MS_TIMEOUT" "$MS_POSTFIX" -c "$dir/conf" start \
            </dev/null >>"$dir/start.log" 2>&1 3>&-; then
            pid=$(tr -d ' ' <"$dir/queue/pid/master.pid" 2>/dev/null) || pid=""
            if [ -n "$pid" ] && _ms_held_by "$pid" "$smtp" "$smtps" "$sub"; then
                export MX_SMTP=127.0.0.1:$smtp
                export MX_SMTPS=127.0.0.1:$smtps
                export MX_SUBMISSION=127.0.0.1:$sub
                return 0
            fi
        fi
        _mx_kill "$dir"
    done
    _ms_err "could not start postfix under $dir (see $dir/start.log, $MX_LOG)"
    tail -n 5 "$dir/start.log" "$MX_LOG" >&2 2>/dev/null || true
    return 1
}

# "postfix stop" signals the master of the pid file (after checking, with
# master -t, that the instance runs); master signals its process group.
# It is run only when that master is alive: told to stop an instance that
# is not running, it fails after a second's pause.
_mx_kill() {
    local dir=$1 pid
    pid=$(tr -d ' ' <"$dir/queue/pid/master.pid" 2>/dev/null) || pid=""
    # shellcheck disable=SC2046
    if [ -n "$pid" ] && _ms_instance_pids "$dir" $(_ms_postfix_bins) | grep -qx "$pid"; then
        timeout -k 5 "$MS_TIMEOUT" "$MS_POSTFIX" -c "$dir/conf" stop \
            </dev/null >>"$dir/stop.log" 2>&1 3>&- || true
    fi
    # shellcheck disable=SC2046
    _ms_reap "$dir" postfix $(_ms_postfix_bins)
}

mx_stop() {
    local dir=${MX_DIR:-}
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    _mx_kill "$dir"
}

# --- Postfix's log -----------------------------------------------------------

_mx_log_count() { grep -cE -- "$1" "$MX_LOG" 2>/dev/null || true; }

# mx_wait_log REGEX N: waits (bounded) until MX_LOG has N lines matching the
# extended REGEX.
mx_wait_log() {
    _ms_poll "$MS_TIMEOUT" _ms_at_least "$2" _mx_log_count "$1" && return 0
    _ms_err "postfix: $(_mx_log_count "$1") log lines match '$1', not $2, after ${MS_TIMEOUT}s"
    tail -n 20 "$MX_LOG" >&2 || true
    return 1
}

# mx_delivered: deliveries so far (one per recipient), as files in new/.
mx_delivered() { _ms_count_new "$MX_MAILDIR"; }

# mx_wait_delivered N: waits (bounded) until N deliveries are in the Maildir
# and logged (status=sent), so that all the log lines of those messages up
# to their delivery can be read.
mx_wait_delivered() {
    _ms_poll "$MS_TIMEOUT" _ms_at_least "$1" mx_delivered &&
        _ms_poll "$MS_TIMEOUT" _ms_at_least "$1" _mx_log_count ' status=sent ' && return 0
    _ms_err "postfix: $(mx_delivered) deliveries ($(_mx_log_count ' status=sent ') logged), not $1, after ${MS_TIMEOUT}s"
    tail -n 20 "$MX_LOG" >&2 || true
    return 1
}

# smtpd's summary of each session, e.g. "... disconnect from
# unknown[127.0.0.1] ehlo=2 starttls=1 mail=1 rcpt=1 bdat=2 quit=1 commands=8".
mx_disconnect_lines() { grep -E '/smtpd\[[0-9]+\]: disconnect from ' "$MX_LOG"; }

# The queue id of each message queued, in order (qmgr's first "queue
# active" line for it).
mx_queue_ids() {
    sed -nE 's#^.* mx/qmgr\[[0-9]+\]: ([0-9A-Za-z]+): from=.*\(queue active\)$#\1#p' "$MX_LOG" |
        awk '!seen[$0]++'
}

# One line per TLS session smtpd established.
mx_tls_lines() { grep -E '/smtpd\[[0-9]+\]: .*TLS connection established from ' "$MX_LOG"; }

# smtpd's AUTH results: sasl_method=/sasl_username= on the client= line of
# each message sent after AUTH, and "SASL ... authentication failed" lines.
mx_sasl_lines() {
    grep -E '/smtpd\[[0-9]+\]: .*(sasl_(method|username)=|SASL [A-Z0-9-]+ authentication failed)' "$MX_LOG"
}
