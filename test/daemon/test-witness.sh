#!/usr/bin/env bash
# Witnesses (c2sp.org/tlog-witness, tlog-cosignature): two nodes witnessing
# each other's logs, A anchoring on anvil. Checked: the cosignatures appear
# in the checkpoints, proofs and bundles, and verify with Go code written
# from the spec (test/interop/tlog-check.go); A anchors only once its
# witness cosigned, a witness that is down delays anchoring, which resumes
# when it returns; the witness keeps its state across a restart; a forged
# fork (a second checkpoint of a size it cosigned, another root, signed
# with the log's own key) is refused (422) and logged as a split view; the
# protocol's other answers (400, 403, 404, 405, 409 with the size);
# cairn audit --witness/--quorum passes a quorum and fails a proof short
# of one. A cluster of two nodes over one PostgreSQL index, both given
# the same --witness: one asks at a time, and the other takes over when
# it ends.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
. "$(dirname "$0")/../lib/pg.bash"
cd "$here/../.." || exit 1
anvil_start || { not_ok "anvil start"; echo "1..$n"; exit 1; }
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=$scratch/gocache
go build -o "$scratch/tlog-check" test/interop/tlog-check.go 2>"$scratch/go.log" ||
	{ not_ok "the Go checker builds"; cat "$scratch/go.log"; echo "1..$n"; exit 1; }
tc() { "$scratch/tlog-check" "$@"; }
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
post() { curl -sS --max-time "${T:-60}" -X POST "$@"; }
status() { curl -s --max-time 20 -o "$scratch/body" -D "$scratch/head" -w '%{http_code}' "$@"; }
header() { sed -n "s/^$1: //Ip" "$scratch/head" | tr -d '\r'; }
metric() { curl -sS --max-time 10 "$1/metrics" | sed -n "s/^$2 //p"; }
cids() { tc gen "$1" "$2"; }

for node in a b; do CAIRN_PATH=$scratch/$node "$CAIRN" init >/dev/null; done
A_VKEY=$(CAIRN_PATH=$scratch/a "$CAIRN" anchor key) B_VKEY=$(CAIRN_PATH=$scratch/b "$CAIRN" anchor key)
A_WKEY=$(CAIRN_PATH=$scratch/a "$CAIRN" witness key) B_WKEY=$(CAIRN_PATH=$scratch/b "$CAIRN" witness key)
check "cairn witness key: a cosignature key (type 4) of its own, made once, mode 0600" "0600 yes same" \
	"0$(stat -c %a "$scratch/a/witness.key") $(echo "$A_WKEY" | grep -q '^cairn-witness/12D3KooW[^+]*+[0-9a-f]\{8\}+B[A-P]' && echo yes) $([ "$(CAIRN_PATH=$scratch/a "$CAIRN" witness key)" = "$A_WKEY" ] && echo same)"
# each witnesses the other's log
CAIRN_PATH=$scratch/a "$CAIRN" config --json Witness "{\"Logs\": [{\"Key\": \"$B_VKEY\"}]}"
CAIRN_PATH=$scratch/b "$CAIRN" config --json Witness "{\"Logs\": [{\"Key\": \"$A_VKEY\"}]}"
A_PORT=$(free_port) B_PORT=$(free_port)
out=$(CAIRN_PATH=$scratch/a "$CAIRN" daemon --witness "http://127.0.0.1:$B_PORT/log/witness,$B_WKEY" --witness-quorum 2 2>&1); rc=$?
check "--witness-quorum above the witnesses given: exit 2, said" "2 yes" "$rc $(echo "$out" | grep -q 'more than the 1 --witness' && echo yes)"
out=$(CAIRN_PATH=$scratch/a "$CAIRN" daemon --witness "http://127.0.0.1:$B_PORT/log/witness,$B_VKEY" 2>&1); rc=$?
check "--witness with a log's key (type 1), not a witness's: exit 2, said" "2 yes" "$rc $(echo "$out" | grep -q "cosignature key (type 4; 'cairn witness key' prints one) is needed, not a log's note key" && echo yes)"
start_a() { daemon_start a --gateway "127.0.0.1:$A_PORT" --chain-rpc "$RPC" --anchor-interval 3600 \
	--witness "http://127.0.0.1:$B_PORT/log/witness,$B_WKEY"; }
