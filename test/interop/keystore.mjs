// Ethereum keystores through ethers (an independent implementation):
//   node keystore.mjs write FILE PASSWORD KEY [SCRYPT_N]  writes KEY's keystore (scrypt), prints its address
//   node keystore.mjs read FILE PASSWORD                  decrypts FILE, prints its address
import {Wallet, encryptKeystoreJsonSync, decryptKeystoreJsonSync} from "ethers";
import fs from "node:fs";

const [cmd, file, password, key, n] = process.argv.slice(2);
if (cmd === "write") {
	const w = new Wallet(key);
	const opts = n ? {scrypt: {N: Number(n)}} : {};
	fs.writeFileSync(file, encryptKeystoreJsonSync({address: w.address, privateKey: w.privateKey}, password, opts), {mode: 0o600});
	console.log(w.address);
} else if (cmd === "read") {
	console.log(decryptKeystoreJsonSync(fs.readFileSync(file, "utf8"), password).address);
} else {
	console.error("usage: keystore.mjs write|read ...");
	process.exit(2);
}
