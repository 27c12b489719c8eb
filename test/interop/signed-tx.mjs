// Oracle for signed anchoring: reads a mined transaction through ethers
// (its own RPC client and transaction parser, no cairn code) and prints
//   type from chainId data nonce
// e.g. "2 0xAbC… 31337 0x<root><size> 0".
//   node signed-tx.mjs RPC_URL TX_HASH
import {JsonRpcProvider} from "ethers";
const [url, hash] = process.argv.slice(2);
const p = new JsonRpcProvider(url, undefined, {staticNetwork: true});
const tx = await p.getTransaction(hash);
if (!tx) { console.log("no such transaction"); process.exit(0); }
console.log(`${tx.type} ${tx.from} ${tx.chainId} ${tx.data} ${tx.nonce} ${tx.to}`);
p.destroy();