start_b() { daemon_start b --gateway "127.0.0.1:$B_PORT" --witness "http://127.0.0.1:$A_PORT/log/witness,$A_WKEY"; }
start_b && start_a || { not_ok "start both nodes"; tail -5 "$scratch"/a.log "$scratch"/b.log; echo "1..$n"; exit 1; }
check "each says whom it witnesses and who witnesses it" "yes yes" \
	"$(grep -q "^witness of 1 log, key $A_WKEY" "$scratch/a.out" && echo yes) $(grep -q '^witnesses: 1, a checkpoint is anchored once 1 cosigned it' "$scratch/a.out" && echo yes)"

# --- A's log: cosigned by B, then anchored -------------------------------
cids 40 a1 >"$scratch/a1"
post --data-binary @"$scratch/a1" "$a_API/api/v0/anchor/add" >/dev/null
post "$a_API/api/v0/anchor/flush" >"$scratch/flush.json"
check "A's flush: checkpoint 40 confirmed on chain" "40 yes" \
	"$(jq -r .size "$scratch/flush.json") $(jq -e .anchor.tx "$scratch/flush.json" >/dev/null && echo yes)"
jq -j .checkpoint "$scratch/flush.json" >"$scratch/a40.note"
check "…its checkpoint carries B's cosignature, valid by the spec (Go: ed25519 over cosignature/v1)" "ok" \
	"$(tc cosig "$scratch/a40.note" "$B_WKEY" | cut -d' ' -f1)"
t=$(tc cosig "$scratch/a40.note" "$B_WKEY" | sed 's/.*time=//')
check "…timestamped now (within a minute)" "yes" "$([ $(( $(date +%s) - t )) -lt 60 ] && [ "$t" -le "$(date +%s)" ] && echo yes)"
c=$(sed -n 7p "$scratch/a1")
post "$a_API/api/v0/anchor/proof?arg=$c" >"$scratch/p.json"
post "$a_API/api/v0/anchor/proof?arg=$c&format=tlog-proof" >"$scratch/p.tlog-proof"
check "the proof's checkpoint and the tlog-proof bundle carry it too" "ok ok" \
	"$(jq -j .checkpoint "$scratch/p.json" >"$scratch/pn"; tc cosig "$scratch/pn" "$B_WKEY" | cut -d' ' -f1) $(tc bundle "$scratch/p.tlog-proof" "$c" | cut -d' ' -f1)"
check "/log/checkpoint serves it with the cosignature, and Go's note.Open still opens it" "ok ok" \
	"$(curl -sS "$a_GW/log/checkpoint" >"$scratch/cp"; tc cosig "$scratch/cp" "$B_WKEY" | cut -d' ' -f1) $(tc tiles "$a_GW/log" "$scratch/a1" | cut -d' ' -f1)"

# --- B's log: cosigned by A (no chain: every flush makes a checkpoint) -----
cids 5 b1 | post --data-binary @- "$b_API/api/v0/anchor/add" >/dev/null
post "$b_API/api/v0/anchor/flush" >/dev/null
for _ in $(seq 40); do curl -sS "$b_GW/log/checkpoint" >"$scratch/bcp"; tc cosig "$scratch/bcp" "$A_WKEY" >/dev/null && break; sleep 0.25; done
check "B's checkpoint gets A's cosignature within seconds" "ok" "$(tc cosig "$scratch/bcp" "$A_WKEY" | cut -d' ' -f1)"

