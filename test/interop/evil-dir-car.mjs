// A CAR holding a UnixFS directory whose entry names try to escape it
// ("../escaped", "a/b"), built with @ipld/dag-pb: for testing that `get`
// refuses them.   node evil-dir-car.mjs NAME OUT.car   prints the root CID
import { writeFile } from 'node:fs/promises'
import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { CID } from 'multiformats/cid'
import { UnixFS } from 'ipfs-unixfs'
import { CarWriter } from '@ipld/car'

const [name, out] = process.argv.slice(2)
const leafBytes = new TextEncoder().encode('gotcha\n')
const leaf = CID.createV1(raw.code, await sha256.digest(leafBytes))
const dirBytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: name, Hash: leaf, Tsize: leafBytes.length }] }))
const dir = CID.createV1(dagPb.code, await sha256.digest(dirBytes))
const { writer, out: stream } = CarWriter.create([dir])
const parts = []
const collect = (async () => { for await (const c of stream) parts.push(c) })()
await writer.put({ cid: dir, bytes: dirBytes })
await writer.put({ cid: leaf, bytes: leafBytes })
await writer.close()
await collect
await writeFile(out, Buffer.concat(parts))
console.log(dir.toString())
