// Helia's clients against a cairn gateway: @helia/delegated-routing-v1-http-api-client
// (routing v1 with IPIP-484 filters, IPIP-513 empty answers) and
// @helia/verified-fetch, which finds the node through that routing, fetches
// blocks from its trustless gateway and verifies every one. Prints TAP lines
// numbered from START, then "n=COUNT".
//   node helia.mjs GATEWAY_URL START PEER_ID FILE_CID FILE_PATH FILE_BYTES_PATH RECORD_CID RECORD_JSON_PATH DIR_CID
// (Helia's current majors want Node >= 22; these pinned versions run on 20
// with Promise.withResolvers supplied, which must happen before they load.)
if (!Promise.withResolvers) {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new this((a, b) => { resolve = a; reject = b })
    return { promise, resolve, reject }
  }
}
const { readFileSync } = await import('node:fs')
const { CID } = await import('multiformats/cid')
const { base58btc } = await import('multiformats/bases/base58')
const { delegatedRoutingV1HttpApiClient } = await import('@helia/delegated-routing-v1-http-api-client')
const { createVerifiedFetch } = await import('@helia/verified-fetch')

const [gw, start, peerId, fileCid, filePath, fileBytes, recCid, recJson, dirCid] = process.argv.slice(2)
let n = Number(start)
const ok = (cond, name, extra) => {
  n++
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`)
  if (!cond && extra !== undefined) console.log(`#   ${JSON.stringify(extra)}`)
}
// the client is a libp2p component: it wants a logger, nothing else
const quiet = () => { const f = () => {}; f.error = f; f.trace = f; f.enabled = false; return f }
const routing = delegatedRoutingV1HttpApiClient({ url: gw })({ logger: { forComponent: quiet } })
await routing.start?.()
const providers = async (cid, opts) => { const got = []; for await (const p of routing.getProviders(CID.parse(cid), opts)) got.push(p); return got }
const sameId = (id) => {
  try { return Buffer.from(CID.parse(String(id)).multihash.bytes).equals(Buffer.from(base58btc.decode('z' + peerId))) } catch { return String(id) === peerId }
}
try {
  let p = await providers(fileCid)
  ok(p.length === 1 && sameId(p[0].ID) && p[0].Protocols.includes('transport-ipfs-gateway-http') &&
    p[0].Addrs.map(String).some(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/http$/.test(a)),
  'delegated routing client: the node itself, as an HTTP gateway provider', p.map(x => [String(x.ID), x.Addrs.map(String), x.Protocols]))
  ok((await providers(fileCid, { filterProtocols: ['transport-ipfs-gateway-http'] })).length === 1,
    'filter-protocols=transport-ipfs-gateway-http keeps it')
  ok((await providers(fileCid, { filterProtocols: ['!transport-ipfs-gateway-http'] })).length === 0,
    'filter-protocols=!transport-ipfs-gateway-http drops it')
  ok((await providers(fileCid, { filterAddrs: ['http'] })).length === 1, 'filter-addrs=http keeps it')
  ok((await providers(fileCid, { filterAddrs: ['!http'] })).length === 0, 'filter-addrs=!http drops it')
  ok((await providers('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).length === 0,
    'content the node lacks: no providers, and no error (IPIP-513)')

  const vf = await createVerifiedFetch({ gateways: [gw], routers: [gw], allowInsecure: true, allowLocal: true })
  try {
    let r = await vf(`ipfs://${fileCid}/${filePath}`)
    const body = Buffer.from(await r.arrayBuffer())
    ok(r.status === 200 && body.equals(readFileSync(fileBytes)), 'verified-fetch: a file by path, every block verified',
      [r.status, body.length])
    ok((r.headers.get('x-ipfs-roots') || '').startsWith(fileCid), 'verified-fetch: X-Ipfs-Roots', r.headers.get('x-ipfs-roots'))
    r = await vf(`ipfs://${recCid}`, { headers: { accept: 'application/vnd.ipld.dag-json' } })
    const text = await r.text()
    ok(r.status === 200 && text === readFileSync(recJson, 'utf8'), 'verified-fetch: a dag-cbor record as dag-json, byte for byte',
      [r.status, text])
    r = await vf(`ipfs://${recCid}`)
    const cbor = Buffer.from(await r.arrayBuffer())
    ok(r.status === 200 && cbor.equals(readFileSync(recJson.replace(/\.json$/, '.cbor'))),
      'verified-fetch: the record as its own dag-cbor block', [r.status, r.headers.get('content-type')])
    r = await vf(`ipfs://${dirCid}/`, { headers: { accept: 'application/vnd.ipld.car' } })
    const car = Buffer.from(await r.arrayBuffer())
    ok(r.status === 200 && car.length > 100, 'verified-fetch: a directory as a CAR', [r.status, car.length])
  } finally {
    await vf.stop()
  }
} catch (e) {
  ok(false, 'no exception', String(e.stack || e))
}
console.log(`n=${n}`)
process.exit(0)
