#!/usr/bin/env bash
# Blocks in Ceph RADOS (docs/repo.md, repo/bs_rados.c), on a real
# single-host Ceph started here (test/lib/ceph.bash): init against the
# cluster, adds through the CLI and over HTTP read back byte for byte,
# nothing on local disk, each block one object named by its multihash
# holding the same bytes as a flatfs file, a daemon restart, a damaged
# object never served, the OSD stopped mid-download (never wrong bytes;
# 503 while it is away; served again once it is back), GC, a full pool
# (507), two daemons writing one file into one pool at once, and an
# unreachable monitor (exit 2 with the reason).
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/ceph.bash"
ceph_start || { not_ok "ceph starts"; tail -20 "$scratch"/ceph/*.log; echo "1..$n"; exit 1; }
r() { timeout 30 rados -c "$CEPH_CONF" -p "$CEPH_POOL" "$@"; }
cu() { curl -sS --max-time 30 "$@"; }
code() { curl -s --max-time 30 -o /dev/null -w '%{http_code}' "$@"; }
metric() { curl -sS --max-time 10 "$API/metrics" | sed -n "s/^$1 //p"; }
# base32 (RFC 4648, lower case, unpadded) of a CID's multihash: the
# object's name, computed here from the CID's bytes independently of cairn
oid_of() {
	"$CEPH_PY" - "$1" <<'PY'
import sys, base64
c = sys.argv[1]
assert c[0] == 'b'
raw = base64.b32decode(c[1:].upper() + '=' * (-len(c[1:]) % 8))
def uv(b, i):
    x = s = 0
    while True:
        x |= (b[i] & 0x7f) << s; i += 1; s += 7
        if b[i - 1] < 0x80: return x, i
_, i = uv(raw, 0)  # version
_, i = uv(raw, i)  # codec
print(base64.b32encode(raw[i:]).decode().lower().rstrip('='))
PY
}

export CAIRN_PATH=$scratch/repo
out=$("$CAIRN" init --datastore rados --ceph-conf "$CEPH_CONF" --rados-pool nopool 2>&1); rc=$?
check "init on a pool that does not exist: exit 2, said, no repo made" "2 yes no" \
	"$rc $(echo "$out" | grep -q 'pool nopool: no such pool' && echo yes) $([ -e "$CAIRN_PATH" ] && echo yes || echo no)"
out=$("$CAIRN" init --datastore rados --rados-pool "$CEPH_POOL" 2>&1); rc=$?
check "init --datastore rados without --ceph-conf: exit 2" "2 yes" "$rc $(echo "$out" | grep -q 'needs --ceph-conf' && echo yes)"
"$CAIRN" init --datastore rados --ceph-conf "$CEPH_CONF" --rados-pool "$CEPH_POOL" >"$scratch/init.out" 2>&1
check "init --datastore rados" "0 rados $CEPH_POOL" \
	"$? $(jq -r '.Datastore.Type + " " + .Datastore.Pool' "$CAIRN_PATH/config")"
check "…and no blocks directory on local disk" "absent" "$([ -e "$CAIRN_PATH/blocks" ] && echo present || echo absent)"

# the CLI, no daemon: add, read back, one object per block
head -c 3000000 /dev/urandom >"$scratch/f1"
c1=$("$CAIRN" add -Q --raw-leaves "$scratch/f1")
check "add through the CLI, cat back byte for byte" "same" "$("$CAIRN" cat "$c1" | cmp -s - "$scratch/f1" && echo same)"
blocks=$("$CAIRN" refs -r "$c1" | sort -u | wc -l)
check "one object per block (12 leaves and the root)" "$((blocks + 1))" "$(r ls | wc -l)"
leaf=$("$CAIRN" refs "$c1" | head -1)
r get "$(oid_of "$leaf")" "$scratch/obj"
head -c 1 "$scratch/obj" | od -An -tx1 | tr -d ' \n' >"$scratch/fmt"
check "a leaf's object: named by its multihash in base32, format byte 00, then the block" "00 same" \
	"$(cat "$scratch/fmt") $(tail -c +2 "$scratch/obj" | cmp -s - <("$CAIRN" block get "$leaf") && echo same)"
find "$CAIRN_PATH" -name '*.data' | grep -q . && not_ok "block files on local disk" || ok "no block file on local disk"
# zstd at rest, as in flatfs: a compressible file's leaf has format byte 01
yes 'cairn on rados ' | head -c 600000 >"$scratch/text"
ct=$("$CAIRN" add -Q --raw-leaves "$scratch/text")
tl=$("$CAIRN" refs "$ct" | head -1)
r get "$(oid_of "$tl")" "$scratch/tobj"
check "a compressible block is stored zstd (format byte 01), smaller, and reads back" "01 yes same" \
	"$(head -c 1 "$scratch/tobj" | od -An -tx1 | tr -d ' \n') $([ "$(stat -c %s "$scratch/tobj")" -lt 100000 ] && echo yes) $("$CAIRN" cat "$ct" | cmp -s - "$scratch/text" && echo same)"
st=$("$CAIRN" repo stat)
check "repo stat counts the pool's blocks" "$(r ls | wc -l)" "$(echo "$st" | sed -n 's/^NumObjects: *//p')"
out=$("$CAIRN" repo verify 2>&1)
check "repo verify reads every object back" "yes" "$(echo "$out" | grep -q "verified $(r ls | wc -l) blocks: all ok" && echo yes)"
"$CAIRN" dag export "$c1" >"$scratch/c1.car"
"$CAIRN" pin rm "$ct" >/dev/null && "$CAIRN" repo gc -q >/dev/null
check "repo gc through the CLI: the unpinned file's objects go" "absent" \
	"$(r stat "$(oid_of "$tl")" >/dev/null 2>&1 && echo present || echo absent)"
loose=$(printf 'a loose block\n' | "$CAIRN" block put)
check "block put, then block rm: the object comes and goes" "present absent" \
	"$(r stat "$(oid_of "$loose")" >/dev/null 2>&1 && echo present) $("$CAIRN" block rm "$loose" >/dev/null; r stat "$(oid_of "$loose")" >/dev/null 2>&1 && echo present || echo absent)"

# the daemon: add over HTTP, read through the gateway, restart
daemon_start || { not_ok "daemon start"; cat "$scratch/daemon.log"; echo "1..$n"; exit 1; }
head -c 5000000 /dev/urandom >"$scratch/f2"
c2=$(cu -X POST -F "file=@$scratch/f2" "$API/api/v0/add?quieter=true&raw-leaves=true" | jq -r .Hash)
check "add over HTTP, gateway GET byte for byte" "same" "$(cu "$GW/ipfs/$c2" | cmp -s - "$scratch/f2" && echo same)"
check "…and the CLI's file too" "same" "$(cu "$GW/ipfs/$c1" | cmp -s - "$scratch/f1" && echo same)"
curl -sS --max-time 30 "$GW/ipfs/$c2?format=car" -o "$scratch/c2.car"
check "a CAR of it from the trustless gateway (blocks read ahead) is the CAR dag export writes" "same" \
	"$(cmp -s "$scratch/c2.car" <("$CAIRN" dag export "$c2") && echo same)"
daemon_stop
daemon_start || { not_ok "daemon restart"; echo "1..$n"; exit 1; }
check "after a daemon restart: still served" "same same" \
	"$(cu "$GW/ipfs/$c2" | cmp -s - "$scratch/f2" && echo same) $(cu "$GW/ipfs/$c1" | cmp -s - "$scratch/f1" && echo same)"

# a block damaged inside RADOS is never served as good data
bad=$("$CAIRN" refs "$c2" | sed -n 3p)
r get "$(oid_of "$bad")" "$scratch/good"
{ printf '\000'; head -c 262144 /dev/urandom; } >"$scratch/evil"
r put "$(oid_of "$bad")" "$scratch/evil"
check "a leaf overwritten with other bytes (rados put): its block is refused" "404" "$(code "$GW/ipfs/$bad?format=raw")"
# (a prefix, or nothing: the gateway may find the damage before its 200)
curl -s --max-time 30 "$GW/ipfs/$c2" -w '%{http_code}' -o "$scratch/got" >"$scratch/code" 2>/dev/null
touch "$scratch/got"
got=$(stat -c %s "$scratch/got")
cmp -s "$scratch/got" "$scratch/f2" && not_ok "damaged file served whole" ||
	{ cmp -s "$scratch/got" <(head -c "$got" "$scratch/f2") &&
		ok "…and the file stops short ($got of 5000000 bytes, status $(cat "$scratch/code")), never wrong bytes" ||
		not_ok "wrong bytes served"; }
c=$(metric cairn_blocks_corrupt_total)
[ -n "$c" ] && [ "$c" -ge 1 ] && ok "…counted (cairn_blocks_corrupt_total $c)" || not_ok "corrupt count '$c'"
out=$(cu -X POST "$API/api/v0/repo/verify")
echo "$out" | grep -q "$bad" && ok "repo verify names the damaged block" || not_ok "verify: $(echo "$out" | tail -2)"
r put "$(oid_of "$bad")" "$scratch/good"
check "…put back: served again" "same" "$(cu "$GW/ipfs/$c2" | cmp -s - "$scratch/f2" && echo same)"
daemon_stop

# the OSD stopped mid-download: the stream is cut (or refused), never
# wrong bytes; 503 while it is away, fast; served again once it is back
config_set() {
	node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Datastore=Object.assign(c.Datastore||{},JSON.parse(process.argv[2]));require("fs").writeFileSync(f,JSON.stringify(c))' "$CAIRN_PATH/config" "$1"
}
# (one event loop: the download and the probes below share it)
config_set '{"TimeoutSeconds": 3, "BlockCacheBytes": 0}'
node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Daemon={Threads:1};require("fs").writeFileSync(f,JSON.stringify(c))' "$CAIRN_PATH/config"
daemon_start || { not_ok "daemon restart"; echo "1..$n"; exit 1; }
head -c 40000000 /dev/urandom >"$scratch/f3"
c3=$(cu -X POST -F "file=@$scratch/f3" "$API/api/v0/add?quieter=true&raw-leaves=true" | jq -r .Hash)
: >"$scratch/part"
curl -s --max-time 60 --limit-rate 2M "$GW/ipfs/$c3" -o "$scratch/part" &
dl=$!
sleep 1.5
ceph_osd_stop
t0=$(date +%s)
# while the download's next blocks hang in flight (until the 3 s timeout),
# the loop it runs on answers others at once: the stream parks, it does not
# wait on the loop
worst=0
for _ in $(seq 16); do
	p0=$(date +%s%N)
	curl -s --max-time 10 -o /dev/null -X POST "$API/api/v0/version"
	p=$((($(date +%s%N) - p0) / 1000000))
	[ "$p" -gt "$worst" ] && worst=$p
	sleep 0.25
done
[ "$worst" -lt 500 ] && ok "…meanwhile the same event loop answers other requests at once (slowest of 16: $worst ms)" ||
	not_ok "the loop stalled while the stream waited: a request took $worst ms"
wait $dl
got=$(stat -c %s "$scratch/part")
[ "$got" -lt 40000000 ] && cmp -s "$scratch/part" <(head -c "$got" "$scratch/f3") &&
	ok "OSD stopped mid-download: cut short at $got of 40000000 bytes, every byte right, after $(($(date +%s) - t0)) s" ||
	not_ok "download with the OSD stopped: $got bytes, right prefix: $(cmp -s "$scratch/part" <(head -c "$got" "$scratch/f3") && echo yes || echo no)"
s0=$(date +%s%N)
r1=$(code "$GW/ipfs/$c1")
r2=$(code "$GW/ipfs/$c1")
ms=$((($(date +%s%N) - s0) / 1000000))
check "with the OSD away: 503, twice" "503 503" "$r1 $r2"
[ "$ms" -lt 8000 ] && ok "…within the timeout, not a hang ($ms ms for both)" || not_ok "503s took $ms ms"
# past the back-off, so that the upload's writes go out to the cluster and
# time out: the first timeout fails the rest at once, not one round of
# BS_RADOS_INFLIGHT writes per timeout (3000 blocks: 94 rounds, 280 s)
sleep 2.3
u0=$(date +%s%N)
r=$(code -X POST -F "file=@$scratch/f1" "$API/api/v0/add?pin=false&cid-version=1&chunker=size-1000")
ums=$((($(date +%s%N) - u0) / 1000000))
check "…and an upload whose writes time out: 503" "503" "$r"
[ "$ums" -lt 12000 ] && ok "…after one timeout, not one per round of writes ($ums ms)" ||
	not_ok "the upload's 503 took $ums ms"
check "…and the API's cat and block/get: 503" "503 503" \
	"$(code -X POST "$API/api/v0/cat?arg=$c1") $(code -X POST "$API/api/v0/block/get?arg=$leaf")"
ceph_osd_start || not_ok "OSD restart"
for _ in $(seq 40); do [ "$(code "$GW/ipfs/$c1")" = 200 ] && break; sleep 0.5; done
check "the OSD back: served again, byte for byte" "same same" \
	"$(cu "$GW/ipfs/$c1" | cmp -s - "$scratch/f1" && echo same) $(cu "$GW/ipfs/$c3" | cmp -s - "$scratch/f3" && echo same)"
grep -q "timed out" "$scratch/daemon.log" && grep -q "answers again" "$scratch/daemon.log" &&
	ok "the outage and the recovery are logged" || not_ok "log: $(grep -i ceph "$scratch/daemon.log" | tail -3)"

# GC removes what no pin reaches, from the pool: afterwards the pool holds
# exactly the objects of the pinned files' blocks
objects_of() { for c in "$@"; do echo "$c"; cu -X POST "$API/api/v0/refs?arg=$c&recursive=true" | jq -r .Ref; done |
	sort -u | while read -r c; do oid_of "$c"; done | sort; }
objects_of "$c3" >"$scratch/o3"
r ls | sort >"$scratch/before"
check "before GC: every block of the unpinned file is in the pool" "0" "$(comm -23 "$scratch/o3" "$scratch/before" | wc -l)"
cu -X POST "$API/api/v0/pin/rm?arg=$c3" >/dev/null
cu -X POST "$API/api/v0/repo/gc" >"$scratch/gc.out"
objects_of "$c1" "$c2" >"$scratch/keep"
r ls | sort >"$scratch/after"
check "repo gc: the pool holds exactly the pinned files' objects" "$(wc -l <"$scratch/keep") same" \
	"$(wc -l <"$scratch/after") $(cmp -s "$scratch/keep" "$scratch/after" && echo same)"
check "…and they are served" "same same" \
	"$(cu "$GW/ipfs/$c1" | cmp -s - "$scratch/f1" && echo same) $(cu "$GW/ipfs/$c2" | cmp -s - "$scratch/f2" && echo same)"
daemon_stop

# two daemons on one pool, writing the same file at once
CAIRN_PATH=$scratch/n1 "$CAIRN" init --datastore rados --ceph-conf "$CEPH_CONF" --rados-pool "$CEPH_POOL" >/dev/null &&
	CAIRN_PATH=$scratch/n2 "$CAIRN" init --datastore rados --ceph-conf "$CEPH_CONF" --rados-pool "$CEPH_POOL" >/dev/null ||
	not_ok "init n1, n2"
out=$(CAIRN_PATH=$scratch/n1 "$CAIRN" dag import "$scratch/c1.car" 2>&1)
check "dag import of a CAR into another node on the pool, read back" "same" \
	"$(echo "$out" | grep -q "$c1" && CAIRN_PATH=$scratch/n1 "$CAIRN" cat "$c1" | cmp -s - "$scratch/f1" && echo same)"
daemon_start n1 && daemon_start n2 || { not_ok "n1, n2 start"; echo "1..$n"; exit 1; }
head -c 20000000 /dev/urandom >"$scratch/f4"
before=$(r ls | wc -l)
cu -X POST -F "file=@$scratch/f4" "$n1_API/api/v0/add?quieter=true" >"$scratch/n1.add" &
p1=$!
cu -X POST -F "file=@$scratch/f4" "$n2_API/api/v0/add?quieter=true" >"$scratch/n2.add" &
p2=$!
wait $p1 $p2
a1=$(jq -r .Hash "$scratch/n1.add") a2=$(jq -r .Hash "$scratch/n2.add")
[ -n "$a1" ] && [ "$a1" = "$a2" ] && ok "two daemons add one file into one pool at once: both succeed, one CID" ||
	not_ok "adds: $(cat "$scratch/n1.add" "$scratch/n2.add")"
n4=$(cu -X POST "$n1_API/api/v0/refs?arg=$a1&recursive=true&unique=true" | jq -r .Ref | sort -u | wc -l)
check "…each block stored once ($n4 leaves and the root)" "$((before + n4 + 1))" "$(r ls | wc -l)"
check "…and each serves it byte for byte" "same same" \
	"$(cu "$n1_GW/ipfs/$a1" | cmp -s - "$scratch/f4" && echo same) $(cu "$n2_GW/ipfs/$a1" | cmp -s - "$scratch/f4" && echo same)"
daemon_stop n1
daemon_stop n2

# a full cluster: 507, and nothing acknowledged
ceph_mon_cmd '{"prefix": "osd set-nearfull-ratio", "ratio": 0.0001}' \
	'{"prefix": "osd set-backfillfull-ratio", "ratio": 0.0002}' \
	'{"prefix": "osd set-full-ratio", "ratio": 0.0003}' >/dev/null || not_ok "full ratios"
for _ in $(seq 60); do timeout 10 ceph -c "$CEPH_CONF" health 2>/dev/null | grep -q FULL && break; sleep 0.5; done
daemon_start || { not_ok "daemon restart"; echo "1..$n"; exit 1; }
head -c 3000000 /dev/urandom >"$scratch/f5"
out=$(curl -s --max-time 30 -w ' %{http_code}' -X POST -F "file=@$scratch/f5" "$API/api/v0/add?quieter=true")
check "a full cluster: an upload gets 507 with a JSON body" "507 yes" \
	"${out##* } $(echo "${out% *}" | jq -e .Message >/dev/null 2>&1 && echo yes)"
check "…and reads go on" "same" "$(cu "$GW/ipfs/$c1" | cmp -s - "$scratch/f1" && echo same)"
ceph_mon_cmd '{"prefix": "osd set-full-ratio", "ratio": 0.97}' '{"prefix": "osd set-backfillfull-ratio", "ratio": 0.9}' \
	'{"prefix": "osd set-nearfull-ratio", "ratio": 0.85}' >/dev/null
daemon_stop

# no monitor answering at start: exit 2 with the reason, within the timeout
sed 's/^mon host = .*/mon host = [v2:127.0.0.1:9,v1:127.0.0.1:9]/' "$CEPH_CONF" >"$scratch/dead.conf"
config_set "{\"CephConf\": \"$scratch/dead.conf\"}"
t0=$(date +%s)
timeout 60 "$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 >"$scratch/dead.out" 2>&1; rc=$?
check "a monitor that does not answer: the daemon exits 2 and says why" "2 yes" \
	"$rc $(grep -q 'no monitor answered' "$scratch/dead.out" && echo yes)"
[ $(($(date +%s) - t0)) -le 10 ] && ok "…after its timeout (3 s)" || not_ok "took $(($(date +%s) - t0)) s"
echo "1..$n"
