#!/usr/bin/env bash
# cairn get of files and whole directory trees (subdirectories, empty
# ones, symlinks, a HAMT from the JS importer), from the repo and through a
# running daemon: the tree written equals the one added (diff -r); paths;
# no overwriting; entry names that would escape the output are refused.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
t=$scratch/tree
mkdir -p "$t/sub/deeper" "$t/empty" "$t/big"
printf 'one\n' >"$t/one.txt"
head -c 700000 /dev/urandom >"$t/sub/data.bin"
printf 'x\n' >"$t/sub/deeper/x y.txt"
: >"$t/sub/zero"
ln -s sub/data.bin "$t/link"
for i in $(seq 1 120); do printf '%s\n' "$i" >"$t/big/f$i"; done
root=$("$CAIRN" add -rQ "$t")
# a HAMT-sharded directory, made by the JS importer, imported as a CAR
mkdir -p "$scratch/h/hamt"
for i in $(seq 1 80); do printf 'h%s\n' "$i" >"$scratch/h/hamt/n$i"; done
node "$here/make-dir-car.mjs" "$scratch/h/hamt" "$scratch/h.car" --shard-entries 20 >"$scratch/h.txt"
hamt=$(grep ' hamt$' "$scratch/h.txt" | cut -d' ' -f1)
"$CAIRN" dag import "$scratch/h.car" >/dev/null
evil=$(node "$here/evil-dir-car.mjs" "../escaped" "$scratch/evil.car")
evil2=$(node "$here/evil-dir-car.mjs" "a/b" "$scratch/evil2.car")
"$CAIRN" dag import "$scratch/evil.car" "$scratch/evil2.car" >/dev/null

run_gets() { # $1: label
	local o=$scratch/out-$1
	mkdir -p "$o"
	(cd "$o" && "$CAIRN" get "$root" >/dev/null) && diff -r --no-dereference "$t" "$o/$root" >/dev/null \
		&& ok "$1: get of a tree equals what was added (diff -r)" || not_ok "$1: tree differs"
	check "$1: the symlink is a symlink" "sub/data.bin" "$(readlink "$o/$root/link")"
	[ -d "$o/$root/empty" ] && ok "$1: empty directories come back" || not_ok "$1: empty dir"
	(cd "$o" && "$CAIRN" get "/ipfs/$root/sub/deeper/x y.txt" >/dev/null) && cmp -s "$o/x y.txt" "$t/sub/deeper/x y.txt" \
		&& ok "$1: get by path names the file after the last segment" || not_ok "$1: get path"
	"$CAIRN" get "$root/sub" -o "$o/s" >/dev/null && diff -r "$t/sub" "$o/s" >/dev/null && ok "$1: get of a subdirectory -o" || not_ok "$1: subdir"
	"$CAIRN" get "$hamt" -o "$o/hamt" >/dev/null && diff -r "$scratch/h/hamt" "$o/hamt" >/dev/null && ok "$1: get of a HAMT directory" || not_ok "$1: hamt"
	out=$("$CAIRN" get "$root" -o "$o/s" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "exists" && ok "$1: an existing output is not overwritten" || not_ok "$1: overwrite: $out"
	out=$("$CAIRN" get "$evil" -o "$o/evil" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "refusing the entry name" && [ ! -e "$o/escaped" ] \
		&& ok "$1: an entry named ../escaped is refused, nothing written outside" || not_ok "$1: evil: $out"
	out=$("$CAIRN" get "$evil2" -o "$o/evil2" 2>&1); rc=$?
	[ $rc -eq 1 ] && [ ! -e "$o/evil2/a" ] && ok "$1: an entry name with a slash is refused" || not_ok "$1: evil2: $out"
	out=$("$CAIRN" get "$root/nope" -o "$o/nope" 2>&1); rc=$?
	[ $rc -eq 1 ] && [ ! -e "$o/nope" ] && ok "$1: a missing path: exit 1, nothing written" || not_ok "$1: nope: $out"
	cat_out=$("$CAIRN" cat "$root/one.txt")
	check "$1: cat by path" "one" "$cat_out"
}
run_gets repo
daemon_start || { echo "not ok - daemon start"; cat "$scratch/daemon.log"; exit 1; }
config_api
run_gets daemon
"$CAIRN" dag export "$root" >"$scratch/d.car" && node "$here/car-verify.mjs" "$scratch/d.car" | head -1 | grep -q "roots=$root .*dups=0 bad=0" \
	&& ok "dag export through the daemon: a verified CAR" || not_ok "dag export via daemon"
check "dag import through the daemon pins the root" "Pinned root	$hamt	success" "$("$CAIRN" dag import "$scratch/h.car")"
printf 'rm me\n' >"$scratch/loose"
loose=$("$CAIRN" block put "$scratch/loose")
check "block rm through the daemon" "removed $loose" "$("$CAIRN" block rm "$loose")"
out=$("$CAIRN" block rm "$root" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "pinned" && ok "block rm of a pinned block is refused through the daemon" || not_ok "block rm pinned: $out"
echo "1..$n"
