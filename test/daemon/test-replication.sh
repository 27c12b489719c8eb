#!/usr/bin/env bash
# Replication: A asks B and C, through their IPFS Pinning Service API, to
# pin every new recursive pin; B and C fetch the DAG from A's gateway (the
# Pin's origin) with no peers configured. B down while A pins: retried
# until it is back. B killed with a request still pinning: taken up again
# when it restarts.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
freeport() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# start NAME API-PORT [daemon options…]: a fixed API port, the target URL
start() {
	local name=$1 port=$2; shift 2
	daemon_start "$name" --api "127.0.0.1:$port" "$@" || not_ok "daemon $name: $(tail -3 "$scratch/$name.log")"
}
bport=$(freeport); cport=$(freeport); aport=$(freeport)
for x in B C; do CAIRN_PATH=$scratch/$x "$CAIRN" init >/dev/null; done
# A's tokens on B and C open only their Pinning Service API; C's own
# admin token opens the rest (any token closes a node's API to callers
# without one)
btok=$(CAIRN_PATH=$scratch/B "$CAIRN" token add from-a --scope pins)
ctok=$(CAIRN_PATH=$scratch/C "$CAIRN" token add from-a --scope pins)
cadm=$(CAIRN_PATH=$scratch/C "$CAIRN" token add admin)
start B "$bport"
start C "$cport"
start A "$aport" --replicate-to "http://127.0.0.1:$bport,$btok" --replicate-to "http://127.0.0.1:$cport,$ctok"
grep -q "replicating new pins to http://127.0.0.1:$bport\$" "$scratch/A.out" && ok "A says where it replicates (the token not shown)" || not_ok "A: $(cat "$scratch/A.out")"
status() { # NODE-API TOKEN CID: the status of the newest request for CID
	curl -sS --max-time 10 -H "Authorization: Bearer $2" "$1/pins?cid=$3&status=queued,pinning,pinned,failed" |
		node -e 'const o=JSON.parse(require("fs").readFileSync(0));console.log(o.results.length?o.results[0].status:"none")'
}
wait_pinned() { # NODE-API TOKEN CID
	for _ in $(seq 150); do [ "$(status "$@")" = pinned ] && return 0; sleep 0.1; done
	return 1
}
add() { curl -sS --max-time 60 -X POST -F "file=@$1" "$A_API/api/v0/add?cid-version=1${2:-}" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p' | tail -1; }
head -c 1500000 /dev/urandom >"$scratch/f1"
c1=$(add "$scratch/f1")
wait_pinned "$B_API" "$btok" "$c1" && ok "a pin on A is pinned on B" || not_ok "B: $(status "$B_API" "$btok" "$c1")"
wait_pinned "$C_API" "$ctok" "$c1" && ok "…and on C" || not_ok "C: $(status "$C_API" "$ctok" "$c1")"
check "B holds the whole DAG, fetched from A's gateway" "200" \
	"$(curl -sS -o "$scratch/body" -w '%{http_code}' -H 'Cache-Control: only-if-cached' "$B_GW/ipfs/$c1")"
cmp -s "$scratch/body" "$scratch/f1" && ok "…byte-exact" || not_ok "differs"
check "the request names A's gateway as origin" "1" \
	"$(curl -sS -H "Authorization: Bearer $btok" "$B_API/pins?cid=$c1" | grep -c "/p2p/$(curl -sS -X POST "$A_API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')")"
confirmed() { curl -sS "$A_API/metrics" | grep '^cairn_replication_pinned_total' | awk '{print $NF}' | xargs; }
for _ in $(seq 50); do [ "$(confirmed)" = "1 1" ] && break; sleep 0.1; done
check "A has seen both targets confirm (it polls their requests)" "1 1" "$(confirmed)"
c0=$(add "$scratch/f1" "&pin=false")
sleep 1
check "an unpinned add is not replicated" "none" "$(status "$B_API" "$btok" "$(printf x | CAIRN_PATH=$scratch/A "$CAIRN" add -nQ)")"

# B down while A pins: A retries until B is back
daemon_stop B
head -c 700000 /dev/urandom >"$scratch/f2"
c2=$(add "$scratch/f2")
wait_pinned "$C_API" "$ctok" "$c2" && ok "with B down, C still gets the new pin" || not_ok "C: $(status "$C_API" "$ctok" "$c2")"
sleep 1.5
check "A still has one pin waiting for B" "1" \
	"$(curl -sS "$A_API/metrics" | grep "^cairn_replication_waiting{target=\"http://127.0.0.1:$bport\"}" | awk '{print $NF}')"
start B "$bport"
for _ in $(seq 200); do [ "$(status "$B_API" "$btok" "$c2")" = pinned ] && break; sleep 0.1; done
check "B, back, gets the pin A made while it was down" "pinned" "$(status "$B_API" "$btok" "$c2")"

# a request B is still pinning when it is killed: taken up again on restart
stall=$(freeport)
node -e 'require("net").createServer(()=>{}).listen(Number(process.argv[1]),"127.0.0.1")' "$stall" & at_exit "kill $! 2>/dev/null"
for _ in $(seq 100); do (: >"/dev/tcp/127.0.0.1/$stall") 2>/dev/null && break; sleep 0.05; done
head -c 400000 /dev/urandom >"$scratch/f3"
check "A's token on C cannot add (scope pins) → 403" "403" \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ctok" -X POST -F "file=@$scratch/f3" "$C_API/api/v0/add")"
c3=$(curl -sS -H "Authorization: Bearer $cadm" -X POST -F "file=@$scratch/f3" "$C_API/api/v0/add?cid-version=1" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
# C has it; B is asked with an origin that never answers
curl -sS -X POST -H "Authorization: Bearer $btok" -H 'Content-Type: application/json' \
	-d "{\"cid\":\"$c3\",\"origins\":[\"/ip4/127.0.0.1/tcp/$stall/http\"]}" "$B_API/pins" >/dev/null
sleep 0.5
check "B is pinning it (its origin stalls)" "pinning" "$(status "$B_API" "$btok" "$c3")"
daemon_kill B
start B "$bport" --peer "$C_GW"
for _ in $(seq 300); do [ "$(status "$B_API" "$btok" "$c3")" = pinned ] && break; sleep 0.1; done
check "after a SIGKILL and a restart, B finishes it (from its peer C)" "pinned" "$(status "$B_API" "$btok" "$c3")"
check "…the DAG is whole on B" "200" "$(curl -sS -o "$scratch/body" -w '%{http_code}' -H 'Cache-Control: only-if-cached' "$B_GW/ipfs/$c3")"
cmp -s "$scratch/body" "$scratch/f3" && ok "…byte-exact" || not_ok "f3 differs"
echo "1..$n"
