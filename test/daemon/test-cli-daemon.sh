#!/usr/bin/env bash
# With a daemon holding the repo, the CLI goes through its API and behaves
# as it does on the repo directly: same CIDs, same output, same errors.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
daemon_start || { echo "not ok 1 - daemon"; exit 1; }
# point the repo's config at the daemon's (free) API port, as `make run` would be
config_api
head -c 700000 /dev/urandom >"$scratch/f"
for mode in "" "--cid-version 0" "--trickle --raw-leaves=false" "--chunker size-1000" "--hash sha2-256"; do
	check "add ${mode:-default} through the daemon = add -n" "$("$CAIRN" add -nQ $mode "$scratch/f")" "$("$CAIRN" add -Q $mode "$scratch/f")"
done
cid=$("$CAIRN" add -Q "$scratch/f")
check "add output format" "added $cid f" "$("$CAIRN" add "$scratch/f")"
"$CAIRN" cat "$cid" | cmp -s - "$scratch/f" && ok "cat through the daemon" || not_ok "cat"
check "pin ls CID" "$cid recursive" "$("$CAIRN" pin ls "$cid")"
check "pin rm" "unpinned $cid" "$("$CAIRN" pin rm "$cid")"
check "pin add --name" "pinned $cid recursively" "$("$CAIRN" pin add --name report "$cid")"
check "pin ls shows the name" "$cid recursive report" "$("$CAIRN" pin ls "$cid")"
"$CAIRN" pin ls -q | grep -qx "$cid" && ok "pin ls -q" || not_ok "pin ls -q"
"$CAIRN" repo stat | grep -q '^NumPins:    [1-9]' && ok "repo stat through the daemon" || not_ok "repo stat"
printf 'unpinned bytes' >"$scratch/x"
loose=$("$CAIRN" add -Q --pin=false "$scratch/x")
"$CAIRN" repo gc -q && ok "repo gc through the daemon" || not_ok "repo gc"
out=$("$CAIRN" cat "$loose" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "block not found" && ok "gc'd data is gone, with the daemon's message" || not_ok "after gc: $out"
printf 'hello\n' >"$scratch/h"
b=$("$CAIRN" block put "$scratch/h")
check "block put through the daemon" "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am" "$b"
check "block put --mhtype blake3 --cid-codec dag-cbor" "$("$CAIRN" cid format --mc dag-cbor "$("$CAIRN" add -nQ "$scratch/h")")" \
	"$("$CAIRN" block put --mhtype blake3 --cid-codec dag-cbor "$scratch/h")"
check "block get through the daemon" "hello" "$("$CAIRN" block get "$b")"
check "block stat through the daemon" "Key: $b Size: 6" "$("$CAIRN" block stat "$b" | tr '\n' ' ' | sed 's/ $//')"
out=$("$CAIRN" block get "$("$CAIRN" add -nQ "$scratch/f" --hash sha2-256 --raw-leaves=false --cid-version 1)x" 2>&1); rc=$?
[ $rc -eq 1 ] && ok "block get of a bad CID fails through the daemon" || not_ok "block get bad: $out"
out=$("$CAIRN" cat nope 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "cairn cat: invalid CID 'nope'" && ok "errors come back as the daemon's messages" || not_ok "error: $out"
out=$("$CAIRN" repo verify 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -Eq "^verified [1-9][0-9]* blocks: all ok$" && ok "repo verify through the daemon" || not_ok "verify: $out"
# damage one block of a fresh file behind the daemon's back
find "$CAIRN_PATH/blocks" -name '*.data' | sort >"$scratch/before"
head -c 200000 /dev/urandom >"$scratch/one"
one=$("$CAIRN" add -Q "$scratch/one")
victim=$(find "$CAIRN_PATH/blocks" -name '*.data' | sort | comm -13 "$scratch/before" -)
printf '\x00\x01' | dd of="$victim" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$("$CAIRN" repo verify 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "^block $one: corrupt" && echo "$out" | grep -q "1 damaged" \
	&& ok "repo verify through the daemon names the damaged block, exits 1" || not_ok "verify damaged: $rc $out"
curl -sS --max-time 20 -X POST "$API/api/v0/repo/verify" >"$scratch/v.json"
check "repo/verify streams ndjson ending in a summary" "1" "$(tail -1 "$scratch/v.json" | sed -n 's/.*"Damaged":\([0-9]*\).*/\1/p')"
"$CAIRN" pin rm "$one" >/dev/null
rm -f "$victim"
check "stdin through the daemon" "$(printf 'piped' | "$CAIRN" add -nQ)" "$(printf 'piped' | "$CAIRN" add -Q)"
check "stdin prints its CID as the name, as Kubo" "added $(printf 'piped' | "$CAIRN" add -nQ) $(printf 'piped' | "$CAIRN" add -nQ)" "$(printf 'piped' | "$CAIRN" add)"
check "block put from stdin through the daemon" "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am" "$(printf 'hello\n' | "$CAIRN" block put)"
# directories through the daemon: same lines as the local hash-only run
mkdir -p "$scratch/t/sub/deeper" "$scratch/t/empty"
printf 'one\n' >"$scratch/t/one.txt"
head -c 400000 /dev/urandom >"$scratch/t/sub/big.bin"
printf 'x\n' >"$scratch/t/sub/deeper/x y.txt"
printf 'h\n' >"$scratch/t/.hidden"
ln -s sub/big.bin "$scratch/t/link"
for mode in "" "--cid-version 0" "-w" "--hidden" "--cid-version 1 --hash sha2-256 --raw-leaves=false"; do
	check "add -r $mode through the daemon = add -nr" "$("$CAIRN" add -nr $mode "$scratch/t")" "$("$CAIRN" add -r $mode "$scratch/t")"
done
check "add -w of files through the daemon" "$("$CAIRN" add -nw "$scratch/t/one.txt" "$scratch/f")" "$("$CAIRN" add -w "$scratch/t/one.txt" "$scratch/f")"
troot=$("$CAIRN" add -rQ "$scratch/t")
mkdir -p "$scratch/bad" && echo one >"$scratch/bad/a" && mkfifo "$scratch/bad/fifo"
out=$("$CAIRN" add -r "$scratch/bad" "$scratch/t" 2>"$scratch/err"); rc=$?
check "a failed add -r through the daemon: exit 1, only the good tree's lines" "1 $("$CAIRN" add -nr "$scratch/t")" "$rc $out"
grep -q "was not added: nothing of it is pinned" "$scratch/err" && ok "…saying the bad tree was not added" || not_ok "stderr: $(cat "$scratch/err")"
check "the tree is pinned" "$troot recursive" "$("$CAIRN" pin ls "$troot")"
lsd=$("$CAIRN" ls "$troot")
refsd=$("$CAIRN" refs -r -u "$troot")
"$CAIRN" dag export "$troot" >"$scratch/troot.car"
check "cairn refs -r -u through the daemon: every block of the DAG but the root, as @ipld/car reads the CAR" \
	"$(node "$here/car-verify.mjs" "$scratch/troot.car" | tail -n +3 | xargs)" "$(echo "$refsd" | xargs)"
check "…refs: the root's own links, the entries ls lists" "$(echo "$lsd" | awk '{print $1}' | xargs)" "$("$CAIRN" refs "$troot" | xargs)"
check "cairn ls through the daemon: a file's CID, its size in bytes, its name" "$("$CAIRN" add -nQ "$scratch/t/one.txt") $(stat -c %s "$scratch/t/one.txt") one.txt" "$(echo "$lsd" | grep ' one.txt$')"
check "…a directory's CID, '-', its name with '/'" "$("$CAIRN" add -nrQ "$scratch/t/sub") - sub/" "$(echo "$lsd" | grep ' sub/$')"
check "…every entry, in the directory's order" "empty/ link one.txt sub/" "$(echo "$lsd" | awk '{print $3}' | xargs)"
check "…a path below the root" "$("$CAIRN" add -nQ "$scratch/t/sub/big.bin") 400000 big.bin" "$("$CAIRN" ls "/ipfs/$troot/sub" | grep ' big.bin$')"
check "and served by path" "x" "$(curl -sS --max-time 10 "$GW/ipfs/$troot/sub/deeper/x%20y.txt")"
out=$("$CAIRN" add "$scratch/t" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "use -r" && ok "a directory without -r through the daemon: exit 1" || not_ok "no -r: $out"
# cairn id: through the daemon, where it is; offline, no address
idj=$("$CAIRN" id)
check "cairn id through the daemon: its PeerID and the gateway's address" "1 /ip4/127.0.0.1/tcp/${GW##*:}/http/p2p/" \
	"$(echo "$idj" | node -e 'const j=JSON.parse(require("fs").readFileSync(0));console.log(j.Addresses.length,j.Addresses[0].replace(j.ID,""))')"
# cairn config through the daemon: it reads and writes the repo's file
check "cairn config through the daemon: a string as it is" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).Addresses.API)' "$CAIRN_PATH/config")" "$("$CAIRN" config Addresses.API)"
"$CAIRN" config --json Limits.MaxUploadBytes 3000000
check "…config --json sets a number, in the file" "3000000" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).Limits.MaxUploadBytes)' "$CAIRN_PATH/config")"
check "…config show: the whole file" "$(node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1]))))' "$CAIRN_PATH/config")" \
	"$("$CAIRN" config show | node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0))))')"
check "…Identity cannot be set: exit 1, saying why" "1 yes" "$("$CAIRN" config Identity.PeerID x 2>"$scratch/err"; echo "$? $(grep -q 'cannot be set' "$scratch/err" && echo yes)")"
check "…a key that is not there: exit 1" "1" "$("$CAIRN" config Nope.Nothing 2>/dev/null; echo $?)"
check "…--json with a value that is not JSON: usage, exit 2" "2" "$("$CAIRN" config --json Limits.MaxUploadBytes '{' 2>/dev/null; echo $?)"
# a file far larger than the daemon's upload limit (set just above): the
# CLI hashes it and sends its blocks in CARs under the limit, then pins the root
daemon_stop
check "cairn config offline: the value the daemon wrote" "3000000" "$("$CAIRN" config Limits.MaxUploadBytes)"
"$CAIRN" config --bool Datastore.Compression true
check "…--bool offline" "true" "$("$CAIRN" config Datastore.Compression)"
check "cairn ls offline: the same lines as through the daemon" "$lsd" "$("$CAIRN" ls "$troot")"
check "cairn refs -r -u offline: the same" "$refsd" "$("$CAIRN" refs -r --unique "$troot")"
check "…a path that is not there: exit 1, saying so" "1 yes" "$("$CAIRN" ls "$troot/nope" 2>"$scratch/err"; echo "$? $(grep -q 'no such path' "$scratch/err" && echo yes)")"
check "…offline: the same PeerID and key, no address" "$(echo "$idj" | node -e 'const j=JSON.parse(require("fs").readFileSync(0));console.log(j.ID,j.PublicKey)') 0" \
	"$("$CAIRN" id | node -e 'const j=JSON.parse(require("fs").readFileSync(0));console.log(j.ID,j.PublicKey,j.Addresses.length)')"
daemon_start || { not_ok "daemon restart"; exit 1; }
config_api
head -c 40000000 /dev/urandom >"$scratch/big"
check "a 40 MB file through a daemon that takes 3 MB uploads" "$("$CAIRN" add -nQ "$scratch/big")" "$("$CAIRN" add -Q "$scratch/big")"
big=$("$CAIRN" add -nQ "$scratch/big")
check "it is pinned" "$big recursive" "$("$CAIRN" pin ls "$big")"
"$CAIRN" cat "$big" | cmp -s - "$scratch/big" && ok "and reads back" || not_ok "big cat"
sleep 0.3 # the daemon's log is flushed every 250 ms
imports=$(grep -c 'path="/api/v0/dag/import?pin-roots=false" status=200' "$scratch/daemon.log")
[ "$imports" -ge 10 ] && ok "it went as $imports CAR imports of under 3 MB" || not_ok "dag/import requests: $imports"
# plain messages for plain mistakes, through the daemon as without it
mkdir -p "$scratch/tree/sub" && echo one >"$scratch/tree/a" && echo two >"$scratch/tree/sub/b"
dir=$("$CAIRN" add -rQ "$scratch/tree")
msg=$("$CAIRN" cat "$dir" 2>&1 >/dev/null)
case "$msg" in *"$dir is a directory, not a file: get saves it whole"*) ok "cat of a directory through the daemon: says it is one" ;; *) not_ok "cat DIR: $msg" ;; esac
msg=$("$CAIRN" dag import "$scratch/nonexist.car" 2>&1); rc=$?
check "dag import of a file that is not there, daemon running: exit 1, a plain message" \
	"1 cairn dag import: $scratch/nonexist.car: No such file or directory" "$rc $msg"
check "an upload over the limit is still refused (413)" "413" "$(curl -sS -o /dev/null -w '%{http_code}' -X POST -F "file=@$scratch/big" "$API/api/v0/add")"
daemon_stop
out=$("$CAIRN" cat "$cid" 2>&1 | cmp - "$scratch/f" && echo same)
check "after the daemon stops, the CLI opens the repo again" "same" "$out"
echo "1..$n"
