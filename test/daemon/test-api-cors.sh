#!/usr/bin/env bash
# API.HTTPHeaders (as Kubo's): with no config the API sends no CORS; with
# origins configured, a browser's preflight from a listed origin passes
# before authentication, every reply (a 401 too) names that origin and
# carries the configured headers, an origin not listed gets none; a bad
# config stops the daemon at start, exit 2, saying which.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
hdr() { tr -d '\r' <"$scratch/h" | sed -n "s/^$1: //Ip"; }
req() { curl -s -o /dev/null -D "$scratch/h" -w '%{http_code}' "$@"; }

"$CAIRN" config --json API.HTTPHeaders '{"Access-Control-Allow-Origin": ["https://app.example", "http://localhost:3000"], "X-Served-By": ["cairn", "test"]}' >/dev/null
admin=$("$CAIRN" token add admin)
daemon_start || { not_ok "daemon start"; cat "$scratch/daemon.log"; echo "1..$n"; exit 1; }
pre=$(req -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: authorization' "$API/api/v0/id")
check "preflight from a listed origin: 204 before any token, that origin, Vary: Origin" \
	"204 https://app.example Origin" "$pre $(hdr Access-Control-Allow-Origin) $(hdr Vary)"
check "...POST allowed, Authorization allowed" "1 1" \
	"$(hdr Access-Control-Allow-Methods | grep -c POST) $(hdr Access-Control-Allow-Headers | grep -ic authorization)"
check "a call without the token: 401, and the page may read it (the origin named)" "401 https://app.example" \
	"$(req -X POST -H 'Origin: https://app.example' "$API/api/v0/id") $(hdr Access-Control-Allow-Origin)"
check "with the token: 200, the origin, the configured header joined" "200 http://localhost:3000 cairn, test" \
	"$(req -X POST -H 'Origin: http://localhost:3000' -H "Authorization: Bearer $admin" "$API/api/v0/id") $(hdr Access-Control-Allow-Origin) $(hdr X-Served-By)"
check "an origin not listed: no Access-Control-Allow-Origin" "200 0" \
	"$(req -X POST -H 'Origin: https://evil.example' -H "Authorization: Bearer $admin" "$API/api/v0/id") $(grep -ic '^access-control-allow-origin' "$scratch/h")"
check "an OPTIONS that is no preflight: still refused (405)" "405" "$(req -X OPTIONS -H "Authorization: Bearer $admin" "$API/api/v0/id")"
daemon_stop

"$CAIRN" config --json API.HTTPHeaders '{"Access-Control-Allow-Origin": ["*"]}' >/dev/null
daemon_start || { not_ok "daemon start"; echo "1..$n"; exit 1; }
check "\"*\" allows every origin, without Vary" "204 * " \
	"$(req -X OPTIONS -H 'Origin: https://any.example' -H 'Access-Control-Request-Method: POST' "$API/api/v0/id") $(hdr Access-Control-Allow-Origin) $(hdr Vary)"
daemon_stop

"$CAIRN" config --json API.HTTPHeaders '{"Bad Name": ["x"]}' >/dev/null
out=$(timeout 20 "$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 2>&1); rc=$?
check "a header name with a space: the daemon does not start, exit 2, saying which" "2 yes" \
	"$rc $(echo "$out" | grep -q "'Bad Name' is not a header name" && echo yes)"
"$CAIRN" config --json API.HTTPHeaders '{"X-A": ["line\nbreak"]}' >/dev/null
out=$(timeout 20 "$CAIRN" daemon --api 127.0.0.1:0 --gateway 127.0.0.1:0 2>&1); rc=$?
check "a value with a line break: exit 2" "2 yes" "$rc $(echo "$out" | grep -q 'without line breaks' && echo yes)"
echo "1..$n"
