#!/usr/bin/env bash
# cairn anchor add|flush|proof|ls on the repo, and through a daemon that
# anchors on anvil: proofs checked by the independent verifiers.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
peer=$("$CAIRN" init | sed -n 's/^peer identity: //p')
cids() { for i in $(seq "$1" "$2"); do printf 'entry %s' "$i" | "$CAIRN" add -nQ; done; }
c=( $(cids 1 20) )
check "anchor add prints each CID and its index" "${c[0]}	0" "$("$CAIRN" anchor add "${c[@]}" | head -1)"
check "adding again keeps the indexes" "${c[19]}	19" "$("$CAIRN" anchor add "${c[19]}")"
out=$("$CAIRN" anchor proof "${c[4]}" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "in no checkpoint yet: .cairn anchor flush. (api/v0/anchor/flush) makes one" && ok "proof before a checkpoint: exit 1, says why, naming the command" || not_ok "early proof: $rc $out"
check "anchor flush: a checkpoint of 20 (not anchored: '-')" "20" "$("$CAIRN" anchor flush | cut -f1)"
check "…no transaction without a chain" "-" "$("$CAIRN" anchor flush | cut -f4)"
check "the local proof verifies independently" "ok" "$("$CAIRN" anchor proof "${c[4]}" | node "$here/anchor-verify.mjs" proof "$peer")"
out=$("$CAIRN" anchor proof nope 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "invalid CID" && ok "a bad CID: exit 1" || not_ok "bad cid: $out"
# add --anchor on the repo: the root joins the log as leaf 20
printf 'added and anchored' >"$scratch/doc"
root=$("$CAIRN" add -Q --anchor "$scratch/doc")
check "add --anchor (repo): the root is the next leaf" "$root	20" "$("$CAIRN" anchor add "$root")"
printf 'added and anchored, with its index' >"$scratch/doc2"
out=$("$CAIRN" add --anchor "$scratch/doc2")
r2=$(echo "$out" | sed -n 's/^added \([^ ]*\) doc2$/\1/p')
check "add --anchor prints the anchor index after the added line" "added $r2 doc2|anchored $r2 at index 21" "$(echo "$out" | paste -sd'|')"
"$CAIRN" add -n --anchor "$scratch/doc" >/dev/null 2>&1; check "add -n --anchor: usage, exit 2" "2" "$?"
"$CAIRN" anchor add 2>/dev/null; check "anchor add without CIDs: usage, exit 2" "2" "$?"
"$CAIRN" anchor frobnicate 2>/dev/null; check "an unknown subcommand: exit 2" "2" "$?"
"$CAIRN" anchor proof "${c[0]}" --size x 2>/dev/null; check "--size x: exit 2" "2" "$?"

# through a daemon anchoring on anvil
anvil_start || { not_ok "anvil start: $(tail -3 "$scratch/anvil.log")"; exit 1; }
daemon_start "" --chain-rpc "$RPC" --anchor-interval 3600 || { not_ok "daemon start: $(tail -3 "$scratch/daemon.log")"; exit 1; }
config_api
d=( $(cids 21 25) )
check "anchor add through the daemon" "${d[4]}	26" "$("$CAIRN" anchor add "${d[@]}" | tail -1)"
mkdir -p "$scratch/tree"; printf x >"$scratch/tree/x"; printf y >"$scratch/tree/y"
troot=$("$CAIRN" add -rQ --anchor "$scratch/tree")
check "add -r --anchor through the daemon: the tree's root is leaf 27" "$troot	27" "$("$CAIRN" anchor add "$troot")"
mkdir -p "$scratch/tree2"; printf z >"$scratch/tree2/z"
check "…add -r --anchor prints the root's anchor index last" "anchored" "$("$CAIRN" add -r --anchor "$scratch/tree2" | tail -1 | cut -d' ' -f1)"
many=( $(for i in $(seq 1 500); do printf 'many %s' "$i" | "$CAIRN" add -nQ --cid-version 1; done) )
check "anchor add of 500 CIDs through the daemon (past the URL limit): one call" "${many[499]}	528" "$("$CAIRN" anchor add "${many[@]}" | tail -1)"
out=$("$CAIRN" anchor add "${d[0]}" nope 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "invalid CID 'nope'" && ok "…a bad CID among them: exit 1, nothing added, the daemon's reason" || not_ok "bad cid via daemon: $rc $out"
line=$("$CAIRN" anchor flush)
[[ "$(echo "$line" | cut -f4)" =~ ^0x[0-9a-f]{64}$ ]] && ok "anchor flush through the daemon waits for the chain: $(echo "$line" | cut -f1) anchored" || not_ok "flush: $line"
"$CAIRN" anchor proof "${d[2]}" >"$scratch/p.json"
check "the proof verifies (log, checkpoint)" "ok" "$(node "$here/anchor-verify.mjs" proof "$peer" <"$scratch/p.json")"
check "…and on chain" "ok" "$(node "$here/chain-verify.mjs" "$RPC" 1 <"$scratch/p.json")"
check "anchor ls: both checkpoints, the second anchored" "20 - 529 0x" \
	"$("$CAIRN" anchor ls | awk '{print $1, substr($4, 1, 2)}' | xargs)"
check "an old checkpoint's proof by --size" "20" "$("$CAIRN" anchor proof "${c[0]}" --size 20 | sed -n 's/.*"size":\([0-9]*\).*/\1/p')"
echo "1..$n"
