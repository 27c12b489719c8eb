#!/usr/bin/env bash
# The anchoring log through the API: CIDs appended (idempotently), signed
# checkpoints (C2SP signed notes), inclusion proofs and consistency proofs,
# every one checked by an independent verifier (test/interop/anchor-verify.mjs:
# RFC 9162 written from the RFC, Ed25519 from node:crypto, the key taken
# from the node's PeerID); every tampering refused.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
cu() { curl -sS --max-time 30 -X POST "$@"; }
code() { curl -sS --max-time 30 -o "$scratch/body" -w '%{http_code}' -X POST "$@"; }
peer=$(cu "$API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')
verify() { node "$here/anchor-verify.mjs" "$@"; }

# 1000 distinct CIDs (raw blocks of their numbers), added in batches
for i in $(seq 1 1000); do printf '%s' "$i" | "$CAIRN" add -nQ --cid-version 1 --raw-leaves; done >"$scratch/cids"
split -l 200 "$scratch/cids" "$scratch/batch."  # the URL stays under the 32 KiB limit (Limits.MaxURLBytes)
for b in "$scratch"/batch.*; do
	cu "$API/api/v0/anchor/add?$(sed 's/^/arg=/' "$b" | paste -sd'&')" >>"$scratch/added"
done
check "1000 CIDs appended, indexes 0..999 in order" "$(seq 0 999 | paste -sd,)" \
	"$(sed -n 's/.*"Index":\([0-9]*\).*/\1/p' "$scratch/added" | paste -sd,)"
first=$(head -1 "$scratch/cids")
check "adding a CID again keeps its index" "0" "$(cu "$API/api/v0/anchor/add?arg=$first" | sed -n 's/.*"Index":\([0-9]*\).*/\1/p')"
check "no proof before a checkpoint → 409" "409" "$(code "$API/api/v0/anchor/proof?arg=$first")"
cu "$API/api/v0/anchor/flush" >"$scratch/cp1"
check "flush: a checkpoint of size 1000" "1000" "$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$scratch/cp1")"
grep -q '"new":true' "$scratch/cp1" && ok "…newly made" || not_ok "flush new"
grep -q '"new":false' <(cu "$API/api/v0/anchor/flush") && ok "flush again without new leaves: the same checkpoint" || not_ok "flush twice"

# proofs for a spread of leaves, each verified independently
bad=0
for i in 1 2 3 4 5 8 100 255 256 257 511 512 513 999 1000; do
	c=$(sed -n "${i}p" "$scratch/cids")
	cu "$API/api/v0/anchor/proof?arg=$c" >"$scratch/p.json"
	[ "$(verify proof "$peer" <"$scratch/p.json")" = ok ] || { bad=$((bad + 1)); echo "# leaf $i: $(verify proof "$peer" <"$scratch/p.json")"; }
done
check "15 inclusion proofs (edges of every subtree) verify independently" "0" "$bad"
cu "$API/api/v0/anchor/proof?arg=$(sed -n 513p "$scratch/cids")" >"$scratch/p.json"
check "the proof names its leaf" "512" "$(sed -n 's/.*"index":\([0-9]*\).*/\1/p' "$scratch/p.json")"
check "a path has ceil(log2 1000) = 10 hashes" "10" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).path.length)' "$scratch/p.json")"
# tampering: each must be refused by the independent verifier
tamper() { # NAME JS-EXPRESSION-ON-p
	node -e "const p=JSON.parse(require('fs').readFileSync(process.argv[1]));$2;process.stdout.write(JSON.stringify(p))" "$scratch/p.json" >"$scratch/t.json"
	local out; out=$(verify proof "$peer" <"$scratch/t.json")
	[ "$out" != ok ] && ok "tampering refused: $1 ($out)" || not_ok "tampering accepted: $1"
}
tamper "a flipped path byte" "p.path[3]=p.path[3].replace(/^./,c=>c==='0'?'1':'0')"
tamper "another index" "p.index=p.index+1"
tamper "another size" "p.size=p.size-1"
tamper "another root" "p.root=p.root.replace(/^./,c=>c==='0'?'1':'0')"
tamper "a proof for another CID" "p.cid='$(sed -n 2p "$scratch/cids")'"
tamper "a changed checkpoint line" "p.checkpoint=p.checkpoint.replace(/\\n1000\\n/,'\\n1001\\n')"
tamper "a signature by another name" "p.checkpoint=p.checkpoint.replace(/\u2014 cairn\\//,'\u2014 cairnx/')"

# more leaves, a second checkpoint, consistency between them
for i in $(seq 1001 1300); do printf '%s' "$i" | "$CAIRN" add -nQ --cid-version 1 --raw-leaves; done >"$scratch/more"
split -l 150 "$scratch/more" "$scratch/more."
for b in "$scratch"/more.*; do cu "$API/api/v0/anchor/add?$(sed 's/^/arg=/' "$b" | paste -sd'&')" >/dev/null; done
cu "$API/api/v0/anchor/flush" >/dev/null
check "two checkpoints listed" "1000 1300" "$(cu "$API/api/v0/anchor/checkpoints" | sed -n 's/.*"size":\([0-9]*\).*/\1/p' | xargs)"
bad=0
for pair in "1 1300" "2 3" "4 1300" "7 8" "512 1300" "1000 1300" "999 1000" "1300 1300"; do
	set -- $pair
	cu "$API/api/v0/anchor/consistency?old=$1&new=$2" >"$scratch/c.json"
	[ "$(verify consistency <"$scratch/c.json")" = ok ] || { bad=$((bad + 1)); echo "# $pair: $(cat "$scratch/c.json")"; }
