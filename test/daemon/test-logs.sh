#!/usr/bin/env bash
# The daemon's log as an operator and a log shipper read it: every line a
# record with an RFC 3339 time and a level; request records with client,
# method, path (secret query values redacted), status, bytes (what curl
# received) and duration; 4xx at info, the node's own 5xx at error with
# its reason; libpq's multi-line errors joined on one line;
# --log-format json: one JSON object per line, the same fields. Records
# are parsed by a logfmt reader written here (Python) and by JSON.parse.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
printf 'hello logs' >"$scratch/f"
cid=$("$CAIRN" add -Q --cid-version 1 "$scratch/f")
head -c 777 /dev/urandom >"$scratch/unread"
unread=$("$CAIRN" add -Q --cid-version 1 "$scratch/unread")
head -c 300000 /dev/urandom >"$scratch/big"
big=$("$CAIRN" add -Q --cid-version 1 --raw-leaves "$scratch/big")
cu() { curl -sS --max-time 10 "$@"; }
# logfmt: key=value, value bare or a quoted string with JSON's escapes;
# prints each record as JSON, one per line; exits 1 on a line it cannot read
cat >"$scratch/logfmt.py" <<'PY'
import json, re, sys
from datetime import datetime
pair = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^ "=]+)( |$)')
for line in open(sys.argv[1], encoding='utf-8'):
    line = line.rstrip('\n')
    rec, at = {}, 0
    while at < len(line):
        m = pair.match(line, at)
        if not m:
            print('unreadable: ' + line); sys.exit(1)
        v = m.group(2)
        rec[m.group(1)] = json.loads(v) if v.startswith('"') else v
        at = m.end()
    t = rec.get('time', '')
    if not re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', t) or not datetime.fromisoformat(t.replace('Z', '+00:00')):
        print('bad time: ' + line); sys.exit(1)
    if rec.get('level') not in ('debug', 'info', 'warn', 'error'):
        print('bad level: ' + line); sys.exit(1)
    print(json.dumps(rec))
