#!/usr/bin/env bash
# The cairn command line: help, version, output formats, exit codes and
# messages for bad input. Digests are checked against b3sum and sha256sum.
. "$(dirname "$0")/../lib/tap.bash"
export CAIRN_PATH=$scratch/no-repo # never the user's ~/.cairn

# run CMD...: sets out, err, rc
run() { out=$("$@" 2>"$scratch/err"); rc=$?; err=$(cat "$scratch/err"); }
# expect_fail NAME CODE PATTERN CMD...
expect_fail() {
	local name=$1 code=$2 pat=$3; shift 3
	run "$@"
	if [ "$rc" -eq "$code" ] && echo "$err" | grep -q -- "$pat" && [ -z "$out" ]; then ok "$name"
	else not_ok "$name"; echo "#   rc=$rc stderr=$err stdout=$out"; fi
}

run "$CAIRN" --help
[ $rc -eq 0 ] && echo "$out" | grep -q '^usage: cairn' && ok "--help" || not_ok "--help"
run "$CAIRN" version
commit=$(git -C "$(dirname "$0")" rev-parse --short=12 HEAD 2>/dev/null)
check "version, with the commit built" "cairn version 0.1.0${commit:+ (commit $commit)}" "$out"
run "$CAIRN" add --help
[ $rc -eq 0 ] && echo "$out" | grep -q -- '--cid-version' && ok "add --help" || not_ok "add --help"

printf 'hello' >"$scratch/hello.txt"
printf 'world' >"$scratch/w"
: >"$scratch/empty"
run "$CAIRN" add -n --cid-version 0 "$scratch/hello.txt"
check "add prints 'added CID name'" "added QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX hello.txt" "$out"
run "$CAIRN" add -n --cid-version=0 - <"$scratch/hello.txt"
check "stdin is named by its CID" "added QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX" "$out"
run "$CAIRN" add -nq "$scratch/hello.txt" "$scratch/w"
check "-q prints one CID a file" 2 "$(echo "$out" | grep -c '^baf')"
last=$("$CAIRN" add -nQ "$scratch/w")
run "$CAIRN" add -nQ "$scratch/hello.txt" "$scratch/w"
check "-Q prints only the last root" "$last" "$out"
run "$CAIRN" add -nQ <"$scratch/empty"
check "empty stdin: BLAKE3 of nothing as a raw block" \
	"$(b3sum --no-names "$scratch/empty")" "$("$CAIRN" cid inspect "$out" | sed -n 's/  Digest:   //p')"

# One-chunk files with raw leaves are the raw block: digest = the file's hash.
head -c 200000 /dev/urandom >"$scratch/r"
cid=$("$CAIRN" add -nQ "$scratch/r")
check "blake3 raw leaf digest = b3sum" "$(b3sum --no-names "$scratch/r")" \
	"$("$CAIRN" cid inspect "$cid" | sed -n 's/  Digest:   //p')"
cid=$("$CAIRN" add -nQ --hash sha2-256 "$scratch/r")
check "sha2-256 raw leaf digest = sha256sum" "$(sha256sum "$scratch/r" | cut -d' ' -f1)" \
	"$("$CAIRN" cid inspect "$cid" | sed -n 's/  Digest:   //p')"
run "$CAIRN" cid inspect QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n
echo "$out" | grep -q '^Multicodec: dag-pb (0x70)$' && echo "$out" | grep -q '^Multihash:  sha2-256 (0x12)$' \
	&& echo "$out" | grep -q "CIDv1:      bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku" \
	&& ok "cid inspect fields" || { not_ok "cid inspect fields"; echo "$out" | sed 's/^/#   /'; }