done
check "8 consistency proofs verify independently" "0" "$bad"
cu "$API/api/v0/anchor/consistency?old=1000&new=1300" >"$scratch/c.json"
node -e "const c=JSON.parse(require('fs').readFileSync(process.argv[1]));c.path[0]=c.path[0].replace(/^./,x=>x==='0'?'1':'0');process.stdout.write(JSON.stringify(c))" "$scratch/c.json" >"$scratch/ct.json"
[ "$(verify consistency <"$scratch/ct.json")" != ok ] && ok "a tampered consistency proof is refused" || not_ok "tampered consistency accepted"
check "the old checkpoint's proof still verifies (size=1000)" "ok" \
	"$(cu "$API/api/v0/anchor/proof?arg=$first&size=1000" | verify proof "$peer")"
check "the newest checkpoint by default" "1300" "$(cu "$API/api/v0/anchor/proof?arg=$first" | sed -n 's/.*"size":\([0-9]*\).*/\1/p')"

# errors
check "proof of a CID not in the log → 404" "404" "$(code "$API/api/v0/anchor/proof?arg=bafkqaaa")"
check "proof at a size with no checkpoint → 404" "404" "$(code "$API/api/v0/anchor/proof?arg=$first&size=7")"
check "add without a CID → 400" "400" "$(code "$API/api/v0/anchor/add")"
check "add of a bad CID → 400 (nothing added)" "400" "$(code "$API/api/v0/anchor/add?arg=$(sed -n 1p "$scratch/more")&arg=nope")"
check "…nothing was added" "1300" "$(cu "$API/api/v0/anchor/flush" | sed -n 's/.*"size":\([0-9]*\).*/\1/p')"
check "consistency old > new → 400" "400" "$(code "$API/api/v0/anchor/consistency?old=5&new=4")"
check "consistency beyond the log → 400" "400" "$(code "$API/api/v0/anchor/consistency?old=5&new=99999")"
check "consistency with a non-number → 400" "400" "$(code "$API/api/v0/anchor/consistency?old=x&new=4")"
# CIDs in the body, one per line: past the URL's limit
for i in $(seq 2001 2400); do printf 'body %s' "$i" | "$CAIRN" add -nQ --cid-version 1 --raw-leaves; done >"$scratch/body400"
printf '\n%s\r\n  \n' "$first" >>"$scratch/body400"
out=$(curl -sS --max-time 30 -X POST --data-binary @"$scratch/body400" -H 'Content-Type: text/plain' "$API/api/v0/anchor/add")
check "anchor/add with 400 CIDs in the body (and one already logged, blank lines, CRLF)" "401 1300 1699 0" \
	"$(printf '%s\n' "$out" | grep -c '"Index"') $(printf '%s\n' "$out" | sed -n '1s/.*"Index":\([0-9]*\).*/\1/p') $(printf '%s\n' "$out" | sed -n '400s/.*"Index":\([0-9]*\).*/\1/p') $(printf '%s\n' "$out" | sed -n '401s/.*"Index":\([0-9]*\).*/\1/p')"
printf '%s\nnot-a-cid\n' "$(sed -n 1p "$scratch/more")" >"$scratch/badbody"
check "a bad line in the body → 400, naming the line" "400" "$(code --data-binary @"$scratch/badbody" "$API/api/v0/anchor/add")"
grep -q "line 2 of the body" "$scratch/body" && ok "…its message names line 2" || not_ok "body: $(cat "$scratch/body")"
check "…and nothing was added" "1700" "$(cu "$API/api/v0/anchor/flush" | sed -n 's/.*"size":\([0-9]*\).*/\1/p')"

# anchor=true at add time: the roots go into the log with the upload
printf 'anchored at add time' >"$scratch/doc1"
out=$(curl -s -F "file=@$scratch/doc1;filename=doc1" "$API/api/v0/add?anchor=true&cid-version=1")
doc1=$(printf '%s' "$out" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
check "add?anchor=true gives the root its leaf index" "1700" "$(printf '%s' "$out" | sed -n 's/.*"AnchorIndex":\([0-9]*\).*/\1/p')"
mkdir -p "$scratch/w"; printf a >"$scratch/w/a"; printf b >"$scratch/w/b"
out=$(curl -s -F "file=@$scratch/w/a;filename=a" -F "file=@$scratch/w/b;filename=b" \
	"$API/api/v0/add?anchor=true&wrap-with-directory=true")
check "with wrap-with-directory only the wrapper is anchored" "1" "$(printf '%s\n' "$out" | grep -c AnchorIndex)"
check "…and it is the line named \"\"" "1701" "$(printf '%s\n' "$out" | sed -n 's/.*"Name":"".*"AnchorIndex":\([0-9]*\).*/\1/p')"
check "add?anchor=maybe → 400" "400" "$(curl -s -o /dev/null -w '%{http_code}' -F "file=@$scratch/doc1" "$API/api/v0/add?anchor=maybe")"
cu "$API/api/v0/anchor/flush" >/dev/null
check "a document anchored at add time has a proof that verifies" "ok" "$(cu "$API/api/v0/anchor/proof?arg=$doc1" | verify proof "$peer")"

# the log and its checkpoints survive a restart
daemon_stop
daemon_start || { not_ok "restart"; exit 1; }
check "after a restart the proof still verifies" "ok" "$(cu "$API/api/v0/anchor/proof?arg=$first" | verify proof "$peer")"
echo "1..$n"