# --- cairn audit with witnesses -------------------------------------------
audit() { "$CAIRN" audit --chain-rpc "$RPC" --format csv "$@" 2>/dev/null; }
out=$(audit --witness "$B_WKEY" "$scratch/p.json"); rc=$?
check "cairn audit --witness B: verified (exit 0)" "0 verified" "$rc $(echo "$out" | tail -1 | cut -d, -f10)"
out=$(audit --witness "$B_WKEY" "$scratch/p.tlog-proof"); rc=$?
check "…the bundle too" "0 verified" "$rc $(echo "$out" | tail -1 | cut -d, -f10)"
out=$(audit --witness "$B_WKEY" --witness "$A_WKEY" --quorum 2 "$scratch/p.json"); rc=$?
check "--quorum 2 with only B's cosignature: false (exit 1), saying 1 of 2 and who is missing" "1 false yes" \
	"$rc $(echo "$out" | tail -1 | cut -d, -f10) $(echo "$out" | tail -1 | grep -q "witnesses: 1 of the 2 cosignatures required (none valid by $(echo "$A_WKEY" | cut -d+ -f1))" && echo yes)"
out=$(audit --witness "$A_WKEY" "$scratch/p.json"); rc=$?
check "--witness A alone (who cosigned nothing of A's log): false" "1 false" "$rc $(echo "$out" | tail -1 | cut -d, -f10)"
node -e 'const fs=require("fs");const p=JSON.parse(fs.readFileSync(process.argv[1]));p.checkpoint=p.checkpoint.replace(/(\u2014 cairn-witness\/\S+ )(\S)/,(m,a,b)=>a+(b==="A"?"B":"A"));process.stdout.write(JSON.stringify(p))' "$scratch/p.json" >"$scratch/t.json"
out=$(audit --witness "$B_WKEY" "$scratch/t.json"); rc=$?
check "a cosignature with a changed byte does not count" "1 false" "$rc $(echo "$out" | tail -1 | cut -d, -f10)"
out=$("$CAIRN" audit --chain-rpc "$RPC" --witness "$B_VKEY" "$scratch/p.json" 2>&1); rc=$?
check "audit --witness with a log's key: usage (exit 2), said" "2 yes" "$rc $(echo "$out" | grep -q "cosignature key (type 4; 'cairn witness key' prints one) is needed, not a log's note key" && echo yes)"

# --- the witness's answers --------------------------------------------------
W=$b_GW/log/witness/add-checkpoint
check "B holds A's size 40: old 0 is a 409 with the size, text/x.tlog.size" "409|40|text/x.tlog.size" \
	"$(status -X POST --data-binary @<(printf 'old 0\n\n'; cat "$scratch/a40.note") "$W")|$(cat "$scratch/body")|$(header Content-Type)"
tc forge "$scratch/a/identity.key" 40 >"$scratch/fork.note"
check "a forged fork, signed with A's own key: the same size (40) with another root" "yes" \
	"$(sed -n 2p "$scratch/fork.note" | grep -qx 40 && [ "$(sed -n 3p "$scratch/fork.note")" != "$(sed -n 3p "$scratch/a40.note")" ] && echo yes)"
check "…refused by the witness: 422" "422" "$(status -X POST --data-binary @<(printf 'old 40\n\n'; cat "$scratch/fork.note") "$W")"
check "…and logged as a split view, with both roots" "yes" \
	"$(grep 'split view of cairn/' "$scratch/b.log" | grep -q "$(sed -n 3p "$scratch/fork.note")" && grep 'split view of cairn/' "$scratch/b.log" | grep -q "$(sed -n 3p "$scratch/a40.note")" && echo yes)"
tc forge "$scratch/a/identity.key" 99 >"$scratch/fork99.note"
check "a forged larger tree whose consistency proof (from 40) does not verify: 422" "422" \
	"$(status -X POST --data-binary @<(printf 'old 40\n%s\n\n' "$(head -c 32 /dev/urandom | base64)"; cat "$scratch/fork99.note") "$W")"