expect_fail "unknown command" 2 "unknown command" "$CAIRN" frobnicate
expect_fail "unknown add option" 2 "unknown option" "$CAIRN" add -n --frob "$scratch/w"
expect_fail "missing option value" 2 "needs a value" "$CAIRN" add -n "$scratch/w" --hash
expect_fail "CIDv0 with blake3" 2 "CIDv0 only supports sha2-256" "$CAIRN" add -n --cid-version 0 --hash blake3 "$scratch/w"
expect_fail "bad CID version" 2 "unknown CID version" "$CAIRN" add -n --cid-version 2 "$scratch/w"
expect_fail "unknown hash" 2 "unsupported hash 'md5'" "$CAIRN" add -n --hash md5 "$scratch/w"
expect_fail "identity hash refused" 2 "unsupported hash 'identity'" "$CAIRN" add -n --hash identity "$scratch/w"
expect_fail "rabin chunker" 2 "unsupported chunker" "$CAIRN" add -n --chunker rabin "$scratch/w"
expect_fail "chunk size 0" 2 "must be between 1 and 1048576" "$CAIRN" add -n -s size-0 "$scratch/w"
expect_fail "chunk size too big" 2 "must be between" "$CAIRN" add -n -s size-1048577 "$scratch/w"
expect_fail "bad boolean" 2 "not a boolean" "$CAIRN" add -n --raw-leaves=maybe "$scratch/w"
expect_fail "missing file" 1 "No such file or directory" "$CAIRN" add -n "$scratch/nope"
expect_fail "directory" 1 "is a directory" "$CAIRN" add -n "$scratch"
expect_fail "add without a repo" 1 "no cairn repo at $CAIRN_PATH (run 'cairn init')" "$CAIRN" add "$scratch/w"
expect_fail "--only-hash=false needs a repo" 1 "no cairn repo at" "$CAIRN" add --only-hash=false "$scratch/w"
expect_fail "malformed CID (format)" 1 "invalid CID 'bafyxyz'" "$CAIRN" cid format bafyxyz
expect_fail "malformed CID (inspect)" 1 "unsupported multibase prefix" "$CAIRN" cid inspect '!abc'
expect_fail "CIDv0 wrong hash length" 1 "invalid CID" "$CAIRN" cid inspect Qm1111111111111111111111111111111111111111111x
expect_fail "unknown base" 2 "unknown multibase 'base99'" "$CAIRN" cid format -b base99 QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX
expect_fail "raw cannot be v0" 1 "cannot be CIDv0" "$CAIRN" cid format -v 0 bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
expect_fail "daemon without a repo" 1 "no cairn repo at" "$CAIRN" daemon
expect_fail "daemon with a bad address" 2 "invalid API address" "$CAIRN" daemon --api nowhere
# a bad file among good ones: the good ones still print, the exit code says failure
run "$CAIRN" add -nq "$scratch/w" "$scratch/nope" "$scratch/hello.txt"
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 2 ] && ok "partial failure reported, others added" || not_ok "partial failure"

# --help at every level: usage on standard output, exit 0, and nothing else
# happens (no repo exists here: a command that went on would say so; one
# that took --help for a file or a CID would fail)
for c in "" init add cat get daemon audit version \
	"pin add" "pin ls" "pin rm" "block get" "block put" "block stat" "block rm" \
	"repo gc" "repo verify" "repo stat" "dag export" "dag import" "cid format" "cid inspect" \
	"token add" "token ls" "token rm" "anchor add" "anchor flush" "anchor proof" "anchor ls"; do
	for h in --help -h; do
		[ "$c" = version ] && continue
		# shellcheck disable=SC2086
		run "$CAIRN" $c $h
		if [ $rc -eq 0 ] && [ -z "$err" ] && echo "$out" | head -1 | grep -q '^usage: cairn'; then
			ok "cairn $c $h"
		else
			not_ok "cairn $c $h: rc=$rc err=$err out=$(echo "$out" | head -1)"
		fi
	done
	# after the arguments too, where a CID or a file would go
	case $c in pin\ *|block\ *|dag\ *|anchor\ add|anchor\ proof|cid\ *)
		# shellcheck disable=SC2086
		run "$CAIRN" $c bafkqaaa --help
		[ $rc -eq 0 ] && [ -z "$err" ] && ok "cairn $c CID --help" || not_ok "cairn $c CID --help: rc=$rc $err" ;;
	esac