PY
recs() { python3 "$scratch/logfmt.py" "$1"; }
# pick KEY=VALUE...: the records (JSON lines on stdin) with those values
pick() { python3 -c "
import json,sys
want=dict(a.split('=',1) for a in sys.argv[1:])
for l in sys.stdin:
    r=json.loads(l)
    if all(str(r.get(k))==v for k,v in want.items()): print(l.rstrip())" "$@"; }
field() { python3 -c "import json,sys;print(json.loads(sys.stdin.readline()).get(sys.argv[1]))" "$1"; }

# --- text ---
daemon_start "" --pg "host=127.0.0.1 port=1 connect_timeout=2" || { not_ok "daemon start"; cat "$scratch/daemon.log"; exit 1; }
got=$(cu -o "$scratch/got" -w '%{size_download}' "$GW/ipfs/$big")
cu -o /dev/null "$GW/ipfs/$cid?filename=a.txt&token=s3cr3tT0ken&x=1"
cu -o /dev/null "$GW/ipfs/bafkqaaa/nope" 2>/dev/null
cu -o /dev/null "$GW/ipfs/nope" 2>/dev/null
cu -o /dev/null -X POST "$API/api/v0/cat?arg=$cid&key=k3y-value"
# a block the node cannot read (never read before, so not cached): its
# file replaced by a directory
blk=
for f in $(find "$CAIRN_PATH/blocks" -name "*.data"); do [ "$(stat -c %s "$f")" = 778 ] && blk=$f; done # a format byte, then the block
rm -f "$blk" && mkdir "$blk"
code=$(cu -o /dev/null -w '%{http_code}' "$GW/ipfs/$unread")
for _ in $(seq 30); do grep -q 'retrying' "$scratch/daemon.log" && break; sleep 0.1; done
daemon_stop
recs "$scratch/daemon.log" >"$scratch/text.jsonl"; rc=$?
check "every line of the text log is a record with an RFC 3339 time and a level" "0 $(wc -l <"$scratch/daemon.log")" "$rc $(wc -l <"$scratch/text.jsonl")"
r=$(pick server=gateway status=200 method=GET <"$scratch/text.jsonl" | grep "$big")
check "a request record: server, client, method, path, status, bytes (as curl received), duration" \
	"gateway 127.0.0.1 GET /ipfs/$big 200 $got yes info" \
	"$(echo "$r" | python3 -c "import json,sys;r=json.loads(sys.stdin.readline());print(r['server'],r['client'].split(':')[0],r['method'],r['path'],r['status'],r['bytes'],'yes' if float(r['duration'])>=0 else 'no',r['level'])")"
check "…the client's port is the one curl used" "1" "$(echo "$r" | python3 -c "import json,sys;p=int(json.loads(sys.stdin.readline())['client'].split(':')[1]);print(int(0<p<65536))")"
r=$(pick server=gateway status=200 <"$scratch/text.jsonl" | grep filename)
check "a token in the query is redacted, the rest kept" "/ipfs/$cid?filename=a.txt&token=REDACTED&x=1" "$(echo "$r" | field path)"
! grep -q 's3cr3tT0ken\|k3y-value' "$scratch/daemon.log" && ok "…no secret value anywhere in the log" || not_ok "secret in the log"
check "an API key parameter too" "/api/v0/cat?arg=$cid&key=REDACTED" "$(pick server=api <"$scratch/text.jsonl" | field path)"
check "a 4xx is info (400, 404)" "info info" "$(pick status=400 <"$scratch/text.jsonl" | head -1 | field level) $(pick status=404 <"$scratch/text.jsonl" | head -1 | field level)"
check "the node's own 5xx ($code) is error, with its cause" "500 error read REPO..." \
	"$(pick status=500 <"$scratch/text.jsonl" | python3 -c "import json,sys;r=json.loads(sys.stdin.readline());e=r.get('error') or '';print(r['status'],r['level'],'read REPO...' if e.startswith('read ') and '.data' in e else e)")"
r=$(grep 'pg mirror' "$scratch/text.jsonl" | head -1)
check "libpq's two-line error stays one record, its lines joined" "warn yes" \
	"$(echo "$r" | python3 -c "import json,sys;r=json.loads(sys.stdin.readline());print(r['level'],'yes' if 'Connection refused; Is the server running' in r['msg'] else r['msg'])")"
check "start and stop are info records" "info info" "$(grep -m1 'shutting down' "$scratch/text.jsonl" | field level) $(grep '"msg": "stopped"' "$scratch/text.jsonl" | field level)"

# --- json ---
rm -rf "$blk" && cp "$scratch/unread" "$blk"
daemon_start "" --log-format json || { not_ok "daemon start (json)"; cat "$scratch/daemon.log"; exit 1; }
cu -o /dev/null "$GW/ipfs/$cid?filename=%22q%22%0A&token=abc"
cu -o /dev/null "$GW/ipfs/$big"
printf 'GET /ipfs/%s/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$cid" | timeout 5 node -e '
const s=require("net").connect(+process.argv[1],"127.0.0.1");process.stdin.pipe(s);s.on("data",()=>{});s.on("end",()=>process.exit(0))' "${GW##*:}"
daemon_stop
check "--log-format json: every line parses as JSON (node's JSON.parse)" "$(wc -l <"$scratch/daemon.log")" \
	"$(node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean);let n=0;for(const x of l){const r=JSON.parse(x);if(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.time)&&!isNaN(Date.parse(r.time))&&["debug","info","warn","error"].includes(r.level))n++}console.log(n)' "$scratch/daemon.log")"
check "…the same fields, numbers as numbers" "gateway number number number /ipfs/$cid?filename=%22q%22%0A&token=REDACTED" \
	"$(node -e 'for(const x of require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean)){const r=JSON.parse(x);if(r.path&&r.path.includes("filename"))console.log(r.server,typeof r.status,typeof r.bytes,typeof r.duration,r.path)}' "$scratch/daemon.log")"
check "…a path with bytes that are not UTF-8 is still valid JSON" "1" \
	"$(node -e 'let n=0;for(const x of require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean)){const r=JSON.parse(x);if(r.path&&r.path.includes("\ufffd"))n++}console.log(n)' "$scratch/daemon.log")"
check "a bad --log-format: usage, exit 2" "2" "$("$CAIRN" daemon --log-format xml 2>/dev/null; echo $?)"
echo "1..$n"
