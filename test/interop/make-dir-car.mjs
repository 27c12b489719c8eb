// Oracle: a directory tree imported by the JS UnixFS importer (the one
// Helia uses), written as a CAR by @ipld/car. Independent of cairn.
//   node make-dir-car.mjs DIR OUT.car [--shard-entries N] [--cid-version N] [--raw-leaves true|false]
// Prints "CID path" for every entry the importer yields (the root last),
// and "shards N": how many HAMT shard blocks the DAG has.
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { UnixFS } from 'ipfs-unixfs'
import * as dagPb from '@ipld/dag-pb'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'

const args = process.argv.slice(2)
const [dir, out] = [args.shift(), args.shift()]
const opt = { shardSplitThreshold: 1000, cidVersion: 1, rawLeaves: undefined }
while (args.length) {
  const a = args.shift()
  if (a === '--shard-entries') opt.shardSplitThreshold = Number(args.shift())
  else if (a === '--cid-version') opt.cidVersion = Number(args.shift())
  else if (a === '--raw-leaves') opt.rawLeaves = args.shift() === 'true'
  else { console.error(`unknown argument ${a}`); process.exit(2) }
}
const base = dirname(dir)
async function * walk (d) {
  yield { path: relative(base, d) }
  for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name < b.name ? -1 : 1)) {
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
for await (const e of importer(walk(dir), blockstore, {
  cidVersion: opt.cidVersion,
  rawLeaves: opt.rawLeaves ?? opt.cidVersion === 1,
  shardSplitThreshold: opt.shardSplitThreshold,
  wrapWithDirectory: false
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
void basename
