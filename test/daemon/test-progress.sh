#!/usr/bin/env bash
# What a user at a terminal sees (a real pty, from util-linux's script):
# a progress line on stderr for get, cat to a file, repo verify, repo gc
# and dag import, erased when done; none when stderr is not a terminal, or
# when cat's output is the terminal; anchor ls and flush name their
# columns on a terminal only; a flush that waits on a chain says what for.
. "$(dirname "$0")/../lib/tap.bash"
. "$(dirname "$0")/../lib/daemon.bash"
. "$(dirname "$0")/../lib/anvil.bash"
export CAIRN_PATH=$scratch/repo
"$CAIRN" init >/dev/null
head -c $((20 << 20)) /dev/urandom >"$scratch/big"
big=$("$CAIRN" add -Q "$scratch/big")
"$CAIRN" dag export "$big" >"$scratch/big.car"
# tty CMD: run CMD (a shell line) on a pseudo-terminal; what the terminal
# got goes to $scratch/tty, the exit status is returned
tty() { script -qec "$1" /dev/null </dev/null >"$scratch/tty" 2>&1; }
drawn() { grep -c $'\r\033\[K'"$1" "$scratch/tty"; }
cd "$scratch" || exit 1

tty "'$CAIRN' cat $big > '$scratch/out.bin'"
check "cat to a file on a terminal: exit 0, the bytes, a progress line with the size" "0 $(sha256sum <"$scratch/big" | cut -c1-64) yes" \
	"$? $(sha256sum <"$scratch/out.bin" | cut -c1-64) $(grep -q $'\r\033\[Kcat .* / 20.0 MiB' "$scratch/tty" && echo yes)"
grep -q $'\r\033\[K$' "$scratch/tty" && ok "…erased at the end" || not_ok "not erased: $(od -c "$scratch/tty" | tail -3)"
"$CAIRN" cat "$big" 2>"$scratch/err" >/dev/null
check "…not when stderr is not a terminal" "0" "$(wc -c <"$scratch/err")"
yes 'a line of text' | head -c $((9 << 20)) >"$scratch/text"
text=$("$CAIRN" add -Q "$scratch/text")
tty "'$CAIRN' cat $text"
check "…nor when the output is the terminal" "0" "$(drawn 'cat ')"
tty "'$CAIRN' get $big -o '$scratch/got'"
check "get: saved, a progress line with the size" "0 yes" "$? $(grep -q $'\r\033\[Ksaving .* / 20.0 MiB' "$scratch/tty" && echo yes)"
cmp -s "$scratch/big" "$scratch/got" && ok "…the file is right" || not_ok "get: differs"
tty "'$CAIRN' repo verify"
blocks=$("$CAIRN" repo stat | awk '/NumObjects/ {print $2}')
check "repo verify: a progress line counting blocks out of all" "0 yes" "$? $(grep -q $'\r\033\[Kverifying [0-9]* / '"$blocks blocks" "$scratch/tty" && echo yes)"
grep -q "verified $blocks blocks: all ok" "$scratch/tty" && ok "…then its result" || not_ok "verify: $(tr -d '\r' <"$scratch/tty" | tail -2)"
"$CAIRN" pin rm "$big" >/dev/null
tty "'$CAIRN' repo gc -q"
check "repo gc: marking, then sweeping every block" "0 yes yes" \
	"$? $(grep -q $'\r\033\[Kgc: marking live blocks: [0-9]* blocks' "$scratch/tty" && echo yes) $(grep -q $'\r\033\[Kgc: sweeping [0-9]* / '"$blocks blocks" "$scratch/tty" && echo yes)"
tty "'$CAIRN' dag import '$scratch/big.car'"
check "dag import: a progress line with the CAR's size" "0 yes" "$? $(grep -q $'\r\033\[Kimporting .* / ' "$scratch/tty" && echo yes)"
"$CAIRN" dag import "$scratch/big.car" 2>"$scratch/err" >/dev/null
check "…none when stderr is not a terminal" "0" "$(grep -c $'\033' "$scratch/err")"

# anchoring: headers on a terminal, and what a flush waits for
anvil_start || { not_ok "anvil start"; echo "1..$n"; exit 1; }
daemon_start "" --chain-rpc "$RPC" --anchor-interval 3600 --confirmations 2 || { not_ok "daemon start"; cat "$scratch/daemon.log"; exit 1; }
tty "'$CAIRN' repo verify"
check "repo verify through the daemon: its progress, then the result" "0 yes yes" \
	"$? $(grep -q $'\r\033\[Kverifying [0-9]* blocks' "$scratch/tty" && echo yes) $(grep -q 'verified [0-9]* blocks: all ok' "$scratch/tty" && echo yes)"
"$CAIRN" anchor add "$big" >/dev/null
tty "'$CAIRN' anchor flush"
check "anchor flush on a terminal: exit 0, says what it waits for" "0 yes" \
	"$? $(grep -q "waiting for the chain eip155:31337 ($RPC) to confirm the log's 1 leaves (0 are on chain) with 2 confirmations; at most 120 s" "$scratch/tty" && echo yes)"
screen() { tr -d '\r' <"$scratch/tty" | sed 's/.*\x1b\[K//'; } # the lines left on the terminal
check "…then a header and the checkpoint" "SIZE ROOT TIME TX|1" "$(screen | grep '^SIZE' | tr '\t' ' ')|$(screen | grep -A1 '^SIZE' | tail -1 | cut -f1)"
check "…piped: the row alone, nothing on stderr" "1 0" "$("$CAIRN" anchor flush 2>"$scratch/err" | cut -f1) $(wc -c <"$scratch/err")"
tty "'$CAIRN' anchor ls"
check "anchor ls on a terminal: a header first" "SIZE" "$(tr -d '\r' <"$scratch/tty" | head -1 | cut -f1)"
check "…piped: rows only" "1" "$("$CAIRN" anchor ls | head -1 | cut -f1)"
echo "1..$n"
