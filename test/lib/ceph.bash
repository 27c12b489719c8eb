# A single-host Ceph for the suites: one monitor and one OSD on Ceph's own
# in-memory store (memstore), on loopback ports, everything under
# $scratch/ceph and its ceph.conf (nothing in /etc/ceph), started as root
# without systemd and stopped when the suite exits (at_exit.bash). Needs
# $scratch, Debian's ceph-mon, ceph-osd, ceph-common and python3-rados.
#   ceph_start        sets CEPH_CONF and CEPH_POOL (a pool of 8 PGs, size 1;
#                     the OSD holds CEPH_MEMSTORE_BYTES, default 2 GiB, in memory);
#                     0 once an object can be written and read back, 1 if
#                     not by then (the logs: $scratch/ceph/*.log)
#   ceph_osd_stop     stop the OSD cleanly (memstore keeps its objects,
#                     `osd fast shutdown = false`)
#   ceph_osd_start    start it again; 0 once the pool answers
#   ceph_stop         both daemons, waited for
# Facts it rests on (Ceph 16.2, Debian 12): `ceph-osd --mkfs --no-mon-config`
# (otherwise mkfs waits minutes for a monitor); no mgr (not needed for I/O;
# `mon mgr mkfs grace` keeps health quiet); the OSD registered and the pool
# made by one python3-rados client (three mon commands). Start to ready
# takes 6-8 s here: the OSD's boot (mon ticks of a second) is most of it. Debian's
# python3-rados is for /usr/bin/python3, not a python elsewhere on PATH.

_ceph_pids=()
CEPH_PY=/usr/bin/python3

# a free loopback TCP port
_ceph_port() { "$CEPH_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait for PID to be gone (or a zombie: PID 1 here reaps slowly)
_ceph_wait_gone() {
	local pid=$1 i
	for i in $(seq 100); do
		[ -e "/proc/$pid" ] || return 0
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 1
}

# run mon commands through one python3-rados client (a connection costs
# ~0.7 s): ceph_mon_cmd '{"prefix": ...}' ['{"prefix": ...}' ...]; the
# last one's output on stdout
ceph_mon_cmd() {
	"$CEPH_PY" - "$CEPH_CONF" "$@" <<'PY'
import sys, rados
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
out = b''
for cmd in sys.argv[2:]:
    rc, out, err = c.mon_command(cmd, b'')
    if rc != 0:
        sys.stderr.write("mon command %s failed: %d %s\n" % (cmd, rc, err))
        c.shutdown()
        sys.exit(1)
c.shutdown()
sys.stdout.write(out.decode())
PY
}

# 0 once POOL takes a write and gives it back
_ceph_pool_ready() {
	local i
	for i in $(seq 300); do
		if printf 'ready' | timeout 5 rados -c "$CEPH_CONF" -p "$CEPH_POOL" put ceph-ready - 2>/dev/null &&
			[ "$(timeout 5 rados -c "$CEPH_CONF" -p "$CEPH_POOL" get ceph-ready - 2>/dev/null)" = ready ]; then
			timeout 5 rados -c "$CEPH_CONF" -p "$CEPH_POOL" rm ceph-ready 2>/dev/null
			return 0
		fi
		sleep 0.2
	done
	return 1
}

ceph_osd_start() {
	local d=$scratch/ceph
	ceph-osd -c "$CEPH_CONF" -i 0 -f >>"$d/osd.out" 2>&1 &
	_CEPH_OSD_PID=$!
	_ceph_pids+=("$_CEPH_OSD_PID")
	_ceph_pool_ready
}

ceph_osd_stop() {
	[ -n "${_CEPH_OSD_PID:-}" ] || return 0
	kill -TERM "$_CEPH_OSD_PID" 2>/dev/null
	_ceph_wait_gone "$_CEPH_OSD_PID"
	_CEPH_OSD_PID=
}

ceph_stop() {
	ceph_osd_stop
	if [ -n "${_CEPH_MON_PID:-}" ]; then
		kill -TERM "$_CEPH_MON_PID" 2>/dev/null
		_ceph_wait_gone "$_CEPH_MON_PID"
		_CEPH_MON_PID=
	fi
}

ceph_start() {
	local d=$scratch/ceph p1 p2 fsid osd_uuid
	mkdir -p "$d/mon" "$d/osd" "$d/run"
	p1=$(_ceph_port) p2=$(_ceph_port)
	fsid=$(cat /proc/sys/kernel/random/uuid) osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	CEPH_CONF=$d/ceph.conf
	CEPH_POOL=cairn
	cat >"$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$p2,v1:127.0.0.1:$p1]
mon initial members = a
public addr = 127.0.0.1
ms bind ipv6 = false
keyring = $d/keyring
run dir = $d/run
admin socket = $d/run/\$name.\$pid.asok
log file = $d/\$name.log
pid file = $d/run/\$name.pid
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon mgr mkfs grace = 31536000
mon data avail warn = 1
mon data avail crit = 0
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false
[mon]
mon data = $d/mon
[osd]
osd data = $d/osd
osd objectstore = memstore
memstore device bytes = ${CEPH_MEMSTORE_BYTES:-2147483648}
osd fast shutdown = false
osd max object name len = 460
osd max object namespace len = 64
EOF
	ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
		ceph-authtool "$d/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
			--cap mgr 'allow *' --cap mds 'allow *' >/dev/null &&
		ceph-authtool "$d/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' \
			--cap mgr 'allow profile osd' >/dev/null &&
		monmaptool --create --clobber --addv a "[v2:127.0.0.1:$p2,v1:127.0.0.1:$p1]" --fsid "$fsid" \
			"$d/monmap" >/dev/null &&
		ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring" >"$d/mkfs.out" 2>&1 ||
		return 1
	ceph-mon -c "$CEPH_CONF" -i a -f >>"$d/mon.out" 2>&1 &
	_CEPH_MON_PID=$!
	_ceph_pids+=("$_CEPH_MON_PID")
	at_exit 'ceph_stop'
	ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" --no-mon-config >>"$d/mkfs.out" 2>&1 ||
		return 1
	ceph_mon_cmd "{\"prefix\": \"osd new\", \"uuid\": \"$osd_uuid\", \"id\": 0}" \
		"{\"prefix\": \"osd pool create\", \"pool\": \"$CEPH_POOL\", \"pg_num\": 8}" \
		"{\"prefix\": \"osd pool application enable\", \"pool\": \"$CEPH_POOL\", \"app\": \"rados\"}" \
		>/dev/null || return 1
	ceph_osd_start
}
