#!/usr/bin/env bash
# API authentication: open while the node has no token; once one exists
# (cairn token add, or --api-token), every API call but /healthz needs a
# bearer token, 401 with a JSON body otherwise; pins-scoped tokens open only
# /pins; the CLI sends $CAIRN_API_TOKEN; an API beyond loopback without a
# token is refused. The gateway stays open.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
msg() { node -e 'try{const o=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(o.Type+": "+o.Message)}catch(e){console.log("not JSON")}' "$scratch/body"; }

daemon_start || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
config_api
printf 'hello auth\n' >"$scratch/f"
check "no token on the node: the API is open (loopback)" "200" "$(code -X POST "$API/api/v0/id")"
cid=$("$CAIRN" add -Q "$scratch/f")
check "…and the CLI goes through the daemon without one" "hello auth" "$("$CAIRN" cat "$cid")"

admin=$("$CAIRN" token add admin)
peer=$("$CAIRN" token add replicator --scope pins)
"$CAIRN" token add x --scope root >/dev/null 2>"$scratch/err"; check "token add --scope root → exit 2" "2" "$?"
grep -q "'api' or 'pins'" "$scratch/err" && ok "…naming the scopes" || not_ok "err: $(cat "$scratch/err")"

check "a token exists: no Authorization → 401" "401" "$(code -X POST "$API/api/v0/id")"
check "…with a Kubo RPC error body" "error: this API needs a token: send 'Authorization: Bearer <secret>' (the cairn CLI sends \$CAIRN_API_TOKEN)" "$(msg)"
grep -qi '^WWW-Authenticate: Bearer realm="cairn API"' <(cu -D - -o /dev/null -X POST "$API/api/v0/id") && ok "…and WWW-Authenticate" || not_ok "WWW-Authenticate"
check "every endpoint, even an unknown one" "401" "$(code -X POST "$API/api/v0/nope")"
check "/metrics on the API needs it too" "401" "$(code "$API/metrics")"
check "/healthz stays open (liveness probes)" "200" "$(code "$API/healthz")"
check "a wrong secret → 401" "401" "$(code -H 'Authorization: Bearer cairn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' -X POST "$API/api/v0/id")"
check "…saying so" "error: API token is invalid or has been revoked" "$(msg)"
check "Basic auth is not a bearer token → 401" "401" "$(code -u admin:"$admin" -X POST "$API/api/v0/id")"
check "the admin token → 200" "200" "$(code -H "Authorization: Bearer $admin" -X POST "$API/api/v0/id")"
check "a pins-scoped token outside /pins → 403" "403" "$(code -H "Authorization: Bearer $peer" -X POST "$API/api/v0/pin/ls")"
grep -q "scope 'pins'" "$scratch/body" && ok "…explained" || not_ok "403 body: $(cat "$scratch/body")"
check "…but it opens /pins" "200" "$(code -H "Authorization: Bearer $peer" "$API/pins")"
check "the admin token opens /pins too" "200" "$(code -H "Authorization: Bearer $admin" "$API/pins")"
check "the gateway needs nothing" "hello auth" "$(cu "$GW/ipfs/$cid")"
# nothing written without a token
before=$(find "$CAIRN_PATH/blocks" -type f | wc -l)
check "an upload without a token → 401" "401" "$(code -X POST -F "file=@$scratch/f;filename=g" "$API/api/v0/add?cid-version=1&hash=blake3")"
check "…stored nothing" "$before" "$(find "$CAIRN_PATH/blocks" -type f | wc -l)"

# refused before the body: evhttp would read all 200 MB first
r=$(node "$here/hostile-client.mjs" bigpost "${API##*:}" /api/v0/add 200000000)
check "an unauthenticated 200 MB upload is refused after its headers" "401" "$(node -e 'console.log(JSON.parse(process.argv[1]).status)' "$r")"
[ "$(node -e 'console.log(JSON.parse(process.argv[1]).ms)' "$r")" -lt 2500 ] && ok "…at once, not after the body ($r)" || not_ok "late: $r"
check "…with the same JSON as the full check" "error: this API needs a token: send 'Authorization: Bearer <secret>' (the cairn CLI sends \$CAIRN_API_TOKEN)" \
	"$(node -e 'const o=JSON.parse(JSON.parse(process.argv[1]).body);console.log(o.Type+": "+o.Message)' "$r")"
r=$(node "$here/hostile-client.mjs" bigpost "${API##*:}" /pins 200000000 cairn_wrongwrongwrong)
check "…/pins with a wrong token too, in the spec's Failure format" "401 UNAUTHORIZED" \
	"$(node -e 'const r=JSON.parse(process.argv[1]);console.log(r.status+" "+JSON.parse(r.body).error.reason)' "$r")"
