// Oracle: checks a proof's anchor against the chain itself, with plain
// JSON-RPC (no cairn code): the transaction's input is root ‖ size, it sits
// in the named block of the named chain, with enough confirmations.
//   node chain-verify.mjs RPC_URL MIN_CONFIRMATIONS < proof.json   prints "ok" or why not
const [url, minConf] = process.argv.slice(2)
const proof = JSON.parse(await new Promise(resolve => { let s = ''; process.stdin.on('data', d => { s += d }); process.stdin.on('end', () => resolve(s)) }))
let id = 0
async function rpc (method, params = []) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) })
  const j = await r.json()
  if (j.error) throw new Error(j.error.message)
  return j.result
}
const fail = (why) => { console.log(why); process.exit(0) }
if (!proof.tx) fail('no anchor in the proof')
const chainId = BigInt(await rpc('eth_chainId'))
if (proof.chain !== `eip155:${chainId}`) fail(`chain: the proof says ${proof.chain}, the node is eip155:${chainId}`)
const tx = await rpc('eth_getTransactionByHash', [proof.tx])
if (!tx) fail('transaction: not on this chain')
const want = '0x' + proof.root + BigInt(proof.size).toString(16).padStart(16, '0')
if ((tx.input || tx.data).toLowerCase() !== want) fail('transaction: its input is not this root and size')
if (BigInt(tx.blockNumber) !== BigInt(proof.block)) fail('block: the transaction is in another block')
const receipt = await rpc('eth_getTransactionReceipt', [proof.tx])
if (!receipt || BigInt(receipt.status) !== 1n) fail('transaction: failed or not mined')
const block = await rpc('eth_getBlockByNumber', ['0x' + BigInt(proof.block).toString(16), false])
if (!block || block.hash !== proof.block_hash) fail('block: another hash')
if (new Date(Number(BigInt(block.timestamp)) * 1000).toISOString().replace('.000Z', 'Z') !== proof.time) fail('time: not the block\'s')
const head = BigInt(await rpc('eth_blockNumber'))
if (head - BigInt(proof.block) + 1n < BigInt(minConf)) fail('confirmations: too few')
console.log('ok')
