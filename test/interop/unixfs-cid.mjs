// Oracle: the root CID that the JS UnixFS importer (ipfs-unixfs-importer,
// the importer Helia uses) gives a file. Independent of cairn's code.
//   node unixfs-cid.mjs FILE [--cid-version N] [--hash sha2-256|blake3]
//                            [--raw-leaves true|false] [--chunk N] [--trickle]
import { createReadStream } from 'node:fs'
import { importer } from 'ipfs-unixfs-importer'
import { from } from 'multiformats/hashes/hasher'
import { blake3 } from '@noble/hashes/blake3'

const args = process.argv.slice(2)
const file = args.shift()
const opt = { cidVersion: 1, hash: 'blake3', rawLeaves: undefined, chunk: 262144, trickle: false }
while (args.length) {
  const a = args.shift()
  if (a === '--cid-version') opt.cidVersion = Number(args.shift())
  else if (a === '--hash') opt.hash = args.shift()
  else if (a === '--raw-leaves') opt.rawLeaves = args.shift() === 'true'
  else if (a === '--chunk') opt.chunk = Number(args.shift())
  else if (a === '--trickle') opt.trickle = true
  else { console.error(`unknown argument ${a}`); process.exit(2) }
}
// sha2-256 is the importer's own default: pass no hasher, because it only
// allows CIDv0 when the hasher is its own sha256 object (identity check).
const hasher = opt.hash === 'blake3'
  ? from({ name: 'blake3', code: 0x1e, encode: (b) => blake3(b) })
  : undefined
const rawLeaves = opt.rawLeaves ?? (opt.cidVersion === 1)
const blockstore = { put: async (cid) => cid, has: async () => false, get: async () => { throw new Error('no') } }

for await (const entry of importer([{ content: createReadStream(file, { highWaterMark: 1 << 20 }) }], blockstore, {
  cidVersion: opt.cidVersion,
  rawLeaves,
  hasher,
  onlyHash: true,
  maxChunkSize: opt.chunk,
  avgChunkSize: opt.chunk,
  strategy: opt.trickle ? 'trickle' : 'balanced',
  // Kubo: balanced leaves are UnixFS File nodes, trickle leaves UnixFS Raw.
  leafType: opt.trickle ? 'raw' : 'file',
  reduceSingleLeafToSelf: !opt.trickle,
})) {
  console.log(entry.cid.toString())
}
