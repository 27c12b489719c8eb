#!/usr/bin/env bash
# The subdomain gateway (IPFS Subdomain Gateway spec), with curl setting
# Host as a browser would: localhost serves {cid}.ipfs.localhost, and
# redirects /ipfs/{cid} there, the CID in base32 CIDv1 (as the npm
# multiformats library writes it); a directory's links stay in its origin
# or go out to the gateway; a CID too long for a DNS label is refused as a
# subdomain and served by path; Gateway.PublicGateways adds hosts and can
# turn localhost off; 127.0.0.1 stays a path gateway.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
mkdir -p "$scratch/site/sub" && printf 'hello' >"$scratch/site/a.txt" && printf 'deep' >"$scratch/site/sub/b.txt"
d=$("$CAIRN" add -rQ "$scratch/site") d0=$("$CAIRN" add -rQ --cid-version 0 "$scratch/site")
daemon_start || { not_ok "daemon start"; exit 1; }
P=${GW##*:}
mf() { (cd "$here" && node -e "import('multiformats').then(({CID})=>import('multiformats/bases/base36').then(({base36})=>{const c=CID.parse(process.argv[1]);console.log($1)}))" "$2"); }
d_b32=$(mf 'c.toV1().toString()' "$d") d0_b32=$(mf 'c.toV1().toString()' "$d0") d_b36=$(mf 'c.toV1().toString(base36)' "$d")
req() { curl -sS --max-time 10 -o "$scratch/body" -D "$scratch/h" -w '%{http_code}' -H "Host: $1" "${@:3}" "$GW$2"; }
hdr() { tr -d '\r' <"$scratch/h" | sed -n "s/^$1: //Ip"; }

check "localhost, /ipfs/{cid}/path?query: 301 to the CID's subdomain, path and query kept" \
	"301 http://$d_b32.ipfs.localhost:$P/a.txt?x=1" "$(req "localhost:$P" "/ipfs/$d/a.txt?x=1") $(hdr Location)"
check "…a CIDv0: its base32 CIDv1 as the label" "301 http://$d0_b32.ipfs.localhost:$P/" "$(req "localhost:$P" "/ipfs/$d0") $(hdr Location)"
check "…X-Forwarded-Proto: https and X-Forwarded-Host are followed" "301 https://$d_b32.ipfs.example.test/" \
	"$(req "localhost:$P" "/ipfs/$d/" -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: example.test') $(hdr Location)"
check "…a block or a CAR (trustless, verifiable) is served by path" "200 200" \
	"$(req "localhost:$P" "/ipfs/$d?format=raw") $(req "localhost:$P" "/ipfs/$d" -H 'Accept: application/vnd.ipld.car')"
check "{cid}.ipfs.localhost serves the content at its root" "200 hello /ipfs/$d_b32/a.txt" \
	"$(req "$d_b32.ipfs.localhost:$P" /a.txt) $(cat "$scratch/body") $(hdr X-Ipfs-Path)"
check "…a host in capitals too (DNS names have no case)" "200 deep" "$(req "$(echo "$d_b32" | tr a-z A-Z).ipfs.LOCALHOST:$P" /sub/b.txt) $(cat "$scratch/body")"
check "…a directory without '/': redirected within the origin" "301 /sub/" "$(req "$d_b32.ipfs.localhost:$P" /sub) $(hdr Location)"
req "$d_b32.ipfs.localhost:$P" /sub/ >/dev/null
check "…its listing: entries relative, CID links out to the gateway" "./b.txt //localhost:$P/ipfs/" \
	"$(grep -o 'href="\./b.txt"' "$scratch/body" | cut -d'"' -f2) $(grep -o "href=\"//localhost:$P/ipfs/" "$scratch/body" | head -1 | cut -d'"' -f2)"
check "…a base36 label: redirected to its base32 label" "301 http://$d_b32.ipfs.localhost:$P/a.txt" "$(req "$d_b36.ipfs.localhost:$P" /a.txt) $(hdr Location)"
long=$(cd "$here" && node -e "import('multiformats').then(({CID})=>import('multiformats/hashes/identity').then(({identity})=>console.log(CID.createV1(0x55, identity.digest(Buffer.from('x'.repeat(45)))).toString())))")
check "a CID longer than a DNS label ($(printf %s "$long" | wc -c) characters): 400 as a subdomain" "400" "$(req "$long.ipfs.localhost:$P" /)"
check "…served by path, not redirected" "200 $(printf 'x%.0s' $(seq 45))" "$(req "localhost:$P" "/ipfs/$long") $(cat "$scratch/body")"
check "{name}.ipns.localhost: 501, no IPNS here" "501" "$(req "k51qzi5uqu5dl.ipns.localhost:$P" /)"
check "Host an IPv6 literal, or not a host at all: the path gateway" "200 200" \
	"$(req "[::1]:$P" "/ipfs/$d/a.txt") $(req "bad host%:x" "/ipfs/$d/a.txt")"
check "a label that is no CID: 400" "400" "$(req "nope.ipfs.localhost:$P" /)"
check "127.0.0.1 stays a path gateway" "200 hello" "$(req "127.0.0.1:$P" "/ipfs/$d/a.txt") $(cat "$scratch/body")"

# Gateway.PublicGateways: another host on, localhost off
daemon_stop
"$CAIRN" config --json Gateway.PublicGateways '{"gw.example.test": {"UseSubdomains": true}, "localhost": {"UseSubdomains": false}}'
daemon_start || { not_ok "daemon restart"; exit 1; }
P=${GW##*:}
check "Gateway.PublicGateways: a listed host redirects to subdomains" "301 http://$d_b32.ipfs.gw.example.test:$P/" "$(req "gw.example.test:$P" "/ipfs/$d") $(hdr Location)"
check "…and serves them" "200 hello" "$(req "$d_b32.ipfs.gw.example.test:$P" /a.txt) $(cat "$scratch/body")"
check "…localhost turned off: a path gateway" "200 hello" "$(req "localhost:$P" "/ipfs/$d/a.txt") $(cat "$scratch/body")"
echo "1..$n"
