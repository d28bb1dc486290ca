# Client machines one can ssh into, on one machine (sourced; bash, root):
# on top of tests/netns.sh's client namespaces, each gets an sshd of its
# own, listening only at the namespace's address, with a home of its own
# (a tmpfs over /root in the sshd's own mount namespace, so that four
# "hosts" do not share files), a host key made here, and one user key the
# operator logs in with. The operator side is an ssh_config naming the
# hosts c1..cN, for ssh and for GNU parallel ($PARALLEL_SSH).

# sshhosts_up N DIR: keys and configs in DIR, N sshds (in the namespaces
# of netns_up, which must have been made with at least N clients). Sets
# SSH_PIDS and PARALLEL_SSH.
sshhosts_up() {
    local n=$1 dir=$2 i net ip pid
    net=${NETNS_SERVER_IP%.1}
    SSH_PIDS=
    ssh-keygen -q -t ed25519 -N '' -C operator -f "$dir/user_key" || return 1
    cp "$dir/user_key.pub" "$dir/authorized_keys"
    : >"$dir/known_hosts"
    cat >"$dir/ssh_config" <<CFG
Host *
    User root
    IdentityFile $dir/user_key
    IdentitiesOnly yes
    UserKnownHostsFile $dir/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    BatchMode yes
    ConnectTimeout 10
CFG
    for ((i = 0; i < n; i++)); do
        ip=$net.$((10 + i))
        mkdir -p "$dir/c$((i + 1))"
        ssh-keygen -q -t ed25519 -N '' -C "c$((i + 1))" -f "$dir/c$((i + 1))/host_key" || return 1
        echo "c$((i + 1)) $(cut -d' ' -f1,2 "$dir/c$((i + 1))/host_key.pub")" >>"$dir/known_hosts"
        cat >>"$dir/ssh_config" <<CFG
Host c$((i + 1))
    HostName $ip
    HostKeyAlias c$((i + 1))
CFG
        cat >"$dir/c$((i + 1))/sshd_config" <<CFG
ListenAddress $ip:22
HostKey $dir/c$((i + 1))/host_key
PidFile none
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
CFG
        # The host's own /root and /run (sshd wants /run/sshd), in a mount
        # namespace that dies with it.
        ip netns exec "$NETNS_PREFIX-$i" unshare --mount --propagation private sh -c '
            mount -t tmpfs -o mode=0700 tmpfs /root && mount -t tmpfs tmpfs /run &&
            mkdir /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' _ "$dir/c$((i + 1))/sshd_config" \
            >"$dir/c$((i + 1))/log" 2>&1 &
        pid=$!
        SSH_PIDS="$SSH_PIDS $pid"
    done
    PARALLEL_SSH="ssh -F $dir/ssh_config"
    export PARALLEL_SSH
    # Each host answers (ssh retried while its sshd comes up).
    for ((i = 1; i <= n; i++)); do
        sshhosts_wait "c$i" "$dir" || return 1
    done
}

sshhosts_wait() {
    local k
    for ((k = 0; k < 200; k++)); do
        ip netns exec "$NETNS_SERVER" ssh -F "$2/ssh_config" "$1" true 2>/dev/null && return 0
        sleep 0.05
    done
    echo "cannot ssh to $1:" >&2
    cat "$2/${1}/log" >&2
    return 1
}

# Stops every sshd of sshhosts_up, and the sessions still in them.
sshhosts_down() {
    local p ns
    for p in ${SSH_PIDS:-}; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    SSH_PIDS=
    # A session still open lives on in the namespace: every process there
    # is this test's.
    for ns in $(netns_mine); do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$p" 2>/dev/null || true
        done
    done
}