r=$(node "$here/hostile-client.mjs" bigpost "${API##*:}" /api/v0/add 200000000 "$admin")
check "a valid token's upload is let through (the node waits for its body)" "0" "$(node -e 'console.log(JSON.parse(process.argv[1]).status)' "$r")"
sleep 0.5
held=$(curl -sS -H "Authorization: Bearer $admin" "$API/metrics" | sed -n 's/^cairn_http_request_bytes_held //p')
[ "$held" -lt 1024 ] && ok "…and nothing of them is held after (only the metrics request's $held bytes)" || not_ok "held: $held"

# the CLI through the daemon
"$CAIRN" cat "$cid" >/dev/null 2>"$scratch/err"; check "CLI without CAIRN_API_TOKEN → exit 1" "1" "$?"
grep -q 'CAIRN_API_TOKEN' "$scratch/err" && ok "…telling where the token goes" || not_ok "err: $(cat "$scratch/err")"
check "CLI with CAIRN_API_TOKEN" "hello auth" "$(CAIRN_API_TOKEN=$admin "$CAIRN" cat "$cid")"
printf 'second\n' >"$scratch/g"
c2=$(CAIRN_API_TOKEN=$admin "$CAIRN" add -Q "$scratch/g")
check "…adds through the daemon" "second" "$(cu "$GW/ipfs/$c2")"
CAIRN_API_TOKEN=$peer "$CAIRN" pin ls >/dev/null 2>"$scratch/err"; check "CLI with a pins-scoped token → exit 1" "1" "$?"

# revocation is seen at the next request
"$CAIRN" token rm admin
check "a removed token → 401 at once" "401" "$(code -H "Authorization: Bearer $admin" -X POST "$API/api/v0/id")"
"$CAIRN" token rm replicator
check "no token left: open again (loopback)" "200" "$(code -X POST "$API/api/v0/id")"
daemon_stop

# --api-token and --api-token-file
"$CAIRN" daemon --api-token short --api 127.0.0.1:0 --gateway 127.0.0.1:0 >/dev/null 2>"$scratch/err"
check "--api-token shorter than 16 → exit 2" "2" "$?"
"$CAIRN" daemon --api-token "has a space in it, long enough" >/dev/null 2>&1
check "--api-token with a space → exit 2" "2" "$?"
"$CAIRN" daemon --api-token-file "$scratch/none" >/dev/null 2>&1
check "--api-token-file that does not exist → exit 2" "2" "$?"
secret=s3cret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$secret" >"$scratch/tokfile"
chmod 600 "$scratch/tokfile"
daemon_start "" --api-token-file "$scratch/tokfile" || not_ok "daemon with --api-token-file: $(tail -3 "$scratch/daemon.log")"
config_api
check "--api-token-file: no token → 401" "401" "$(code -X POST "$API/api/v0/id")"
check "--api-token-file: its secret (newline dropped) → 200" "200" "$(code -H "Authorization: Bearer $secret" -X POST "$API/api/v0/id")"
check "it owns pin requests as 'api-token'" "200" "$(code -H "Authorization: Bearer $secret" "$API/pins")"
check "the CLI with it" "hello auth" "$(CAIRN_API_TOKEN=$secret "$CAIRN" cat "$cid")"
! grep -q "$secret" /proc/"$DAEMON_PID"/cmdline && ok "the secret is not in the process list" || not_ok "in cmdline"
daemon_stop

# beyond loopback: refused without a token. (It binds the wildcard address
# for a moment; connections are made on loopback only.)
"$CAIRN" daemon --api 0.0.0.0:0 --gateway 127.0.0.1:0 >"$scratch/out" 2>"$scratch/err"
check "API on 0.0.0.0 without a token → exit 2" "2" "$?"
grep -q "refusing to serve the API beyond loopback" "$scratch/err" && ok "…saying why" || not_ok "err: $(cat "$scratch/err")"
adm2=$("$CAIRN" token add ops)
daemon_start "" --api 0.0.0.0:0 || not_ok "daemon on 0.0.0.0: $(tail -3 "$scratch/daemon.log")"
port=${API##*:}
check "…with a token it starts" "200" "$(code -H "Authorization: Bearer $adm2" -X POST "http://127.0.0.1:$port/api/v0/id")"
"$CAIRN" token rm ops
check "the last token removed while it runs: 403 to everyone, never open" "403" "$(code -X POST "http://127.0.0.1:$port/api/v0/id")"
grep -q "beyond loopback" "$scratch/body" && ok "…saying why" || not_ok "body: $(cat "$scratch/body")"
daemon_stop
echo "1..$n"
