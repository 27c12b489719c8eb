#!/usr/bin/env bash
# The real npm kubo-rpc-client driving a cairn daemon over loopback; CIDs
# compared with `cairn add -n` (itself checked against Kubo and Helia).
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
head -c $((3 * 262144 + 777)) /dev/urandom >"$scratch/file"
v0=$("$CAIRN" add -nQ --cid-version 0 "$scratch/file")
b3=$("$CAIRN" add -nQ "$scratch/file")
mkdir -p "$scratch/tree/sub" "$scratch/tree/empty"
printf 'a\n' >"$scratch/tree/a.txt"
head -c 300000 /dev/urandom >"$scratch/tree/sub/b.txt"
tree=$("$CAIRN" add -nrQ --cid-version 1 --hash blake3 "$scratch/tree")
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
timeout 60 node "$here/kubo-client.mjs" "$API" "$scratch/file" "$v0" "$b3" "$scratch/tree" "$tree"
