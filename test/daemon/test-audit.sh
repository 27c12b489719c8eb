#!/usr/bin/env bash
# cairn audit as a compliance team runs it: every proof in the input is
# checked and reported at its true line, even after a line that is not
# JSON; rows carry the evidence (record, cid, index, size, chain, tx,
# block, block time, signer, result, reason) in table, csv (read back by
# Python's csv module) and json (one document, read back by node); a
# summary closes the report; the exit status says what happened (0 all
# verified, 1 one false, 2 usage, 3 something unchecked); a chain that
# cannot be reached is named as the chain; COPY-escaped input is named.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
anvil_start || { echo "not ok 1 - anvil start"; cat "$scratch/anvil.log"; exit 1; }
daemon_start "" --chain-rpc "$RPC" --anchor-interval 3600 || { echo "not ok 1 - daemon start"; cat "$scratch/daemon.log"; exit 1; }
cu() { curl -sS --max-time 60 -X POST "$@"; }
peer=$(cu "$API/api/v0/id" | sed -n 's/.*"ID":"\([^"]*\)".*/\1/p')
for i in 1 2 3 4; do printf 'audit doc %s' "$i" | "$CAIRN" add -nQ; done >"$scratch/cids"
cu "$API/api/v0/anchor/add?$(sed 's/^/arg=/' "$scratch/cids" | paste -sd'&')" >/dev/null
cu "$API/api/v0/anchor/flush" | grep -q '"tx"' && ok "four CIDs anchored" || { not_ok "flush"; exit 1; }
i=0; while read -r c; do i=$((i + 1)); cu "$API/api/v0/anchor/proof?arg=$c" >"$scratch/p$i.json"; done <"$scratch/cids"
audit() { "$CAIRN" audit --chain-rpc "$RPC" "$@" >"$scratch/out" 2>"$scratch/err"; echo $?; }
js() { node -e "const fs=require('fs');$1" "${@:2}"; }

