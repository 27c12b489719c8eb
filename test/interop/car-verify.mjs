// Oracle: parse a CARv1 with @ipld/car and re-hash every block.
//   node car-verify.mjs FILE   prints: roots=<cid,...> blocks=<n> bytes=<n> dups=<n> bad=<n>
//                              then one line per block CID, in order
import { readFile } from 'node:fs/promises'
import { CarReader } from '@ipld/car'
import { sha256 } from 'multiformats/hashes/sha2'
import { identity } from 'multiformats/hashes/identity'
import { blake3 } from '@noble/hashes/blake3'

const car = await CarReader.fromBytes(await readFile(process.argv[2]))
const roots = (await car.getRoots()).map(String)
const seen = new Set()
const order = []
let bytes = 0, dups = 0, bad = 0
for await (const { cid, bytes: data } of car.blocks()) {
  const key = cid.multihash.bytes.join(',')
  if (seen.has(key)) dups++
  seen.add(key)
  order.push(String(cid))
  bytes += data.length
  let digest
  if (cid.multihash.code === 0x12) digest = (await sha256.digest(data)).digest
  else if (cid.multihash.code === 0x1e) digest = blake3(data)
  else if (cid.multihash.code === 0x00) digest = data
  if (!digest || Buffer.compare(Buffer.from(digest), Buffer.from(cid.multihash.digest)) !== 0) bad++
}
console.log(`roots=${roots.join(',')} blocks=${order.length} bytes=${bytes} dups=${dups} bad=${bad}`)
for (const c of order) console.log(c)
