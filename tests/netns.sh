# Several client machines on one: network namespaces (sourced; bash, root).
# One namespace holds the server behind a bridge at 10.X.0.1/24; each
# client namespace has a veth into that bridge at 10.X.0.(10+i). The
# addresses exist only inside these namespaces, so X is free to choose
# and nothing on the host can clash with them. Names start with a prefix
# unique to the caller (sst<pid><random>), and netns_down removes exactly
# those.

# Why namespaces cannot be made here, or nothing (status 0) if they can.
netns_unavailable() {
    local probe="sst$$${RANDOM}probe"
    [ "$(id -u)" = 0 ] || { echo "network namespaces need root"; return 0; }
    command -v ip >/dev/null 2>&1 || { echo "ip (iproute2) is not installed"; return 0; }
    ip netns add "$probe" 2>/dev/null || { echo "no network namespaces here (ip netns add failed)"; return 0; }
    ip netns del "$probe"
    return 1
}

# netns_up N: the server's namespace and N client namespaces. Sets
# NETNS_PREFIX, NETNS_SERVER (the server's namespace) and NETNS_SERVER_IP.
netns_up() {
    local n=$1 i net
    NETNS_PREFIX=${NETNS_PREFIX:-sst$$$RANDOM}
    NETNS_SERVER=$NETNS_PREFIX-server
    net=$((20 + RANDOM % 200))
    NETNS_SERVER_IP=10.$net.0.1
    ip netns add "$NETNS_SERVER" || return 1
    ip -n "$NETNS_SERVER" link set lo up &&
        ip -n "$NETNS_SERVER" link add br0 type bridge &&
        ip -n "$NETNS_SERVER" addr add "$NETNS_SERVER_IP/24" dev br0 &&
        ip -n "$NETNS_SERVER" link set br0 up || return 1
    for ((i = 0; i < n; i++)); do
        ip netns add "$NETNS_PREFIX-$i" &&
            ip -n "$NETNS_PREFIX-$i" link set lo up &&
            ip link add name eth0 netns "$NETNS_PREFIX-$i" type veth peer name "v$i" netns "$NETNS_SERVER" &&
            ip -n "$NETNS_SERVER" link set "v$i" master br0 up &&
            ip -n "$NETNS_PREFIX-$i" addr add "10.$net.0.$((10 + i))/24" dev eth0 &&
            ip -n "$NETNS_PREFIX-$i" link set eth0 up || return 1
    done
}

# Removes every namespace of NETNS_PREFIX (their veths go with them).
# The processes in them must have been stopped first.
netns_down() {
    local ns
    [ -n "${NETNS_PREFIX:-}" ] || return 0
    for ns in $(netns_mine); do
        ip netns del "$ns" 2>/dev/null || true
    done
}

# The namespaces of NETNS_PREFIX that exist, one a line.
netns_mine() {
    ip netns list 2>/dev/null | awk -v p="$NETNS_PREFIX-" 'index($1, p) == 1 { print $1 }'
}

# netns_sink DUMP [OPTIONS...]: smtp-sink (as nobody) in the server's
# namespace on a random port, its dump in DUMP (none if empty), with more
# smtp-sink OPTIONS. Sets SINK_PID, SINK_PORT, NETNS_SINK_ADDR.
# The listening socket is looked for in the sink's own namespace's table
# (/proc/PID/net/tcp): the host's knows nothing of it.
netns_sink() {
    local dump=$1 hex i
    shift
    SINK_PORT=$((20000 + RANDOM % 10000))
    ip netns exec "$NETNS_SERVER" "${SINK:-/usr/sbin/smtp-sink}" -u nobody ${dump:+-D "$dump"} "$@" \
        "$NETNS_SERVER_IP:$SINK_PORT" 1024 >/dev/null 2>&1 &
    SINK_PID=$!
    NETNS_SINK_ADDR=$NETNS_SERVER_IP:$SINK_PORT
    printf -v hex '%04X' "$SINK_PORT"
    for ((i = 0; i < 1000; i++)); do
        kill -0 "$SINK_PID" 2>/dev/null || return 1
        awk -v h=":$hex" '$2 ~ h "$" && $4 == "0A" { found = 1 } END { exit !found }' \
            "/proc/$SINK_PID/net/tcp" 2>/dev/null && return 0
        sleep 0.01
    done
    return 1
}