# --- every line is checked, at its true line number ---
tampered=$(js "const p=JSON.parse(fs.readFileSync(process.argv[1]));p.index++;process.stdout.write(JSON.stringify(p))" "$scratch/p4.json")
line() { tr -d '\n' <"$1"; echo; } # a proof on one line
{ line "$scratch/p1.json"; echo '{"cid": "bafk", not json'; line "$scratch/p2.json"; echo; echo "$tampered"; line "$scratch/p3.json"; } >"$scratch/mixed.ndjson"
check "a file with a line that is not JSON and a tampered proof: exit 1" "1" "$(audit --format json "$scratch/mixed.ndjson")"
check "…every line is a row, each at its line: verified, false (not JSON), verified, false, verified" \
	"mixed.ndjson:1 verified|mixed.ndjson:2 false|mixed.ndjson:3 verified|mixed.ndjson:5 false|mixed.ndjson:6 verified" \
	"$(js "const d=JSON.parse(fs.readFileSync(0));console.log(d.rows.map(r=>r.record.replace(/.*\//,'')+' '+r.result).join('|'))" <"$scratch/out")"
check "…the bad line's reason says it is not JSON; the tampered one's says why" "not JSON|inclusion" \
	"$(js "const d=JSON.parse(fs.readFileSync(0));console.log([d.rows[1].reason.match(/not JSON/),d.rows[3].reason.match(/^inclusion/)].join('|'))" <"$scratch/out")"
check "…one document with a summary: 5 checked, 3 verified, 2 false, 0 unchecked" '{"checked":5,"verified":3,"false":2,"unchecked":0}' \
	"$(js "console.log(JSON.stringify(JSON.parse(fs.readFileSync(0)).summary))" <"$scratch/out")"
# the evidence: each verified row carries the proof's claims, field by field
check "…each verified row carries cid, index, size, chain, tx, block, block_time and signer, as the proof says" "ok ok ok" \
	"$(js "const d=JSON.parse(fs.readFileSync(0));const out=[];for(const [r,f] of [[0,'p1'],[2,'p2'],[4,'p3']]){const p=JSON.parse(fs.readFileSync(process.argv[1]+'/'+f+'.json')),w=d.rows[r];
	  const want={cid:p.cid,index:p.index,size:p.size,chain:p.chain,tx:p.tx,block:p.block,block_time:p.time,signer:process.argv[2],reason:null};
	  out.push(Object.keys(want).every(k=>w[k]===want[k])?'ok':JSON.stringify([want,w]))}console.log(out.join(' '))" "$scratch" "$peer" <"$scratch/out")"

# --- csv: read back by a real CSV parser ---
check "csv: exit 1" "1" "$(audit --format csv "$scratch/mixed.ndjson")"
check "…Python's csv reads a header and 5 rows of 11 fields; results and lines as in json" \
	"record,cid,index,size,chain,tx,block,block_time,signer,result,reason|5|11|1 verified,2 false,3 verified,5 false,6 verified" \
	"$(python3 -c "import csv,sys;r=list(csv.reader(open(sys.argv[1])));print(','.join(r[0])+'|'+str(len(r)-1)+'|'+str(min(len(x) for x in r))+'|'+','.join(x[0].rsplit(':',1)[1]+' '+x[9] for x in r[1:]))" "$scratch/out")"
grep -qx "5 checked: 3 verified, 2 false, 0 unchecked" "$scratch/err" && ok "…the summary on stderr, beside the csv" || not_ok "csv summary: $(cat "$scratch/err")"
echo '{"cid": "bafk"}' >"$scratch/partial.json"
audit --format csv "$scratch/partial.json" >/dev/null
check "…a reason with commas stays one field" "11|malformed proof: cid, index, size, root, path and checkpoint are needed" \
	"$(python3 -c "import csv,sys;r=list(csv.reader(open(sys.argv[1])))[1];print(str(len(r))+'|'+r[10])" "$scratch/out")"

# --- table: every row, then the summary ---
check "table: exit 1" "1" "$(audit "$scratch/mixed.ndjson")"
check "…a header, 5 rows, the summary last" "RESULT 5 5 checked: 3 verified, 2 false, 0 unchecked" \
	"$(head -1 "$scratch/out" | awk '{print $1}') $(grep -cE '^(verified|false|unchecked) ' "$scratch/out") $(tail -1 "$scratch/out")"
check "all verified: exit 0" "0" "$(audit "$scratch/p1.json" "$scratch/p2.json" "$scratch/p3.json" "$scratch/p4.json")"
check "…4 checked: 4 verified" "4 checked: 4 verified, 0 false, 0 unchecked" "$(tail -1 "$scratch/out")"

# --- other layouts: pretty-printed, one after another, an array ---
js "for(const f of ['p1','p2'])process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1]+'/'+f+'.json')),null,2)+'\n')" "$scratch" >"$scratch/pretty.json"
l2=$(grep -n '^{' "$scratch/pretty.json" | sed -n 2p | cut -d: -f1)
check "pretty-printed proofs one after another: both verified, at lines 1 and $l2" "0 pretty.json:1 pretty.json:$l2" \
	"$(audit --format csv "$scratch/pretty.json") $(tail -n +2 "$scratch/out" | cut -d, -f1 | sed 's|.*/||' | paste -sd' ')"
{ echo '['; for f in p1 p2 p3; do cat "$scratch/$f.json"; [ $f = p3 ] || echo ','; done; echo ']'; } >"$scratch/array.json"
check "a JSON array of proofs: three rows at lines 2, 4, 6" "0 array.json:2 array.json:4 array.json:6" \
	"$(audit --format csv "$scratch/array.json") $(tail -n +2 "$scratch/out" | cut -d, -f1 | sed 's|.*/||' | paste -sd' ')"
{ js "process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1])),null,2))" "$scratch/p1.json" | sed '3s/.*/  "index": ,/'; echo; js "process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1])),null,2))" "$scratch/p2.json"; echo; } >"$scratch/prettybad.json"
check "a broken pretty-printed proof: false at its first line, the next one still verified" "1 prettybad.json:1 false|prettybad.json:$l2 verified" \
	"$(audit --format csv "$scratch/prettybad.json") $(tail -n +2 "$scratch/out" | awk -F, '{sub(/.*\//,"",$1); print $1" "$10}' | paste -sd'|')"
grep -q "not JSON: .*(line 3)" "$scratch/out" && ok "…the reason names the line of the error" || not_ok "reason: $(cat "$scratch/out")"
check "standard input: file name 'stdin'" "0 stdin:1" "$("$CAIRN" audit --chain-rpc "$RPC" --format csv <"$scratch/p1.json" >"$scratch/out" 2>/dev/null; echo $?) $(tail -1 "$scratch/out" | cut -d, -f1)"

# --- what cannot be checked is not false ---
check "a file that does not exist: unchecked, exit 3" "3 unchecked" "$(audit --format csv "$scratch/nope.json") $(tail -1 "$scratch/out" | awk -F, '{print $10}')"
check "no proofs at all: exit 3" "3" "$(audit /dev/null)"
grep -q "nothing was checked" "$scratch/err" && ok "…saying nothing was checked" || not_ok "empty: $(cat "$scratch/err")"
check "a proof of another chain: unchecked, exit 3" "3 unchecked" \
	"$(js "const p=JSON.parse(fs.readFileSync(process.argv[1]));p.chain='eip155:1';process.stdout.write(JSON.stringify(p))" "$scratch/p1.json" >"$scratch/other.json"; audit --format csv "$scratch/other.json") $(tail -1 "$scratch/out" | awk -F, '{print $10}')"
grep -q "eip155:1, the RPC serves eip155:31337" "$scratch/out" && ok "…naming both chains" || not_ok "other chain: $(cat "$scratch/out")"
# COPY's text format doubles every backslash: the checkpoint's \n become \\n
sed 's/\\/\\\\/g' "$scratch/p1.json" >"$scratch/copied.ndjson"
check "COPY-escaped input: unchecked (not false), exit 3" "3 unchecked" "$(audit --format csv "$scratch/copied.ndjson") $(tail -1 "$scratch/out" | awk -F, '{print $10}')"
grep -q "looks COPY-escaped" "$scratch/out" && grep -q "psql -At" "$scratch/out" && ok "…saying so, and how to export" || not_ok "copy: $(cat "$scratch/out")"

# --- the chain unreachable: named as the chain; a false proof still counts ---
dead=http://127.0.0.1:$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
check "the chain unreachable: exit 3, every row unchecked" "3 3" \
	"$("$CAIRN" audit --chain-rpc "$dead" --format csv "$scratch/p1.json" "$scratch/p2.json" "$scratch/p3.json" >"$scratch/out" 2>"$scratch/err"; echo $?) $(grep -c ',unchecked,' "$scratch/out")"
grep -q "the chain RPC $dead" "$scratch/err" && ! grep -qi "daemon" "$scratch/err" "$scratch/out" && ok "…named as the chain RPC, not the daemon" || not_ok "unreachable: $(cat "$scratch/err")"
grep -qx "3 checked: 0 verified, 0 false, 3 unchecked" "$scratch/err" && ok "…the summary says 3 unchecked" || not_ok "summary: $(cat "$scratch/err")"
echo "$tampered" >"$scratch/t.json"
check "…with a proof whose path is false: exit 1 (a finding outranks what was not checked)" "1 false unchecked" \
	"$("$CAIRN" audit --chain-rpc "$dead" --format csv "$scratch/t.json" "$scratch/p1.json" >"$scratch/out" 2>/dev/null; echo $?) $(tail -n +2 "$scratch/out" | awk -F, '{print $10}' | paste -sd' ')"
check "usage: exit 2" "2" "$(audit --format xml "$scratch/p1.json")"
echo "1..$n"
