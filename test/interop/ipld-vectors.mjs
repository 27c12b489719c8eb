// IPLD records from the reference JS codecs (@ipld/dag-cbor, @ipld/dag-json),
// for cairn's dag put/get to match byte for byte.
//
// usage: node ipld-vectors.mjs OUTDIR COUNT SEED
// For record i it writes:
//   i.cbor    the DAG-CBOR block @ipld/dag-cbor encodes
//   i.djson   the DAG-JSON block @ipld/dag-json encodes
//   i.in      the same value as DAG-JSON written loosely: keys shuffled,
//             whitespace, \u escapes, base64 padding, floats in exponent
//             form (what a person or another tool may hand to dag put)
// and prints one line per record: "i CBOR-CID DAGJSON-CID" (sha2-256, v1).
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { writeFileSync } from 'node:fs'

const [outdir, countArg, seedArg] = process.argv.slice(2)
let x = (BigInt(seedArg || 1) * 0x9e3779b97f4a7c15n + 1n) & ((1n << 64n) - 1n)
const M = (1n << 64n) - 1n
function rnd () { // xorshift64, so a failure reproduces from its seed
  x ^= (x << 13n) & M; x ^= x >> 7n; x ^= (x << 17n) & M
  return Number(x >> 11n) / 2 ** 53
}
const int = (n) => Math.floor(rnd() * n)
const pick = (a) => a[int(a.length)]

const alphabet = ['a', 'b', 'z', 'A', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f',
  '\u007f', 'é', 'ß', '€', '中', '\u2028', '😀', '𝄞']
function str (max) {
  let s = ''
  for (let i = int(max); i > 0; i--) s += pick(alphabet)
  return s
}
function bytes (max) {
  const b = new Uint8Array(int(max))
  for (let i = 0; i < b.length; i++) b[i] = int(256)
  return b
}
function cid () {
  const k = int(4)
  const digest = new Uint8Array(32)
  for (let i = 0; i < 32; i++) digest[i] = int(256)
  if (k === 0) return CID.create(0, 0x70, Digest.create(0x12, digest))
  if (k === 1) return CID.create(1, 0x55, Digest.create(0x12, digest))
  if (k === 2) return CID.create(1, 0x71, Digest.create(0x1e, digest)) // blake3
  return CID.create(1, 0x0129, Digest.create(0x13, new Uint8Array(64).fill(int(256)))) // sha2-512
}
function num () {
  switch (int(9)) {
    case 0: return int(24)
    case 1: return int(1000) - 500
    case 2: return int(2 ** 31) * (rnd() < 0.5 ? -1 : 1)
    case 3: return Math.floor(rnd() * 2 ** 53) * (rnd() < 0.5 ? -1 : 1)
    case 4: return pick([255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -24, -25, -256, -257])
    case 5: return (rnd() - 0.5) * 10 ** (int(40) - 20) || 0.5 // a float, never an integer
    case 6: return pick([0.1, -0.5, 1.5e-7, 1e-6 + 1e-12, 123.456, 1.7976931348623157e308, 5e-324, 2.5e21, -9.87e-300])
    default: return int(100) + 0.25
  }
}
function value (depth) {
  const k = depth > 5 ? int(6) : int(9)
  switch (k) {
    case 0: return null
    case 1: return rnd() < 0.5
    case 2: return num()
    case 3: return str(12)
    case 4: return bytes(40)
    case 5: return cid()
    case 6: case 7: {
      const a = []
      for (let i = int(6); i > 0; i--) a.push(value(depth + 1))
      return a
    }
    default: {
      const o = {}
      for (let i = int(7); i > 0; i--) o[str(6)] = value(depth + 1)
      return o
    }
  }
}

// Loose DAG-JSON of v: the same value, written as a lenient reader must take it.
function loose (v, ind) {
  const sp = () => pick(['', ' ', '\n' + ' '.repeat(ind), '\t'])
  if (v === null || typeof v === 'boolean') return String(v)
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return String(v)
    // a float (the JS codecs write integers past 2^53 as floats too)
    const t = rnd() < 0.3 ? v.toExponential() : String(v)
    return /[.e]/.test(t) ? t : t + '.0'
  }
  if (typeof v === 'string') {
    let s = '"'
    for (const ch of v) {
      const c = ch.codePointAt(0)
      if (ch === '"' || ch === '\\') s += '\\' + ch
      else if (c < 0x20 || rnd() < 0.2) {
        for (let i = 0; i < ch.length; i++) s += '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0')
      } else if (ch === '/' && rnd() < 0.5) s += '\\/'
      else s += ch
    }
    return s + '"'
  }
  if (v instanceof Uint8Array) {
    let b = Buffer.from(v).toString('base64')
    if (rnd() < 0.5) b = b.replace(/=+$/, '')
    return `{${sp()}"/"${sp()}:${sp()}{"bytes":${sp()}"${b}"}${sp()}}`
  }
  const c = CID.asCID(v)
  if (c) return `{"/":${sp()}"${c.toString()}"}`
  if (Array.isArray(v)) return '[' + v.map((e) => sp() + loose(e, ind + 1)).join(',') + sp() + ']'
  const keys = Object.keys(v)
  for (let i = keys.length - 1; i > 0; i--) { const j = int(i + 1); [keys[i], keys[j]] = [keys[j], keys[i]] }
  return '{' + keys.map((k) => sp() + loose(k, ind + 1) + sp() + ':' + loose(v[k], ind + 1)).join(',') + sp() + '}'
}

function deep (n) { let v = 'bottom'; for (let i = 0; i < n; i++) v = i % 2 ? [v] : { d: v }; return v }
const bigMap = {}
for (let i = 0; i < 300; i++) bigMap['k' + 'x'.repeat(i % 7) + i] = i
const fixed = [
  null, true, 0, -1, '', {}, [], new Uint8Array(0),
  18446744073709551615n, -18446744073709551616n, 9007199254740993n,
  { a: 1, b: 2, aa: 3, '': 4, ba: 5, é: 6, '\u0000': 7 },
  deep(100), bigMap,
  { link: CID.parse('QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX'), '/x': '/' }
]

const count = Number(countArg || 100)
const lines = []
for (let i = 0; i < count; i++) {
  const v = i < fixed.length ? fixed[i] : value(0)
  const cbor = dagCbor.encode(v)
  const djson = dagJson.encode(v)
  writeFileSync(`${outdir}/${i}.cbor`, cbor)
  writeFileSync(`${outdir}/${i}.djson`, djson)
  writeFileSync(`${outdir}/${i}.in`, loose(v, 0))
  const c1 = CID.create(1, dagCbor.code, await sha256.digest(cbor))
  const c2 = CID.create(1, dagJson.code, await sha256.digest(djson))
  lines.push(`${i} ${c1} ${c2}`)
}
console.log(lines.join('\n'))
