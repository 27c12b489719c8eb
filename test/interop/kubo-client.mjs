// The npm kubo-rpc-client against a cairn daemon: prints TAP.
//   node kubo-client.mjs API_URL FILE EXPECTED_V0 EXPECTED_V1_BLAKE3 TREE EXPECTED_TREE
import { readFile, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { create } from 'kubo-rpc-client'
import { base58btc } from 'multiformats/bases/base58'

const [url, file, wantV0, wantB3, tree, wantTree] = process.argv.slice(2)
async function * walk (dir, rel) {
  yield { path: rel }
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (e.isDirectory()) yield * walk(join(dir, e.name), `${rel}/${e.name}`)
    else yield { path: `${rel}/${e.name}`, content: await readFile(join(dir, e.name)) }
  }
}
const ipfs = create({ url })
const data = await readFile(file)
let n = 0
const ok = (cond, name, extra) => {
  n++
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`)
  if (!cond && extra !== undefined) console.log(`#   ${JSON.stringify(extra)}`)
}
const cat = async (cid, opts) => {
  const parts = []
  for await (const c of ipfs.cat(cid, opts)) parts.push(c)
  return Buffer.concat(parts)
}
try {
  const v = await ipfs.version()
  ok(v.version === '0.1.0', 'version', v)
  const id = await ipfs.id()
  ok(String(id.id).startsWith('12D3KooW'), 'id is an Ed25519 PeerID', String(id.id))
  ok(await ipfs.isOnline(), 'isOnline: the node lists where it is', id.addresses.map(String))
  ok(id.addresses.some(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/http\/p2p\//.test(String(a)) && String(a).endsWith(String(id.id))),
    'id: the gateway as /ip4/…/tcp/PORT/http/p2p/ID', id.addresses.map(String))
  const pk = Buffer.from(String(id.publicKey), 'base64')
  ok(pk.length === 36 && pk.subarray(0, 4).equals(Buffer.from([8, 1, 18, 32])) &&
    base58btc.encode(Buffer.concat([Buffer.from([0, pk.length]), pk])).slice(1) === String(id.id),
  'id: publicKey is the Ed25519 key the PeerID carries', String(id.publicKey))

  const a0 = await ipfs.add(data, { cidVersion: 0 })
  ok(a0.cid.toString() === wantV0, 'add (Kubo defaults) = cairn add --cid-version 0', a0.cid.toString())
  ok(a0.size > data.length, 'add reports the DAG size', a0.size)
  const a1 = await ipfs.add(data, { cidVersion: 1, hashAlg: 'blake3' })
  ok(a1.cid.toString() === wantB3, 'add --hash blake3 = cairn add', a1.cid.toString())
  const progress = []
  await ipfs.add(data, { cidVersion: 1, progress: (bytes) => progress.push(bytes) })
  ok(progress.length > 0 && progress[progress.length - 1] === data.length, 'add progress', progress)
  const onlyHash = await ipfs.add(Buffer.from('only hashed'), { onlyHash: true })
  let stored = true
  try { await ipfs.block.stat(onlyHash.cid, { timeout: 2000 }) } catch { stored = false }
  ok(!stored, 'add onlyHash stores nothing')

  ok(Buffer.compare(await cat(a0.cid), data) === 0, 'cat byte-exact')
  ok(Buffer.compare(await cat(a1.cid, { offset: 1000, length: 5000 }), data.subarray(1000, 6000)) === 0, 'cat offset/length')

  const b = await ipfs.block.put(Buffer.from('hello\n'))
  ok(b.toString() === 'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am', 'block.put = ipfs block put', b.toString())
  ok(Buffer.from(await ipfs.block.get(b)).toString() === 'hello\n', 'block.get')
  const st = await ipfs.block.stat(b)
  ok(st.size === 6 && st.cid.toString() === b.toString(), 'block.stat', st)

  const pins = []
  for await (const p of ipfs.pin.ls()) pins.push(`${p.cid} ${p.type}`)
  ok(pins.includes(`${a0.cid} recursive`) && pins.includes(`${a1.cid} recursive`), 'pin.ls lists what add pinned', pins)
  const removed = await ipfs.pin.rm(a1.cid)
  ok(removed.toString() === a1.cid.toString(), 'pin.rm')
  const added = await ipfs.pin.add(a1.cid)
  ok(added.toString() === a1.cid.toString(), 'pin.add')
  await ipfs.pin.rm(a1.cid)
  const gone = []
  for await (const r of ipfs.repo.gc()) gone.push(String(r.cid))
  ok(gone.length > 0, 'repo.gc removes the unpinned DAG', gone.length)
  let missing = false
  try { await cat(a1.cid, { timeout: 2000 }) } catch { missing = true }
  ok(missing || a1.cid.toString() === a0.cid.toString(), 'unpinned data is gone after gc')
  ok(Buffer.compare(await cat(a0.cid), data) === 0, 'pinned data survives gc')

  // a directory tree, as the client sends one: file parts named dir/sub/file
  const name = basename(tree)
  const results = []
  for await (const r of ipfs.addAll(walk(tree, name), { cidVersion: 1, hashAlg: 'blake3' })) results.push(r)
  const top = results.find(r => r.path === name)
  ok(top && top.cid.toString() === wantTree, 'addAll of a tree: its CID = cairn add -r (= JS importer)', top && top.cid.toString())
  ok(results.length >= 4 && results[results.length - 1].path === name, 'addAll reports files, then directories, root last', results.map(r => r.path))
  const names = []
  for await (const e of ipfs.ls(top.cid)) names.push(`${e.name}:${e.type}`)
  ok(names.join(',') === 'a.txt:file,empty:dir,sub:dir', 'ls lists names and types', names)
  ok(Buffer.compare(await cat(`${top.cid}/sub/b.txt`), await readFile(join(tree, 'sub/b.txt'))) === 0, 'cat by path')
  const pins2 = []
  for await (const p of ipfs.pin.ls({ paths: [top.cid] })) pins2.push(p.type)
  ok(pins2[0] === 'recursive', 'the tree is pinned recursively', pins2)

  let err
  try { await ipfs.pin.add('bafkr4ibiovbh6vwvd2xjanzmjg5pgmjqusmjmoebq32mhibybgvugv3rga') } catch (e) { err = e }
  ok(err && /not in this node/.test(err.message), 'pin.add of a missing CID fails with a message', err && err.message)
  err = undefined
  try { await cat('not-a-cid') } catch (e) { err = e }
  ok(err && /invalid CID 'not-a-cid'/.test(err.message), 'cat of a malformed CID fails with our message', err && err.message)
} catch (e) {
  n++
  console.log(`not ok ${n} - unexpected error: ${e.message}`)
}
console.log(`1..${n}`)