awk 'NR == 3 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } 1' "$scratch/a40.note" >"$scratch/badsig.note"
check "A's checkpoint with its root changed (the signature no longer holds): 403" "403" \
	"$(status -X POST --data-binary @<(printf 'old 40\n\n'; cat "$scratch/badsig.note") "$W")"
openssl genpkey -algorithm ed25519 -out "$scratch/other.key" 2>/dev/null
tc forge "$scratch/other.key" 3 >"$scratch/other.note"
check "a log B does not follow: 404" "404" "$(status -X POST --data-binary @<(printf 'old 0\n\n'; cat "$scratch/other.note") "$W")"
check "old above the checkpoint's size: 400" "400" "$(status -X POST --data-binary @<(printf 'old 41\n\n'; cat "$scratch/a40.note") "$W")"
check "a body that is not one: 400, saying what it must start with" "400 yes" \
	"$(status -X POST --data-binary 'hello' "$W") $(grep -q 'old <size>' "$scratch/body" && echo yes)"
check "GET: 405, Allow POST" "405 POST" "$(status "$W") $(header Allow)"
daemon_start c || not_ok "start a third node"
check "a node that witnesses nothing: 404" "404" \
	"$(status -X POST --data-binary @<(printf 'old 0\n\n'; cat "$scratch/a40.note") "$c_GW/log/witness/add-checkpoint")"
daemon_stop c

# --- a witness that is down delays anchoring; it resumes when B is back ------
daemon_stop b
cids 10 a2 | post --data-binary @- "$a_API/api/v0/anchor/add" >/dev/null
T=5 post "$a_API/api/v0/anchor/flush" >/dev/null 2>&1; rc=$?
check "B down: A's flush gets no answer within 5 s" "28" "$rc"
check "…the log says the checkpoint waits for its witnesses, and nothing new is on chain" "yes 40" \
	"$(grep -q 'checkpoint 50 waits for its witnesses: 0 of 1 cosignatures' "$scratch/a.log" && echo yes) $(metric "$a_API" cairn_anchor_last_size)"
check "…A's API still answers" "200" "$(curl -s -o /dev/null -w '%{http_code}' -X POST --max-time 5 "$a_API/api/v0/anchor/checkpoints")"
start_b || not_ok "B restarts"
check "B restarted keeps its state of A's log: old 0 is still a 409 with 40" "409|40" \
	"$(status -X POST --data-binary @<(printf 'old 0\n\n'; cat "$scratch/a40.note") "$b_GW/log/witness/add-checkpoint")|$(cat "$scratch/body")"
s0=$(date +%s)
post "$a_API/api/v0/anchor/flush" >"$scratch/flush2.json"
check "B back: the flush completes, checkpoint 50 anchored (in $(( $(date +%s) - s0 )) s)" "50 yes" \
	"$(jq -r .size "$scratch/flush2.json") $(jq -e .anchor.tx "$scratch/flush2.json" >/dev/null && echo yes)"
jq -j .checkpoint "$scratch/flush2.json" >"$scratch/a50.note"
check "…cosigned by B, which was sent the consistency proof from 40" "ok 50" \
	"$(tc cosig "$scratch/a50.note" "$B_WKEY" | cut -d' ' -f1) $(status -X POST --data-binary @<(printf 'old 0\n\n'; cat "$scratch/a50.note") "$b_GW/log/witness/add-checkpoint" >/dev/null; cat "$scratch/body")"
check "/metrics: B's requests, the cosignatures on the newest checkpoint, the quorum" "1 1" \
	"$(metric "$a_API" cairn_witness_cosignatures) $(metric "$a_API" cairn_witness_quorum)"

