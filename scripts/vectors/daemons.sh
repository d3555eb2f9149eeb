# Bash helpers to run private BIRD / FRR instances inside a network namespace.
# Source after lib.sh.  Every instance keeps its sockets, pid files and logs
# under $RUN (default /tmp/swv1/run); nothing system-wide is started.
#
#   bird_start NS NAME CONF      bird -c CONF -s $RUN/NAME.ctl -P $RUN/NAME.pid
#   birdc_ NAME ARGS...          birdc -s $RUN/NAME.ctl ARGS...
#   frr_start NS NAME CONF       zebra + bgpd with pathspace -N NAME, bgpd -f CONF
#   vtysh_ NAME ARGS...          vtysh -N NAME ARGS...
#   daemons_stop                 kill every daemon started here (by pid file)

RUN=${RUN:-/tmp/swv1/run}
mkdir -p "$RUN"
_PIDFILES=()

bird_start() {
    local ns=$1 name=$2 conf=$3
    ip netns exec "$ns" bird -c "$conf" -s "$RUN/$name.ctl" -P "$RUN/$name.pid"
    _PIDFILES+=("$RUN/$name.pid")
}

birdc_() {
    local name=$1
    shift
    birdc -s "$RUN/$name.ctl" "$@"
}

frr_start() {
    local ns=$1 name=$2 conf=$3 dir=/var/run/frr/$2
    mkdir -p "$dir" "/etc/frr/$name"
    chown frr:frr "$dir" "/etc/frr/$name"
    touch "/etc/frr/$name/vtysh.conf"
    cp "$conf" "$RUN/$name-bgpd.conf"
    chown frr:frr "$RUN/$name-bgpd.conf"
    : >"$RUN/$name-zebra.conf"
    chown frr:frr "$RUN/$name-zebra.conf"
    ip netns exec "$ns" /usr/lib/frr/zebra -d -N "$name" -f "$RUN/$name-zebra.conf" \
        -i "$dir/zebra.pid" --log "file:$RUN/$name-zebra.log"
    _PIDFILES+=("$dir/zebra.pid")
    sleep 1
    ip netns exec "$ns" /usr/lib/frr/bgpd -d -N "$name" -f "$RUN/$name-bgpd.conf" \
        -i "$dir/bgpd.pid" --log "file:$RUN/$name-bgpd.log"
    _PIDFILES+=("$dir/bgpd.pid")
}

vtysh_() {
    local name=$1
    shift
    vtysh -N "$name" "$@"
}

daemons_stop() {
    local f
    for f in "${_PIDFILES[@]}"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    sleep 1
    _PIDFILES=()
}
