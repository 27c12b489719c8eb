// Oracle: a directory tree imported by the JS UnixFS importer (the one
// Helia uses), written as a CAR by @ipld/car. Independent of cairn.
//   node make-dir-car.mjs DIR OUT.car|- [--shard-entries N] [--cid-version N] [--hash sha2-256|blake3]
//                        [--raw-leaves true|false] [--chunk N] [--trickle] [--wrap] [--no-hidden]
// Prints "CID path" for every entry the importer yields (the root last),
// and "shards N": how many HAMT shard blocks the DAG has.
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { UnixFS } from 'ipfs-unixfs'
import * as dagPb from '@ipld/dag-pb'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { from } from 'multiformats/hashes/hasher'
import { blake3 } from '@noble/hashes/blake3'

const args = process.argv.slice(2)
const [dir, out] = [args.shift(), args.shift()]
const opt = { shardSplitThreshold: 1000, cidVersion: 1, rawLeaves: undefined, hash: 'sha2-256', chunk: 262144, trickle: false, wrap: false, hidden: true }
while (args.length) {
  const a = args.shift()
  if (a === '--shard-entries') opt.shardSplitThreshold = Number(args.shift())
  else if (a === '--cid-version') opt.cidVersion = Number(args.shift())
  else if (a === '--raw-leaves') opt.rawLeaves = args.shift() === 'true'
  else if (a === '--hash') opt.hash = args.shift()
  else if (a === '--chunk') opt.chunk = Number(args.shift())
  else if (a === '--trickle') opt.trickle = true
  else if (a === '--wrap') opt.wrap = true
  else if (a === '--no-hidden') opt.hidden = false
  else { console.error(`unknown argument ${a}`); process.exit(2) }
}
const base = dirname(dir)
async function * walk (d) {
  yield { path: relative(base, d) }
  for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))) {
    if (!opt.hidden && e.name.startsWith('.')) continue
    const p = join(d, e.name)
    if (e.isDirectory()) yield * walk(p)
    else if (e.isFile()) yield { path: relative(base, p), content: await readFile(p) }
  }
}
const blocks = new Map()
let shards = 0
const blockstore = {
  put: async (cid, bytes) => {
    const c = CID.decode(cid.bytes)
    if (!blocks.has(c.toString())) {
      blocks.set(c.toString(), { cid: c, bytes })
      if (c.code === dagPb.code) {
        const n = dagPb.decode(bytes)
        if (n.Data && UnixFS.unmarshal(n.Data).type === 'hamt-sharded-directory') shards++
      }
    }
    return cid
  }
}
let root
// sha2-256 is the importer's own default: pass no hasher (CIDv0 needs its own object)
const hasher = opt.hash === 'blake3' ? from({ name: 'blake3', code: 0x1e, encode: (b) => blake3(b) }) : undefined
for await (const e of importer(walk(dir), blockstore, {
  cidVersion: opt.cidVersion,
  rawLeaves: opt.rawLeaves ?? opt.cidVersion === 1,
  hasher,
  maxChunkSize: opt.chunk,
  avgChunkSize: opt.chunk,
  strategy: opt.trickle ? 'trickle' : 'balanced',
  leafType: opt.trickle ? 'raw' : 'file',
  reduceSingleLeafToSelf: !opt.trickle,
  shardSplitThreshold: opt.shardSplitThreshold,
  wrapWithDirectory: opt.wrap
})) {
  root = CID.decode(e.cid.bytes)
  console.log(`${root} ${e.path}`)
}
console.log(`shards ${shards}`)
if (out !== '-') {
  const { writer, out: stream } = CarWriter.create([root])
  const parts = []
  const collect = (async () => { for await (const c of stream) parts.push(c) })()
  for (const b of blocks.values()) await writer.put(b)
  await writer.close()
  await collect
  await writeFile(out, Buffer.concat(parts))
}
