// Oracle: checks anchoring proofs without cairn's code. RFC 9162 inclusion
// and consistency verification written here from the RFC (2.1.3.2, 2.1.4.2),
// C2SP signed-note checking with node:crypto's Ed25519.
//   node anchor-verify.mjs proof PEERID < proof.json          prints "ok" or why not
//   node anchor-verify.mjs consistency < consistency.json     prints "ok" or why not
import { createHash, createPublicKey, verify } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest()
const leafHash = (data) => sha256([0], data)
const nodeHash = (l, r) => sha256([1], l, r)
const hexb = (h) => Buffer.from(h, 'hex')

function verifyInclusion (leaf, index, size, path, root) {
  if (index >= size) return false
  let fn = index, sn = size - 1, r = leaf
  for (const p of path) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2) }
    } else {
      r = nodeHash(r, p)
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2)
  }
  return sn === 0 && r.equals(root)
}

function verifyConsistency (m, n, path, r1, r2) {
  if (m === n) return path.length === 0 && r1.equals(r2)
  if (m === 0 || m > n || path.length === 0) return false
  let p = path
  if ((m & (m - 1)) === 0) p = [r1, ...path]
  let fn = m - 1, sn = n - 1
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2) }
  let fr = p[0], sr = p[0]
  for (const c of p.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr); sr = nodeHash(c, sr)
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2) }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2)
  }
  return sn === 0 && fr.equals(r1) && sr.equals(r2)
}

// The Ed25519 public key inside a libp2p PeerID (identity multihash of the
// protobuf PublicKey { Type: Ed25519, Data: key }).
function peerKey (peerId) {
  const mh = base58btc.baseDecode(peerId)
  if (mh[0] !== 0x00 || mh[2] !== 0x08 || mh[3] !== 0x01 || mh[4] !== 0x12 || mh[5] !== 0x20) throw new Error('not an Ed25519 PeerID')
  return Buffer.from(mh.subarray(6, 38))
}

function checkNote (note, name, pub) {
  const split = note.indexOf('\n\n')
  if (split < 0) return 'no blank line'
  const text = note.slice(0, split + 1)
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub])
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' })
  const id = sha256(Buffer.from(name), [0x0a, 0x01], pub).subarray(0, 4)
  for (const line of note.slice(split + 2).split('\n').filter(Boolean)) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line)
    if (!m) return `bad signature line ${line}`
    if (m[1] !== name) continue
    const blob = Buffer.from(m[2], 'base64')
    if (blob.length === 68 && blob.subarray(0, 4).equals(id) && verify(null, Buffer.from(text), key, blob.subarray(4))) return text
  }
  return 'no valid signature'
}

const input = JSON.parse(await new Promise(resolve => { let s = ''; process.stdin.on('data', d => { s += d }); process.stdin.on('end', () => resolve(s)) }))
const [mode, peerId] = process.argv.slice(2)
if (mode === 'proof') {
  const name = `cairn/${peerId}`
  const text = checkNote(input.checkpoint, name, peerKey(peerId))
  if (!text.endsWith('\n')) { console.log(`checkpoint: ${text}`); process.exit(0) }
  const [origin, size, root64] = text.split('\n')
  if (origin !== name) { console.log('checkpoint: wrong origin'); process.exit(0) }
  if (Number(size) !== input.size) { console.log('checkpoint: size differs from the proof'); process.exit(0) }
  if (!Buffer.from(root64, 'base64').equals(hexb(input.root))) { console.log('checkpoint: root differs from the proof'); process.exit(0) }
  const leaf = leafHash(CID.parse(input.cid).bytes)
  console.log(verifyInclusion(leaf, input.index, input.size, input.path.map(hexb), hexb(input.root)) ? 'ok' : 'inclusion: does not verify')
} else {
  console.log(verifyConsistency(input.old, input.new, input.path.map(hexb), hexb(input.old_root), hexb(input.new_root)) ? 'ok' : 'consistency: does not verify')
}