done
expect_fail "an unknown subcommand" 2 "unknown subcommand 'frob'" "$CAIRN" pin frob

# plain messages for plain mistakes
export CAIRN_PATH=$scratch/msgs
"$CAIRN" init >/dev/null
mkdir -p "$scratch/tree/sub" && echo one >"$scratch/tree/a" && echo two >"$scratch/tree/sub/b"
dir=$("$CAIRN" add -rQ "$scratch/tree") file=$("$CAIRN" add -Q "$scratch/tree/a")
# a failed add -r: no line for a DAG that was not pinned; the good tree beside it is
mkdir -p "$scratch/bad/sub" && echo one >"$scratch/bad/a" && echo two >"$scratch/bad/sub/z" && mkfifo "$scratch/bad/sub/fifo"
out=$("$CAIRN" add -r "$scratch/bad" "$scratch/tree" 2>"$scratch/err"); rc=$?
check "add -r of a tree with a FIFO beside a good one: exit 1, only the good tree's lines" \
	"1 $("$CAIRN" add -nr "$scratch/tree")" "$rc $out"
grep -q "$scratch/bad was not added: nothing of it is pinned" "$scratch/err" && ok "…saying the bad one was not added" || not_ok "stderr: $(cat "$scratch/err")"
check "…and only the good tree is pinned" "$dir" "$("$CAIRN" pin ls --type recursive -q | sort -u | grep -x "$dir")$("$CAIRN" pin ls --type recursive -q | grep -vx "$dir" | grep -v "$file")"
check "add -rQ of the bad tree prints no CID" "1 " "$("$CAIRN" add -rQ "$scratch/bad" 2>/dev/null; echo "$? ")"
check "add -w with the bad tree: no line at all" "1 " "$("$CAIRN" add -rw "$scratch/tree/a" "$scratch/bad" 2>/dev/null; echo "$? ")"
expect_fail "cat of a directory: says it is one, and what saves it" 1 "$dir is a directory, not a file: 'cairn get $dir' saves it whole" "$CAIRN" cat "$dir"
: >"$scratch/exists"
expect_fail "get -o over a file: no '(use -o)' when -o was given" 1 "exists; not overwriting it (remove it, or give -o another path)" "$CAIRN" get "$file" -o "$scratch/exists"
(cd "$scratch" && cp exists "$file" && "$CAIRN" get "$file" >/dev/null 2>"$scratch/err2"); grep -q "use -o PATH to save it elsewhere" "$scratch/err2" &&
	ok "get over a file, no -o: suggests -o" || not_ok "stderr: $(cat "$scratch/err2")"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 700 "$CAIRN_PATH"
	# the binary where nobody may run it (the tree may sit in a 0700 directory)
	bin=$(mktemp -d) && chmod 755 "$bin" && cp "$CAIRN" "$bin/cairn" && at_exit "rm -rf '$bin'"
	msg=$(runuser -u nobody -- env CAIRN_PATH="$CAIRN_PATH" "$bin/cairn" pin ls 2>&1); rc=$?
	case "$rc $msg" in "1 cairn pin: cannot open the repo at $CAIRN_PATH: Permission denied") ok "a repo another user owns: 'Permission denied', not 'no repo'" ;; *) not_ok "perm: $rc $msg" ;; esac
else
	chmod 000 "$CAIRN_PATH/version"
	msg=$("$CAIRN" pin ls 2>&1); rc=$?
	chmod 644 "$CAIRN_PATH/version"
	case "$rc $msg" in "1 cairn pin: cannot open the repo at $CAIRN_PATH: Permission denied") ok "a repo this user cannot read: 'Permission denied', not 'no repo'" ;; *) not_ok "perm: $rc $msg" ;; esac
fi
echo "1..$n"