# --- a cluster: one node asks for all, another takes over ------------------
requests() { curl -sS --max-time 10 "$1/metrics" | awk '/^cairn_witness_requests_total/ { s += $2 } END { print s + 0 }'; }
cosigned_by_c() { # NODE-GW SIZE: C's valid cosignature on a checkpoint of SIZE, within 15 s
	for _ in $(seq 60); do
		curl -sS --max-time 5 "$1/log/checkpoint" >"$scratch/ccp"
		[ "$(sed -n 2p "$scratch/ccp")" = "$2" ] && tc cosig "$scratch/ccp" "$C_WKEY" >/dev/null && echo yes && return
		sleep 0.25
	done
	echo "no: $(head -c 300 "$scratch/ccp")"
}
if pg_start; then
	pg_index_pair widx || not_ok "init two nodes on a PostgreSQL index"
	P_VKEY=$(CAIRN_PATH=$scratch/p1 "$CAIRN" anchor key) C_WKEY=$(CAIRN_PATH=$scratch/c "$CAIRN" witness key)
	CAIRN_PATH=$scratch/c "$CAIRN" config --json Witness "{\"Logs\": [{\"Key\": \"$P_VKEY\"}]}"
	C_PORT=$(free_port)
	daemon_start c --gateway "127.0.0.1:$C_PORT" &&
		daemon_start p1 --witness "http://127.0.0.1:$C_PORT/log/witness,$C_WKEY" &&
		daemon_start p2 --witness "http://127.0.0.1:$C_PORT/log/witness,$C_WKEY" ||
		{ not_ok "start the cluster and its witness"; tail -5 "$scratch"/p?.log "$scratch"/c.log; }
	cids 5 p1 | post --data-binary @- "$p1_API/api/v0/anchor/add" >/dev/null
	post "$p1_API/api/v0/anchor/flush" >/dev/null
	check "a cluster's checkpoint (5) gets C's cosignature, seen from both nodes" "yes yes" \
		"$(cosigned_by_c "$p1_GW" 5) $(cosigned_by_c "$p2_GW" 5)"
	sleep 1.5 # time for a second node's witnesser to have asked, were it to
	l1=$(metric "$p1_API" cairn_witness_leader) l2=$(metric "$p2_API" cairn_witness_leader)
	if [ "$l1" = 1 ]; then lead=p1 other=p2; else lead=p2 other=p1; fi
	lead_api=${lead}_API other_api=${other}_API other_gw=${other}_GW
	check "…one node asks the witness for the cluster, the other sends it nothing" "1 0 yes" \
		"$((l1 + l2)) $(requests "${!other_api}") $([ "$(requests "${!lead_api}")" -ge 1 ] && echo yes)"
	check "…both count the cosignature" "1 1" \
		"$(metric "$p1_API" cairn_witness_cosignatures) $(metric "$p2_API" cairn_witness_cosignatures)"
	daemon_stop "$lead"
	cids 7 p2 | post --data-binary @- "${!other_api}/api/v0/anchor/add" >/dev/null
	post "${!other_api}/api/v0/anchor/flush" >/dev/null
	check "that node stopped, the other takes over: checkpoint 12 cosigned by C" "yes" "$(cosigned_by_c "${!other_gw}" 12)"
	for _ in $(seq 20); do grep -q 'witnesses: this node asks them for the cluster now' "$scratch/$other.log" && break; sleep 0.25; done # (logs are flushed every 250 ms)
	check "…it says so, and now asks" "yes 1" \
		"$(grep -q 'witnesses: this node asks them for the cluster now' "$scratch/$other.log" && echo yes) $(metric "${!other_api}" cairn_witness_leader)"
	check "…C holds the cluster's log at 12" "409|12" \
		"$(status -X POST --data-binary @<(printf 'old 0\n\n'; cat "$scratch/ccp") "http://127.0.0.1:$C_PORT/log/witness/add-checkpoint")|$(cat "$scratch/body")"
else
	not_ok "PostgreSQL starts"
fi
echo "1..$n"
