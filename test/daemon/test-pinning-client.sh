#!/usr/bin/env bash
# The npm pinning-service-client (generated from the IPFS Pinning Service
# API spec) driving a cairn daemon's /pins over loopback.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
token=$("$CAIRN" token add tester)
head -c 600000 /dev/urandom >"$scratch/a"
head -c 1000 /dev/urandom >"$scratch/b"
head -c 1000 /dev/urandom >"$scratch/absent"
absent=$("$CAIRN" add -nQ "$scratch/absent")
daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
a=$(curl -sS --max-time 20 -H "Authorization: Bearer $token" -X POST -F "file=@$scratch/a" "$API/api/v0/add?pin=false" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
b=$(curl -sS --max-time 20 -H "Authorization: Bearer $token" -X POST -F "file=@$scratch/b" "$API/api/v0/add?pin=false&cid-version=0" | sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
timeout 60 node "$here/pinning-client.mjs" "$API" "$token" "$a" "$b" "$absent"
