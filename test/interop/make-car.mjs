// Oracle: a CAR written by the npm @ipld/car writer from the JS UnixFS
// importer's blocks (independent of cairn's writer).
//   node make-car.mjs FILE OUT.car [--corrupt]   prints the root CID
import { readFile, writeFile } from 'node:fs/promises'
import { importer } from 'ipfs-unixfs-importer'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'

const [file, out, flag] = process.argv.slice(2)
const blocks = []
const blockstore = { put: async (cid, bytes) => { blocks.push({ cid: CID.decode(cid.bytes), bytes }); return cid } }
let root
for await (const e of importer([{ content: await readFile(file) }], blockstore, { cidVersion: 1, rawLeaves: true })) root = CID.decode(e.cid.bytes)
const { writer, out: stream } = CarWriter.create([root])
const parts = []
const collect = (async () => { for await (const c of stream) parts.push(c) })()
for (const b of blocks.reverse()) {
  const bytes = flag === '--corrupt' && b.cid.code === 0x55 ? Uint8Array.from(b.bytes, (x, i) => (i === 7 ? x ^ 1 : x)) : b.bytes
  await writer.put({ cid: b.cid, bytes })
}
await writer.close()
await collect
await writeFile(out, Buffer.concat(parts))
console.log(root.toString())
