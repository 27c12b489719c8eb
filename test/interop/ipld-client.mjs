// kubo-rpc-client's dag.put / dag.get against a cairn daemon: prints TAP
// lines (numbered from START) and, last, "n=COUNT".
//   node ipld-client.mjs API_URL START
import { create } from 'kubo-rpc-client'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

const [url, start] = process.argv.slice(2)
let n = Number(start)
const ok = (cond, name, extra) => {
  n++
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - kubo-rpc-client: ${name}`)
  if (!cond && extra !== undefined) console.log(`#   ${JSON.stringify(extra, (k, v) => typeof v === 'bigint' ? String(v) : v)}`)
}
const ipfs = create({ url })
try {
  const leaf = CID.parse('bafkqaaa')
  const rec = { name: 'record', n: -7, f: 0.5, big: 2n ** 60n, raw: new Uint8Array([1, 2, 3]), link: leaf, list: [null, true] }
  const want = CID.create(1, dagCbor.code, await sha256.digest(dagCbor.encode(rec)))
  const got = await ipfs.dag.put(rec, { storeCodec: 'dag-cbor', hashAlg: 'sha2-256' })
  ok(got.equals(want), 'dag.put dag-cbor: the CID @ipld/dag-cbor gives', [String(got), String(want)])
  const wantJ = CID.create(1, dagJson.code, await sha256.digest(dagJson.encode(rec)))
  const gotJ = await ipfs.dag.put(rec, { storeCodec: 'dag-json', hashAlg: 'sha2-256' })
  ok(gotJ.equals(wantJ), 'dag.put dag-json: the CID @ipld/dag-json gives', [String(gotJ), String(wantJ)])
  const back = await ipfs.dag.get(got)
  ok(Buffer.from(dagCbor.encode(back.value)).equals(Buffer.from(dagCbor.encode(rec))), 'dag.get: the same value back')
  const one = await ipfs.dag.get(gotJ, { path: '/name' })
  ok(one.value === 'record', 'dag.get with a path, from a dag-json block', one.value)
  // the raw HTTP answer of dag/get: canonical dag-json
  const res = await fetch(`${url}/api/v0/dag/get?arg=${got}/list`, { method: 'POST' })
  ok(res.status === 200 && (await res.text()) === '[null,true]', 'api/v0/dag/get?arg=CID/list: dag-json of the list')
  const bad = await fetch(`${url}/api/v0/dag/put?input-codec=dag-json`, {
    method: 'POST', body: (() => { const f = new FormData(); f.append('file', new Blob(['{"a":1,"a":2}'])); return f })()
  })
  const body = await bad.json()
  ok(bad.status === 400 && /duplicate map key/.test(body.Message) && body.Type === 'error',
    'api/v0/dag/put of bad dag-json: 400 with the reason', [bad.status, body])
  const st = await (await fetch(`${url}/api/v0/dag/stat?arg=${got}`, { method: 'POST' })).json()
  ok(st.UniqueBlocks === 1 && st.TotalSize === dagCbor.encode(rec).length,
    'api/v0/dag/stat: one block, its size', st)
} catch (e) {
  ok(false, 'no exception', String(e.stack || e))
}
console.log(`n=${n}`)
