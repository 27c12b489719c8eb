#!/usr/bin/env bash
# Outgoing HTTPS (http/client.c on libcurl): the daemon anchors through an
# https:// chain RPC and `cairn audit` checks the proofs through it. The
# TLS endpoints are made here: a private CA and certificates made with
# openssl (one for 127.0.0.1/localhost, one for another name, one
# expired), and nginx terminating TLS with HTTP/2 in front of anvil.
# Checked: the right CA passes; none, another CA, a wrong name and an
# expired certificate are each refused (audit exit 3, "could not check");
# HTTP/2 is what the daemon speaks (nginx's log); a provider-style key in
# the URL's path never shows in the daemon's output, and a header given
# with --chain-rpc-header reaches the provider; HTTPS_PROXY is used.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
command -v nginx >/dev/null || { echo "not ok 1 - nginx is not installed (.ci/install-deps)"; exit 1; }
anvil_start || { echo "not ok 1 - anvil start"; cat "$scratch/anvil.log"; exit 1; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# --- certificates ---
t=$scratch/tls
mkdir -p "$t/db"
: >"$t/db/index.txt"
echo 1000 >"$t/db/serial"
cat >"$t/ca.cnf" <<EOF
[ca]
default_ca = local
[local]
dir = $t/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
EOF
openssl_quiet() { openssl "$@" >/dev/null 2>&1; }
mkca() { # NAME: a self-signed CA
	openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=cairn test $1" -keyout "$t/$1.key" -out "$t/$1.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
mkcert() { # NAME SAN START END: a server certificate signed by the test CA
	openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$t/$1.key" -out "$t/$1.csr" -addext "subjectAltName=$2"
	openssl_quiet ca -batch -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca.key" \
		-startdate "$3" -enddate "$4" -in "$t/$1.csr" -out "$t/$1.pem"
}
mkca ca
mkca otherca
now=$(date -u +%Y%m%d%H%M%SZ)
later=$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)
mkcert good "DNS:localhost,IP:127.0.0.1" "$now" "$later"
mkcert wrongname "DNS:elsewhere.example" "$now" "$later"
mkcert expired "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20200102000000Z
for c in good wrongname expired; do [ -s "$t/$c.pem" ] || { echo "not ok 1 - openssl made no $c certificate"; exit 1; }; done
ok "a private CA and certificates: good, another name, expired"

# --- node A, whose gateway nginx serves over TLS ---
head -c 3000000 /dev/urandom >"$scratch/f"
daemon_start A || { echo "not ok - node A: $(tail -3 "$scratch/A.log")"; exit 1; }
hash_of() { sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p'; }
fcid=$(curl -sS -X POST -F "file=@$scratch/f" "$A_API/api/v0/add" | hash_of)
dcid=$(printf 'a DAG to pin from an origin' | curl -sS -X POST -F "file=@-" "$A_API/api/v0/add" | hash_of)
[ -n "$fcid" ] && [ -n "$dcid" ] || { echo "not ok - adding to A"; exit 1; }
a_port=${A_GW##*:}

# --- nginx: TLS and HTTP/2 in front of anvil and of A's gateway ---
p_good=$(free_port); p_name=$(free_port); p_old=$(free_port); g_good=$(free_port); g_name=$(free_port); g_old=$(free_port)
mkdir -p "$scratch/nginx"
server() { # PORT CERT
	cat <<EOF
	server {
		listen 127.0.0.1:$1 ssl http2;
		ssl_certificate $t/$2.pem;
		ssl_certificate_key $t/$2.key;
		location / { proxy_pass http://127.0.0.1:$anvil_port; }
		# a provider that wants its key in the path and in a header
		location /v3/0123456789abcdef {
			if (\$http_x_api_key != "s3cret") { return 401; }
			proxy_pass http://127.0.0.1:$anvil_port/;
		}
	}
EOF
}
gateway() { # PORT CERT: A's gateway
	cat <<EOF
	server {
		listen 127.0.0.1:$1 ssl http2;
		ssl_certificate $t/$2.pem;
		ssl_certificate_key $t/$2.key;
		location / { proxy_pass http://127.0.0.1:$a_port; proxy_buffering off; }
	}
EOF
}
cat >"$scratch/nginx/nginx.conf" <<EOF
daemon off;
pid $scratch/nginx/nginx.pid;
error_log $scratch/nginx/error.log;
events { worker_connections 64; }
http {
	log_format proto '\$server_port \$server_protocol \$request_method \$uri \$status conn=\$connection';
	access_log $scratch/nginx/access.log proto;
	client_body_temp_path $scratch/nginx;
	proxy_temp_path $scratch/nginx;
	fastcgi_temp_path $scratch/nginx;
	uwsgi_temp_path $scratch/nginx;
	scgi_temp_path $scratch/nginx;
$(server "$p_good" good)
$(server "$p_name" wrongname)
$(server "$p_old" expired)
$(gateway "$g_good" good)
$(gateway "$g_name" wrongname)
$(gateway "$g_old" expired)
}
EOF
nginx -c "$scratch/nginx/nginx.conf" -p "$scratch/nginx" </dev/null >/dev/null 2>&1 &
NGINX_PID=$!
at_exit 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null'
HTTPS=https://127.0.0.1:$p_good
for _ in $(seq 50); do curl -s -o /dev/null --cacert "$t/ca.pem" "$HTTPS/" && break; sleep 0.1; done
code=$(curl -sS --cacert "$t/ca.pem" -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
	-d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$HTTPS/")
check "nginx terminates TLS in front of anvil" "200" "$code"

# --- the daemon anchors through https:// ---
KEYED=$HTTPS/v3/0123456789abcdef
daemon_start "" --chain-rpc "$KEYED" --chain-rpc-header 'X-Api-Key: s3cret' --ca-file "$t/ca.pem" \
	--confirmations 1 --anchor-interval 3600 || { not_ok "daemon start: $(tail -3 "$scratch/daemon.log")"; echo "1..$n"; exit 1; }
cu() { curl -sS --max-time 60 -X POST "$@"; }
doc=$(printf 'tls doc' | "$CAIRN" add -nQ)
cu "$API/api/v0/anchor/add?arg=$doc" >/dev/null
cu "$API/api/v0/anchor/flush" >"$scratch/flush.json"
grep -q '"tx":"0x[0-9a-f]\{64\}"' "$scratch/flush.json" && ok "anchored through https:// (a keyed path, a header): confirmed" || not_ok "flush: $(cat "$scratch/flush.json") $(tail -5 "$scratch/daemon.log")"
cu "$API/api/v0/anchor/proof?arg=$doc" >"$scratch/p.json"
grep -q "https://127.0.0.1:$p_good/…" "$scratch/daemon.out" && ok "the daemon names the RPC by host only" || not_ok "output: $(cat "$scratch/daemon.out")"
! grep -q 0123456789abcdef "$scratch/daemon.out" "$scratch/daemon.log" && ok "…the key in its path is in neither its output nor its log" || not_ok "the key leaked"
grep -q "^$p_good HTTP/2.0 POST /v3/0123456789abcdef 200" "$scratch/nginx/access.log" && ok "HTTP/2 negotiated with the TLS provider (nginx's log)" || not_ok "protocol: $(tail -3 "$scratch/nginx/access.log")"
daemon_stop

# without the header the provider refuses: the daemon says so and anchors nothing
daemon_start "" --chain-rpc "$KEYED" --ca-file "$t/ca.pem" --anchor-interval 3600 || not_ok "restart"
cu "$API/api/v0/anchor/add?arg=$(printf 'tls doc 2' | "$CAIRN" add -nQ)" >/dev/null
cu --max-time 5 "$API/api/v0/anchor/flush" >/dev/null 2>&1 # (it waits for a confirmation that will not come)
for _ in $(seq 50); do grep -q "HTTP 401" "$scratch/daemon.log" && break; sleep 0.2; done
grep -q "HTTP 401" "$scratch/daemon.log" && ok "no --chain-rpc-header: the provider's 401 is logged ($(grep -m1 'HTTP 401' "$scratch/daemon.log" | cut -c1-100))" || not_ok "log: $(tail -3 "$scratch/daemon.log")"
daemon_stop

# --- a peer over https:// ---
metric() { curl -sS --max-time 10 "$1/metrics" | awk -v k="$2" '$1 == k {print $2; exit}'; }
# B on one event loop: its fetches go through one client, so what HTTP/2
# multiplexes is seen on one connection
CAIRN_PATH=$scratch/B "$CAIRN" init >/dev/null
node -e 'const f=process.argv[1],c=JSON.parse(require("fs").readFileSync(f));c.Daemon={...c.Daemon,Threads:1};require("fs").writeFileSync(f,JSON.stringify(c))' "$scratch/B/config"
daemon_start B --peer "https://localhost:$g_good" --ca-file "$t/ca.pem" || not_ok "node B: $(tail -3 "$scratch/B.log")"
curl -sS --max-time 60 "$B_GW/ipfs/$fcid" | cmp -s - "$scratch/f" && ok "B fetches a file only A has, through https://localhost (its peer)" || not_ok "fetch through the TLS peer: $(tail -3 "$scratch/B.log")"
h2=$(metric "$B_GW" "cairn_peer_http2_fetches_total{peer=\"https://localhost:$g_good\"}")
[ "${h2:-0}" -ge 1 ] && ok "…in HTTP/2 ($h2 fetches, cairn_peer_http2_fetches_total)" || not_ok "http2 fetches: $h2"
grep -q "^$g_good HTTP/2.0 GET /ipfs/$fcid" "$scratch/nginx/access.log" && ok "…as nginx saw it too" || not_ok "nginx log: $(grep "^$g_good " "$scratch/nginx/access.log" | tail -2)"
# twelve fetches at once: HTTP/2 streams on the connection B keeps
for i in $(seq 12); do printf 'block %s, fetched beside eleven others' "$i" | curl -sS -X POST -F "file=@-" "$A_API/api/v0/add" | hash_of; done >"$scratch/twelve"
conns0=$(metric "$B_GW" "cairn_peer_connections_total{peer=\"https://localhost:$g_good\"}")
h2_0=$(metric "$B_GW" "cairn_peer_http2_fetches_total{peer=\"https://localhost:$g_good\"}")
pids=()
while read -r c; do
	curl -sS --max-time 60 -o "$scratch/m.$c" -w '%{http_code}\n' "$B_GW/ipfs/$c" >>"$scratch/twelve.codes" &
	pids+=($!)
done <"$scratch/twelve"
wait "${pids[@]}" # (not nginx, also a child)
i=0 good=0
while read -r c; do i=$((i + 1)); [ "$(cat "$scratch/m.$c")" = "block $i, fetched beside eleven others" ] && good=$((good + 1)); done <"$scratch/twelve"
check "12 blocks fetched at once through the TLS peer, each right" "12 12" "$(grep -c '^200$' "$scratch/twelve.codes") $good"
conns=$(metric "$B_GW" "cairn_peer_connections_total{peer=\"https://localhost:$g_good\"}")
h2=$(metric "$B_GW" "cairn_peer_http2_fetches_total{peer=\"https://localhost:$g_good\"}")
check "…all 12 in HTTP/2, on the connection B already had (cairn_peer_connections_total +0)" "12 0" "$((h2 - h2_0)) $((conns - conns0))"
nconn=$(grep -F -f "$scratch/twelve" "$scratch/nginx/access.log" | grep -o 'conn=[0-9]*' | sort -u | wc -l)
check "…one connection, as nginx saw it" "1" "$nconn"
daemon_stop B
# a peer whose certificate does not check: 502 naming why, nothing stored
untrusted() { # NAME URL CA-FILE WHAT
	local name=$1 b gw_var="${1}_GW" gw before code tls
	daemon_start "$name" --peer "$2" --ca-file "$3" || { not_ok "node $name"; return; }
	gw=${!gw_var}
	before=$(metric "$gw" cairn_blocks)
	code=$(curl -sS --max-time 60 -o "$scratch/$name.body" -w '%{http_code}' "$gw/ipfs/$fcid")
	b=$(cat "$scratch/$name.body")
	case "$code $b" in "502 "*TLS*) ok "$4: 502 naming the reason ($(echo "$b" | grep -o 'TLS: [^;]*' | head -1 | cut -c1-90))" ;; *) not_ok "$4: $code $b" ;; esac
	check "…nothing stored" "$before" "$(metric "$gw" cairn_blocks)"
	tls=$(metric "$gw" "cairn_peer_fetches_total{peer=\"$2\",outcome=\"tls\"}")
	[ "${tls:-0}" -ge 1 ] && ok "…counted as outcome tls" || not_ok "tls outcome: $tls"
	daemon_stop "$name" # (its log is flushed)
	grep -q "peer $2: TLS" "$scratch/$name.log" && ok "…and logged with the peer" || not_ok "log: $(tail -2 "$scratch/$name.log")"
}
untrusted C "https://localhost:$g_good" "$t/otherca.pem" "a peer signed by a CA not trusted"
untrusted D "https://127.0.0.1:$g_name" "$t/ca.pem" "a peer whose certificate names another host"
untrusted F "https://127.0.0.1:$g_old" "$t/ca.pem" "a peer whose certificate expired"

# pinned from an https:// origin (Pinning Service API, origins as multiaddrs)
CAIRN_PATH=$scratch/E "$CAIRN" init >/dev/null
tok=$(CAIRN_PATH=$scratch/E "$CAIRN" token add pinner)
daemon_start E --ca-file "$t/ca.pem" || not_ok "node E"
curl -sS --max-time 10 -H "Authorization: Bearer $tok" -X POST -d "{\"cid\":\"$dcid\",\"origins\":[\"/dns4/localhost/tcp/$g_good/https\"]}" "$E_API/pins" >"$scratch/pin.json"
rid=$(sed -n 's/.*"requestid":"\([^"]*\)".*/\1/p' "$scratch/pin.json")
st=
for _ in $(seq 100); do
	st=$(curl -sS --max-time 10 -H "Authorization: Bearer $tok" "$E_API/pins/$rid" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
	{ [ "$st" = pinned ] || [ "$st" = failed ]; } && break
	sleep 0.1
done
check "a DAG pinned from an https:// origin (/dns4/localhost/tcp/PORT/https)" "pinned" "$st"
daemon_stop E
[ "$st" = pinned ] || { cat "$scratch/pin.json"; tail -5 "$scratch/E.log"; }

# --- cairn audit through https:// ---
audit() { "$CAIRN" audit --chain-rpc "$1" "${@:2}" "$scratch/p.json" >"$scratch/audit.out" 2>"$scratch/audit.err"; echo $?; }
check "audit through https:// with --ca-file passes the proof" "0" "$(audit "$HTTPS/" --ca-file "$t/ca.pem")"
check "…without the CA: could not check, exit 3" "3" "$(audit "$HTTPS/")"
grep -qi "certificate" "$scratch/audit.err" && ok "…saying why ($(grep -o 'SSL certificate[^;]*' "$scratch/audit.err" | head -1))" || not_ok "why: $(cat "$scratch/audit.err")"
check "…with another CA: exit 3" "3" "$(audit "$HTTPS/" --ca-file "$t/otherca.pem")"
check "a certificate for another name: exit 3" "3" "$(audit "https://127.0.0.1:$p_name/" --ca-file "$t/ca.pem")"
grep -qiE "name|subject" "$scratch/audit.err" && ok "…naming the mismatch" || not_ok "why: $(cat "$scratch/audit.err")"
check "an expired certificate: exit 3" "3" "$(audit "https://127.0.0.1:$p_old/" --ca-file "$t/ca.pem")"
grep -qi "expired" "$scratch/audit.err" && ok "…saying it expired" || not_ok "why: $(cat "$scratch/audit.err")"
check "a chain RPC that is not http(s): usage, exit 2" "2" "$(audit "ftp://127.0.0.1/" --ca-file "$t/ca.pem")"

# --- HTTPS_PROXY: a CONNECT proxy that logs what it tunnels ---
p_proxy=$(free_port)
node -e '
const net = require("net"), fs = require("fs");
const log = process.argv[2];
net.createServer(c => {
	c.once("data", d => {
		const m = /^CONNECT ([^ ]+) /.exec(d.toString());
		if (!m) return c.end("HTTP/1.1 405 x\r\n\r\n");
		fs.appendFileSync(log, "CONNECT " + m[1] + "\n");
		const [h, p] = m[1].split(":");
		const u = net.connect(+p, h, () => { c.write("HTTP/1.1 200 Connection established\r\n\r\n"); u.pipe(c); c.pipe(u); });
		u.on("error", () => c.destroy()); c.on("error", () => u.destroy());
	});
}).listen(+process.argv[1], "127.0.0.1");
' "$p_proxy" "$scratch/proxy.log" &
PROXY_PID=$!
at_exit 'kill $PROXY_PID 2>/dev/null'
sleep 0.5
rc=$(HTTPS_PROXY=http://127.0.0.1:$p_proxy NO_PROXY= no_proxy= audit "$HTTPS/" --ca-file "$t/ca.pem")
check "HTTPS_PROXY: audit passes through the proxy" "0" "$rc"
grep -q "^CONNECT 127.0.0.1:$p_good" "$scratch/proxy.log" && ok "…which tunnelled it (CONNECT 127.0.0.1:$p_good)" || not_ok "proxy log: $(cat "$scratch/proxy.log" 2>/dev/null)"
# the daemon's client honours it too: a peer fetched through the proxy
export HTTPS_PROXY=http://127.0.0.1:$p_proxy NO_PROXY= no_proxy=
daemon_start G --peer "https://localhost:$g_good" --ca-file "$t/ca.pem" || not_ok "node G"
unset HTTPS_PROXY
curl -sS --max-time 60 "$G_GW/ipfs/$fcid" | cmp -s - "$scratch/f" && grep -q "^CONNECT localhost:$g_good" "$scratch/proxy.log" \
	&& ok "HTTPS_PROXY on the daemon: a peer fetched through the proxy's tunnel" || not_ok "daemon via proxy: $(cat "$scratch/proxy.log")"
daemon_stop G
echo "1..$n"
