#!/usr/bin/env bash
# The pinning service API with curl: tokens (`cairn token`) and bearer
# auth, isolation between tokens, every malformed request a 4xx with the
# spec's Failure body, GC keeping pinned requests' DAGs, persistence across
# a restart. (test-pinning-client.sh drives the same API with the npm client.)
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
reason() { sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' "$scratch/body"; }
hash_of() { sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p'; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
check "no token on the node → 401" "401" "$(code "$API/pins")"
grep -q "cairn token add" "$scratch/body" && ok "the 401 says how to make a token" || not_ok "401 body: $(cat "$scratch/body")"
grep -qi '^WWW-Authenticate: Bearer' <(cu -D - -o /dev/null "$API/pins") && ok "401 has WWW-Authenticate: Bearer" || not_ok "WWW-Authenticate"

# tokens are made while the daemon runs (LMDB, no repo lock)
alice=$("$CAIRN" token add alice)
bob=$("$CAIRN" token add bob --scope pins)
[[ "$alice" =~ ^cairn_[a-z2-7]{52}$ ]] && ok "token add prints a secret" || not_ok "secret '$alice'"
"$CAIRN" token add alice >/dev/null 2>"$scratch/err"; check "token add of an existing name → exit 1" "1" "$?"
"$CAIRN" token add 'no spaces' >/dev/null 2>&1; check "token add of a bad name → exit 2" "2" "$?"
"$CAIRN" token rm nobody 2>/dev/null; check "token rm of an unknown name → exit 1" "1" "$?"
check "token ls: names and scopes" "alice api bob pins" "$("$CAIRN" token ls | cut -f1,2 | xargs)"
! "$CAIRN" token ls | grep -q cairn_ && ok "token ls shows no secrets" || not_ok "token ls leaks"
! grep -rqa "$alice" "$CAIRN_PATH" && ok "the secret is not stored in the repo" || not_ok "secret stored"
A=(-H "Authorization: Bearer $alice")
B=(-H "Authorization: Bearer $bob")
check "wrong token → 401" "401" "$(code -H 'Authorization: Bearer cairn_xyz' "$API/pins")"
check "401 reason" "UNAUTHORIZED" "$(reason)"
check "Basic auth → 401" "401" "$(code -u alice:x "$API/pins")"
check "bearer scheme is case-insensitive" "200" "$(code -H "Authorization: bearer $alice" "$API/pins")"

head -c 400000 /dev/urandom >"$scratch/f"
check "a pins-scoped token cannot use the rest of the API → 403" "403" "$(code "${B[@]}" -X POST "$API/api/v0/id")"
cid=$(cu "${A[@]}" -X POST -F "file=@$scratch/f" "$API/api/v0/add?pin=false&cid-version=0" | hash_of)
v1=$("$CAIRN" cid format -v 1 -b base32 "$cid")
check "POST /pins → 202" "202" "$(code "${A[@]}" -X POST -d "{\"cid\":\"$cid\",\"name\":\"f\"}" "$API/pins")"
rid=$(field requestid <"$scratch/body")
check "status pinned" "pinned" "$(field status <"$scratch/body")"
check "GET /pins/{id}" "200" "$(code "${A[@]}" "$API/pins/$rid")"
check "another token cannot see it → 404" "404" "$(code "${B[@]}" "$API/pins/$rid")"
check "nor delete it" "404" "$(code "${B[@]}" -X DELETE "$API/pins/$rid")"
check "nor replace it" "404" "$(code "${B[@]}" -X POST -d "{\"cid\":\"$cid\"}" "$API/pins/$rid")"
check "nor list it" '{"count":0,"results":[]}' "$(cu "${B[@]}" "$API/pins")"
check "cid filter: the v1 form finds the v0 pin" "1" "$(cu "${A[@]}" "$API/pins?cid=$v1" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')"
check "meta as JSON" "1" "$(cu "${A[@]}" -X POST -d "{\"cid\":\"$cid\",\"meta\":{\"k\":\"v\"}}" "$API/pins" >/dev/null; cu "${A[@]}" -G --data-urlencode 'meta={"k":"v"}' "$API/pins" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')"

# malformed requests: 4xx with a Failure body, nothing stored
bad() { # NAME WANT-CODE CURL-ARGS...
	local name=$1 want=$2; shift 2
	local got; got=$(code "${A[@]}" "$@")
	if [ "$got" = "$want" ] && [ -n "$(reason)" ]; then ok "$name → $want"; else not_ok "$name: $got $(cat "$scratch/body")"; fi
}
bad "body not JSON" 400 -X POST -d '{"cid":' "$API/pins"
bad "body not an object" 400 -X POST -d '["x"]' "$API/pins"
bad "no cid" 400 -X POST -d '{"name":"x"}' "$API/pins"
bad "cid not a string" 400 -X POST -d '{"cid":5}' "$API/pins"
bad "cid not a CID" 400 -X POST -d '{"cid":"Qmnope"}' "$API/pins"
bad "name over 255 characters" 400 -X POST -d "{\"cid\":\"$cid\",\"name\":\"$(printf 'é%.0s' $(seq 256))\"}" "$API/pins"
check "name of 255 two-byte characters is fine" "202" "$(code "${A[@]}" -X POST -d "{\"cid\":\"$cid\",\"name\":\"$(printf 'é%.0s' $(seq 255))\"}" "$API/pins")"
bad "origins not an array" 400 -X POST -d "{\"cid\":\"$cid\",\"origins\":\"/ip4/1.2.3.4\"}" "$API/pins"
bad "origin not a multiaddr" 400 -X POST -d "{\"cid\":\"$cid\",\"origins\":[\"http://x\"]}" "$API/pins"
bad "repeated origin" 400 -X POST -d "{\"cid\":\"$cid\",\"origins\":[\"/a\",\"/a\"]}" "$API/pins"
bad "21 origins" 400 -X POST -d "{\"cid\":\"$cid\",\"origins\":[$(seq -s, -f '"/o%g"' 21)]}" "$API/pins"
bad "meta value not a string" 400 -X POST -d "{\"cid\":\"$cid\",\"meta\":{\"a\":1}}" "$API/pins"
head -c 300000 /dev/zero | tr '\0' a >"$scratch/big"
bad "body over 256 KiB" 413 -X POST --data-binary @"$scratch/big" "$API/pins"
bad "limit 0" 400 "$API/pins?limit=0"
bad "limit 1001" 400 "$API/pins?limit=1001"
bad "limit not a number" 400 "$API/pins?limit=ten"
bad "unknown status" 400 "$API/pins?status=done"
bad "unknown match" 400 "$API/pins?name=f&match=regex"
bad "before not RFC 3339" 400 "$API/pins?before=2026-11-22"
bad "after with a bad offset" 400 "$API/pins?after=2026-11-22T00:00:00+2"
bad "11 CIDs" 400 "$API/pins?cid=$(for i in $(seq 11); do printf '%s,' "$cid"; done | sed 's/,$//')"
bad "bad CID filter" 400 "$API/pins?cid=nope"
bad "meta not JSON" 400 "$API/pins?meta=%7Bk"
bad "PUT /pins" 405 -X PUT "$API/pins"
bad "PATCH /pins/{id}" 405 -X PATCH "$API/pins/$rid"
bad "unknown requestid" 404 "$API/pins/aaaaaaaaaaaaaaaaaaaaaaaaaa"
bad "not a requestid" 404 "$API/pins/..%2F..%2Fetc"
bad "deeper path" 404 "$API/pins/$rid/x"
check "offsets in before/after are honoured" "0" "$(cu "${A[@]}" "$API/pins?before=2000-01-01T10:00:00%2B09:00" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')"

# GC keeps what a pinned request holds; deleting the request frees it
cu "${A[@]}" -X POST "$API/api/v0/repo/gc" >/dev/null
check "after GC the pinned request's file is served" "$(sha256sum <"$scratch/f" | cut -c1-64)" "$(cu "$GW/ipfs/$cid" | sha256sum | cut -c1-64)"
# /metrics counts requests by status, as the API lists them
metric() { curl -sS "$GW/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
listed() { cu "$@" "$API/pins?status=pinned&limit=1000" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
pinned=$(($(listed "${A[@]}") + $(listed "${B[@]}")))
[ "$pinned" -gt 1 ] && ok "$pinned requests pinned" || not_ok "pinned: $pinned"
check "/metrics: cairn_pin_requests{status=pinned} is what the API lists, queued 0" "$pinned 0" \
	"$(metric 'cairn_pin_requests{status="pinned"}') $(metric 'cairn_pin_requests{status="queued"}')"
# remove every request of alice's, then GC
for id in $(cu "${A[@]}" "$API/pins?limit=1000" | grep -o '"requestid":"[^"]*"' | cut -d'"' -f4); do
	cu "${A[@]}" -X DELETE "$API/pins/$id" >/dev/null
done
check "every request deleted" '{"count":0,"results":[]}' "$(cu "${A[@]}" "$API/pins")"
check "…and /metrics counts only bob's" "$(listed "${B[@]}")" "$(metric 'cairn_pin_requests{status="pinned"}')"
cu "${A[@]}" -X POST "$API/api/v0/repo/gc" >/dev/null
check "then GC removes the file" "404" "$(code "$GW/ipfs/$cid")"

# requests survive a restart; a revoked token is refused at once
cid2=$(cu "${A[@]}" -X POST -F "file=@$scratch/f" "$API/api/v0/add?pin=false" | hash_of)
cu "${B[@]}" -X POST -d "{\"cid\":\"$cid2\"}" "$API/pins" >"$scratch/body"
rid2=$(field requestid <"$scratch/body")
daemon_stop
daemon_start || { not_ok "daemon restart"; exit 1; }
check "a request survives a restart" "pinned" "$(cu "${B[@]}" "$API/pins/$rid2" | field status)"
check "…counted again after the restart" "$(listed "${B[@]}")" "$(metric 'cairn_pin_requests{status="pinned"}')"
"$CAIRN" token rm bob
check "a revoked token → 401 (daemon running)" "401" "$(code "${B[@]}" "$API/pins/$rid2")"
bob2=$("$CAIRN" token add bob --scope pins)
check "re-adding the name rotates the secret and keeps the requests" "pinned" \
	"$(cu -H "Authorization: Bearer $bob2" "$API/pins/$rid2" | field status)"
check "the old secret stays revoked" "401" "$(code "${B[@]}" "$API/pins/$rid2")"
