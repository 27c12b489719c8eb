#!/usr/bin/env bash
# cairn chain key new|address: the keystore the daemon signs anchors with,
# checked against ethers both ways (it reads what cairn writes, cairn
# reads what it writes, scrypt and PBKDF2), and the refusals: a wrong
# password, no password, a file that is not a keystore, an existing file.
. "$(dirname "$0")/../lib/tap.bash"
export CAIRN_PATH=$scratch/no-repo
unset CAIRN_CHAIN_KEY_PASSWORD
ks() { node "$here/keystore.mjs" "$@"; }
run() { out=$("$@" 2>"$scratch/err" </dev/null); rc=$?; err=$(cat "$scratch/err"); }

printf 'correct horse\n' >"$scratch/pw"
run "$CAIRN" chain key new "$scratch/k1.json" --password-file "$scratch/pw"
check "key new: exit 0, an EIP-55 address" "0" "$rc$(echo "$out" | grep -qE '^0x[0-9a-fA-F]{40}$' || echo ' bad address')"
addr=$out
check "…the file is 0600" "600" "$(stat -c %a "$scratch/k1.json")"
check "…ethers decrypts it to that address" "$addr" "$(ks read "$scratch/k1.json" 'correct horse')"
check "…as does key address" "$addr" "$("$CAIRN" chain key address "$scratch/k1.json" --password-file "$scratch/pw")"
check "…with the password from \$CAIRN_CHAIN_KEY_PASSWORD" "$addr" \
	"$(CAIRN_CHAIN_KEY_PASSWORD='correct horse' "$CAIRN" chain key address "$scratch/k1.json")"
grep -q '"kdf": "scrypt"' "$scratch/k1.json" && grep -q '"n": 262144' "$scratch/k1.json" &&
	ok "…scrypt with geth's standard n = 2^18" || not_ok "kdf: $(cat "$scratch/k1.json")"

sum=$(sha256sum <"$scratch/k1.json")
run "$CAIRN" chain key new "$scratch/k1.json" --password-file "$scratch/pw"
check "key new over an existing file: exit 1, the file untouched" "1 $sum" "$rc $(sha256sum <"$scratch/k1.json")"
echo "$err" | grep -q "never written over" && ok "…saying why" || not_ok "stderr: $err"

run "$CAIRN" chain key address "$scratch/k1.json"
check "no password and no terminal: exit 2" "2" "$rc"
echo "$err" | grep -q "CAIRN_CHAIN_KEY_PASSWORD" && ok "…naming where a password may come from" || not_ok "stderr: $err"
CAIRN_CHAIN_KEY_PASSWORD='correct horsE' run "$CAIRN" chain key address "$scratch/k1.json"
check "a wrong password: exit 1, nothing on stdout" "1|" "$rc|$out"
echo "$err" | grep -q "wrong password" && ok "…saying so" || not_ok "stderr: $err"

# keystores ethers wrote: its default scrypt (N = 2^17), a small N, and
# the Web3 Secret Storage definition's PBKDF2 example
key=0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
want=$(ks write "$scratch/e1.json" 'pässwörd' "$key")
check "an ethers keystore (scrypt, its defaults): key address agrees" "$want" \
	"$(CAIRN_CHAIN_KEY_PASSWORD='pässwörd' "$CAIRN" chain key address "$scratch/e1.json")"
want=$(ks write "$scratch/e2.json" 'pw' "$key" 1024)
check "an ethers keystore (scrypt N = 1024): key address agrees" "$want" \
	"$(CAIRN_CHAIN_KEY_PASSWORD=pw "$CAIRN" chain key address "$scratch/e2.json")"
cat >"$scratch/pbkdf2.json" <<'JSON'
{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},"ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2","kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256","salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},"mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}
JSON
want=$(ks read "$scratch/pbkdf2.json" testpassword)
check "a PBKDF2 keystore (the spec's example): key address agrees with ethers" "$want" \
	"$(CAIRN_CHAIN_KEY_PASSWORD=testpassword "$CAIRN" chain key address "$scratch/pbkdf2.json")"

chmod 644 "$scratch/e2.json"
CAIRN_CHAIN_KEY_PASSWORD=pw run "$CAIRN" chain key address "$scratch/e2.json"
check "a keystore others may read: still read" "0" "$rc"
echo "$err" | grep -q "readable by others" && ok "…with a warning" || not_ok "stderr: $err"

printf '{"version": 3}' >"$scratch/not.json"
CAIRN_CHAIN_KEY_PASSWORD=pw run "$CAIRN" chain key address "$scratch/not.json"
check "a file that is not a keystore: exit 1" "1" "$rc"
echo "$err" | grep -q "not a keystore" && ok "…saying so" || not_ok "stderr: $err"
run "$CAIRN" chain key new
check "key new without a FILE: exit 2" "2" "$rc"
echo "1..$n"
