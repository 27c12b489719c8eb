#!/usr/bin/env bash
# cairn add -r / -w against the JS UnixFS importer (the one Helia uses) on
# directory trees: every directory's CID and every file's, in each mode;
# hidden files; symlinks checked by decoding them with @ipld/dag-pb and
# ipfs-unixfs; then the same tree stored and served by path.
. "$(dirname "$0")/../lib/tap.bash"
t=$scratch/tree
mkdir -p "$t/a/b/c" "$t/empty" "$t/names" "$t/many"
head -c 900000 /dev/urandom >"$t/a/big.bin"      # 4 chunks
: >"$t/a/b/empty.txt"                             # an empty file
printf 'deep\n' >"$t/a/b/c/deep.txt"
for nm in "with space" "ümlaut" "日本語" "a-b_c.d" "Z" "z" "10" "9"; do printf "%s\n" "$nm" >"$t/names/$nm"; done
for i in $(seq 1 500); do printf '%s\n' "$i" >"$t/many/entry-$i"; done
printf 'top\n' >"$t/top.txt"
# cairn's listing of CIDs, as "CID path" lines, directories included
lines() { sed -n 's/^added \([^ ]*\) \(.*\)$/\1 \2/p' | sort; }
js() { node "$here/make-dir-car.mjs" "$t" - "$@" | grep -v '^shards ' | grep -v ' tree/empty$' | sort; }
for mode in "--cid-version 0" "--cid-version 1 --hash sha2-256" "--cid-version 1 --hash blake3" \
	"--cid-version 1 --hash sha2-256 --raw-leaves false" "--cid-version 1 --hash blake3 --chunk 1000" \
	"--cid-version 1 --hash sha2-256 --trickle"; do
	flags=$(echo "$mode" | sed 's/--chunk /--chunker size-/; s/--raw-leaves false/--raw-leaves=false/')
	# the JS importer does not report empty directories: compare without that line
	want=$(js $mode)
	got=$("$CAIRN" add -nr $flags "$t" | lines | grep -v ' tree/empty$')
	check "add -r $flags: every CID = JS importer ($(echo "$want" | wc -l) entries)" "$want" "$got"
done
check "the empty directory's CID is Kubo's" "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn" \
	"$("$CAIRN" add -nr --cid-version 0 "$t" | sed -n 's/^added \([^ ]*\) tree\/empty$/\1/p')"
check "output order: files, then directories children-first, root last" "tree" \
	"$("$CAIRN" add -nr "$t" | tail -1 | cut -d' ' -f3)"
check "-Q prints the root" "$(js --hash blake3 | grep ' tree$' | cut -d' ' -f1)" "$("$CAIRN" add -nrQ "$t")"
check "-w wraps the directory" "$(node "$here/make-dir-car.mjs" "$t" - --hash blake3 --wrap | grep -v '^shards' | tail -1 | cut -d' ' -f1)" \
	"$("$CAIRN" add -nrQ -w "$t")"
check "-w on files" "$(mkdir -p "$scratch/w/x"; cp "$t/top.txt" "$t/a/big.bin" "$scratch/w/x/"; node "$here/make-dir-car.mjs" "$scratch/w/x" - --hash blake3 | grep ' x$' | cut -d' ' -f1)" \
	"$("$CAIRN" add -nQ -w "$t/a/big.bin" "$t/top.txt")"
