# Bash helpers to run private BIRD / FRR / GoBGP / ExaBGP instances inside a
# network namespace.  Source after lib.sh.  Every instance keeps its sockets, pid
# files and logs under $RUN (default /tmp/swv1/run); nothing system-wide is started.
# The capture scripts use the daemonizing *_start helpers; Tests/InteropTests runs
# the foreground *_exec helpers through `bash -c` so that the PID it tracks is the
# daemon itself (each one ends in `exec ip netns exec NS daemon ...`, and
# `ip netns exec` execs in turn), with logs on stdout/stderr.
#
#   bird_start NS NAME CONF      bird -c CONF -s $RUN/NAME.ctl -P $RUN/NAME.pid
#   bird_exec NS NAME CONF [ARG...]  same, foreground (bird -f), ARGs added (-R)
#   birdc_ NAME ARGS...          birdc -s $RUN/NAME.ctl ARGS...
#   frr_start NS NAME CONF       zebra + bgpd with pathspace -N NAME, bgpd -f CONF
#   frr_prepare NAME             pathspace dirs /var/run/frr/NAME, /etc/frr/NAME (owned by frr)
#   zebra_exec NS NAME CONF      zebra -N NAME, foreground (call frr_prepare first)
#   bgpd_exec NS NAME CONF       bgpd -N NAME, foreground (after zebra's zserv.api exists)
#   frr_unprepare NAME           remove the pathspace dirs again
#   vtysh_ NAME ARGS...          vtysh -N NAME ARGS...
#   gobgpd_exec NS CONF PORT     gobgpd -f CONF, gRPC API on 127.0.0.1:PORT of NS, foreground
#   gobgp_ NS PORT ARGS...       gobgp CLI against that API
#   exabgp_exec NS CONF          ExaBGP 4.2 in the foreground, logs on stdout
#   daemons_stop                 kill every daemon started by *_start (by pid file)

RUN=${RUN:-/tmp/swv1/run}
mkdir -p "$RUN"
_PIDFILES=()

bird_start() {
    local ns=$1 name=$2 conf=$3
    ip netns exec "$ns" bird -c "$conf" -s "$RUN/$name.ctl" -P "$RUN/$name.pid"
    _PIDFILES+=("$RUN/$name.pid")
}

bird_exec() {
    local ns=$1 name=$2 conf=$3
    shift 3
    exec ip netns exec "$ns" bird -f -c "$conf" -s "$RUN/$name.ctl" -P "$RUN/$name.pid" "$@"
}

birdc_() {
    local name=$1
    shift
    birdc -s "$RUN/$name.ctl" "$@"
}

frr_prepare() {
    local name=$1 dir=/var/run/frr/$1
    mkdir -p "$dir" "/etc/frr/$name"
    chown frr:frr "$dir" "/etc/frr/$name"
    touch "/etc/frr/$name/vtysh.conf"
}

frr_unprepare() {
    case $1 in '' | */* | . | ..) return 1 ;; esac
    rm -rf "/var/run/frr/$1" "/etc/frr/$1"
}

# FRR drops privileges to user frr: its config files must be readable by it.
_frr_conf() {
    local name=$1 daemon=$2 conf=$3
    if [ -n "$conf" ]; then cp "$conf" "$RUN/$name-$daemon.conf"; else : >"$RUN/$name-$daemon.conf"; fi
    chown frr:frr "$RUN/$name-$daemon.conf"
}

frr_start() {
    local ns=$1 name=$2 conf=$3 dir=/var/run/frr/$2
    frr_prepare "$name"
    _frr_conf "$name" bgpd "$conf"
    _frr_conf "$name" zebra ""
    ip netns exec "$ns" /usr/lib/frr/zebra -d -N "$name" -f "$RUN/$name-zebra.conf" \
        -i "$dir/zebra.pid" --log "file:$RUN/$name-zebra.log"
    _PIDFILES+=("$dir/zebra.pid")
    sleep 1
    ip netns exec "$ns" /usr/lib/frr/bgpd -d -N "$name" -f "$RUN/$name-bgpd.conf" \
        -i "$dir/bgpd.pid" --log "file:$RUN/$name-bgpd.log"
    _PIDFILES+=("$dir/bgpd.pid")
}

zebra_exec() {
    local ns=$1 name=$2 conf=$3
    _frr_conf "$name" zebra "$conf"
    exec ip netns exec "$ns" /usr/lib/frr/zebra -N "$name" -f "$RUN/$name-zebra.conf" \
        -i "/var/run/frr/$name/zebra.pid" --log stdout
}

bgpd_exec() {
    local ns=$1 name=$2 conf=$3
    _frr_conf "$name" bgpd "$conf"
    exec ip netns exec "$ns" /usr/lib/frr/bgpd -N "$name" -f "$RUN/$name-bgpd.conf" \
        -i "/var/run/frr/$name/bgpd.pid" --log stdout
}

vtysh_() {
    local name=$1
    shift
    vtysh -N "$name" "$@"
}

gobgpd_exec() {
    local ns=$1 conf=$2 port=$3
    exec ip netns exec "$ns" gobgpd -f "$conf" -p -l info --pprof-disable --api-hosts="127.0.0.1:$port"
}

gobgp_() {
    local ns=$1 port=$2
    shift 2
    ip netns exec "$ns" gobgp -u 127.0.0.1 -p "$port" "$@"
}

# ExaBGP 4.2 reads its settings from the environment; these keep it in the
# foreground, as root, logging to stdout, without the CLI pipes.
exabgp_exec() {
    local ns=$1 conf=$2
    exec ip netns exec "$ns" env \
        exabgp.daemon.user=root exabgp.daemon.daemonize=false exabgp.daemon.drop=false \
        exabgp.api.cli=false exabgp.api.ack=false exabgp.log.destination=stdout \
        exabgp.log.level=INFO exabgp.log.packets=false \
        exabgp "$conf"
}

daemons_stop() {
    local f
    for f in "${_PIDFILES[@]}"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    sleep 1
    _PIDFILES=()
}
