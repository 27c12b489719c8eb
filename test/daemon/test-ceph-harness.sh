#!/usr/bin/env bash
# The single-host Ceph the RADOS suites run on (test/lib/ceph.bash): it
# comes up healthy, stores and returns objects byte for byte, refuses an
# exclusive create of an object that exists (the put-if-absent a blockstore
# on RADOS relies on), keeps its objects across a clean OSD restart, and
# leaves no process behind.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/ceph.bash"
t0=$(date +%s)
ceph_start || { not_ok "ceph starts"; tail -20 "$scratch"/ceph/*.log "$scratch"/ceph/*.out; echo "1..$n"; exit 1; }
ok "mon + memstore OSD up in $(($(date +%s) - t0)) s"
check "health" "HEALTH_OK" "$(timeout 20 ceph -c "$CEPH_CONF" health 2>&1)"
head -c 300000 /dev/urandom >"$scratch/obj"
r() { timeout 20 rados -c "$CEPH_CONF" -p "$CEPH_POOL" "$@"; }
r put o1 "$scratch/obj" && r get o1 "$scratch/back"
check "an object of 300 kB back byte for byte" "same" "$(cmp -s "$scratch/obj" "$scratch/back" && echo same)"
out=$(r create o1 2>&1); rc=$?
check "exclusive create of an existing object: refused (EEXIST)" "1 yes" \
	"$([ $rc -ne 0 ] && echo 1) $(echo "$out" | grep -qi 'exists' && echo yes)"
check "...and of a new one: made" "0" "$(r create o2 >/dev/null 2>&1; echo $?)"
ceph_osd_stop
ceph_osd_start || not_ok "osd restart"
r get o1 "$scratch/back2"
check "a clean OSD restart keeps the objects (memstore, no fast shutdown)" "same" \
	"$(cmp -s "$scratch/obj" "$scratch/back2" && echo same)"
check "the pool lists its objects" "o1 o2" "$(r ls | sort | xargs)"
mon=$_CEPH_MON_PID osd=$_CEPH_OSD_PID
ceph_stop
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
check "stopped: no monitor or OSD left running" "gone gone" "$(gone "$mon" && echo gone) $(gone "$osd" && echo gone)"
echo "1..$n"
