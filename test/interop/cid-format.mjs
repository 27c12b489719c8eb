// Oracle: CID text in each multibase, from the npm multiformats package.
//   node cid-format.mjs CID BASE...   prints one line per base
import { CID } from 'multiformats/cid'
import { bases } from 'multiformats/basics'

const [text, ...names] = process.argv.slice(2)
const anyBase = Object.values(bases).map((b) => b.decoder).reduce((a, d) => a.or(d))
const cid = text.startsWith('Qm') ? CID.parse(text) : CID.parse(text, anyBase)
for (const name of names) {
  const base = bases[name]
  if (!base) { console.error(`unknown base ${name}`); process.exit(2) }
  console.log(cid.toV1().toString(base.encoder))
}