printf 'secret\n' >"$t/.hidden"
mkdir "$t/.git" && printf 'x\n' >"$t/.git/HEAD"
check "dotfiles are left out by default" "$(js --hash blake3 --no-hidden | grep ' tree$')" "$("$CAIRN" add -nr "$t" | lines | grep ' tree$')"
check "--hidden takes them" "$(js --hash blake3 | grep ' tree$')" "$("$CAIRN" add -nr --hidden "$t" | lines | grep ' tree$')"
rm -rf "$t/.hidden" "$t/.git"
out=$("$CAIRN" add -n "$t" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "use -r" && ok "a directory without -r: exit 1, says to use -r" || not_ok "no -r: $rc $out"

# a symlink becomes a UnixFS Symlink node holding its target
ln -s "a/b/c/deep.txt" "$t/link"
sl=$("$CAIRN" add -nr --cid-version 1 --hash sha2-256 "$t" | sed -n 's/^added \([^ ]*\) tree$/\1/p')
rm "$t/link"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
ln -s "a/b/c/deep.txt" "$t/link"
root=$("$CAIRN" add -rQ --cid-version 1 --hash sha2-256 "$t")
check "stored and hashed alike" "$sl" "$root"
"$CAIRN" dag export "$root" >"$scratch/t.car"
(cd "$here" && node -e '
import("@ipld/car").then(async ({ CarReader }) => {
  const dagPb = await import("@ipld/dag-pb"); const { UnixFS } = await import("ipfs-unixfs")
  const car = await CarReader.fromBytes(require("fs").readFileSync(process.argv[1]))
  const root = dagPb.decode((await car.get((await car.getRoots())[0])).bytes)
  const l = root.Links.find(x => x.Name === "link")
  const u = UnixFS.unmarshal(dagPb.decode((await car.get(l.Hash)).bytes).Data)
  console.log(u.type, Buffer.from(u.data).toString())
})' "$scratch/t.car") >"$scratch/sym" 2>&1
check "the symlink node decodes (JS) as a symlink to its target" "symlink a/b/c/deep.txt" "$(cat "$scratch/sym")"
"$CAIRN" repo verify >/dev/null && ok "the stored tree verifies" || not_ok "verify"
deep=$(node "$here/make-dir-car.mjs" "$t" - --cid-version 1 | sed -n 's/^\([^ ]*\) tree\/a\/b\/c\/deep.txt$/\1/p')
check "a file in the stored tree reads back" "deep" "$("$CAIRN" cat "$deep")"
check "pinned: the root, recursively" "$root recursive" "$("$CAIRN" pin ls "$root")"

# HAMT sharding, as Kubo: a directory whose links' names and CIDs add up
# to 256 KiB or more becomes a HAMT (the JS importer shards by entry count,
# so it is told where: the shard structure itself must match exactly)
h=$scratch/hamt
mkdir -p "$h/big"
for i in $(seq 1 3500); do printf '%s' "$i" >"$h/big/$(printf 'entry-with-a-rather-long-name-%010d' "$i")"; done
check "3500 entries: a HAMT equal to the JS importer's" \
	"$(node "$here/make-dir-car.mjs" "$h/big" - --cid-version 1 | grep ' big$' | cut -d' ' -f1)" \
	"$("$CAIRN" add -nrQ --cid-version 1 --hash sha2-256 "$h/big")"
check "…and in blake3" "$(node "$here/make-dir-car.mjs" "$h/big" - --hash blake3 | grep ' big$' | cut -d' ' -f1)" \
	"$("$CAIRN" add -nrQ "$h/big")"
long=$(printf 'x%.0s' $(seq 240))
mkdir -p "$h/edge"
for i in $(seq 1 916); do : >"$h/edge/$long$(printf '%010d' "$i")"; done
# 916 links of 250-byte names and 36-byte CIDs: 261976 bytes, under 256 KiB
check "just under the threshold: a basic directory" \
	"$(node "$here/make-dir-car.mjs" "$h/edge" - --cid-version 1 --shard-entries 100000 | grep ' edge$' | cut -d' ' -f1)" \
	"$("$CAIRN" add -nrQ --cid-version 1 --hash sha2-256 "$h/edge")"
: >"$h/edge/${long}0000000917"
check "one entry more (262262 bytes): a HAMT" \
	"$(node "$here/make-dir-car.mjs" "$h/edge" - --cid-version 1 --shard-entries 900 | grep ' edge$' | cut -d' ' -f1)" \
	"$("$CAIRN" add -nrQ --cid-version 1 --hash sha2-256 "$h/edge")"
export CAIRN_PATH=$scratch/repo2
"$CAIRN" init >/dev/null
hroot=$("$CAIRN" add -rQ "$h/big")
"$CAIRN" get "$hroot" -o "$scratch/hamt-out" >/dev/null && diff -r "$h/big" "$scratch/hamt-out" >/dev/null \
	&& ok "a stored HAMT reads back whole (get)" || not_ok "HAMT get"
check "a name in the stored HAMT resolves" "1234" "$("$CAIRN" cat "$hroot/entry-with-a-rather-long-name-0000001234")"
