// The npm @ipfs-shipyard/pinning-service-client (generated from the
// Pinning Service API's OpenAPI spec) against a cairn daemon: prints TAP.
//   node pinning-client.mjs API_URL TOKEN PRESENT_CID OTHER_PRESENT_CID ABSENT_CID
import { Configuration, RemotePinningServiceClient } from '@ipfs-shipyard/pinning-service-client'

const [endpointUrl, accessToken, present, other, absent] = process.argv.slice(2)
const client = new RemotePinningServiceClient(new Configuration({ endpointUrl, accessToken }))
let n = 0
const ok = (cond, name, extra) => {
  n++
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`)
  if (!cond && extra !== undefined) console.log(`#   ${JSON.stringify(extra)}`)
}
// The generated client throws the fetch Response on a non-2xx answer.
// PinResults.results arrives as a Set (the schema says uniqueItems).
const list_ = async (q) => { const r = await client.pinsGet(q); return { count: r.count, results: Array.from(r.results) } }
const status = async (p) => { try { await p; return 200 } catch (e) { return e.status ?? String(e) } }
const failure = async (p) => { try { await p; return null } catch (e) { return e.json ? await e.json() : String(e) } }

try {
  const stranger = new RemotePinningServiceClient(new Configuration({ endpointUrl, accessToken: 'cairn_not-a-token' }))
  ok(await status(stranger.pinsGet({})) === 401, 'a wrong token gets 401')
  const f = await failure(stranger.pinsGet({}))
  ok(f && f.error && f.error.reason === 'UNAUTHORIZED', 'a 401 carries the spec\'s Failure object', f)

  const origins = ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWPBeYQeLGrmxMUYkshfnE43YXoLDJGHT9Wzd3Tyg6zhF3']
  const a = await client.pinsPost({ pin: { cid: present, name: 'Report-2026.pdf', origins, meta: { app_id: 'audit' } } })
  ok(a.status === 'pinned', 'a CID the node holds is pinned at once', a.status)
  ok(typeof a.requestid === 'string' && a.requestid.length > 0, 'a requestid', a.requestid)
  ok(a.created instanceof Date && !isNaN(a.created) && Math.abs(a.created - Date.now()) < 60000, 'created is a current RFC 3339 time', a.created)
  ok(a.pin.cid === present && a.pin.name === 'Report-2026.pdf' && a.pin.meta.app_id === 'audit', 'the Pin object comes back', a.pin)
  ok(Array.isArray(a.pin.origins) && a.pin.origins[0] === origins[0], 'origins come back', a.pin.origins)
  ok(Array.isArray(a.delegates) && a.delegates.length >= 1 && /\/p2p\/12D3KooW/.test(a.delegates[0]), 'delegates end in /p2p/<PeerID>', a.delegates)
  ok(Number(a.info.dag_size) > 0, 'info.dag_size', a.info)

  const g = await client.pinsRequestidGet({ requestid: a.requestid })
  ok(g.requestid === a.requestid && g.status === 'pinned' && +g.created === +a.created, 'GET /pins/{requestid}', g)

  const bad = await client.pinsPost({ pin: { cid: absent } })
  ok(bad.status === 'failed' && /not on this node/.test(bad.info.status_details), 'a CID nobody has: failed, with status_details', bad)

  let list = await list_({})
  ok(list.count === 1 && list.results.length === 1 && list.results[0].requestid === a.requestid, 'no filter: only pinned requests', list)
  list = await list_({ status: new Set(['pinned', 'failed']) })
  ok(list.count === 2 && list.results[0].requestid === bad.requestid, 'status filter, newest first', list.results.map(r => r.status))
  list = await list_({ status: new Set(['queued', 'pinning']) })
  ok(list.count === 0 && list.results.length === 0, 'no queued or pinning requests', list)
  list = await list_({ cid: new Set([present, absent]), status: new Set(['pinned', 'failed']) })
  ok(list.count === 2, 'cid filter with two CIDs', list.count)
  list = await list_({ cid: new Set([absent]) })
  ok(list.count === 0, 'cid filter combines with the default status', list.count)
  list = await list_({ name: 'report-2026.pdf', match: 'iexact' })
  ok(list.count === 1, 'name iexact', list.count)
  ok((await list_({ name: 'report-2026.pdf' })).count === 0, 'name exact is case-sensitive')
  ok((await list_({ name: 'Report', match: 'partial' })).count === 1, 'name partial')
  ok((await list_({ name: 'report', match: 'partial' })).count === 0, 'name partial is case-sensitive')
  ok((await list_({ name: 'REPORT', match: 'ipartial' })).count === 1, 'name ipartial')
  ok((await list_({ meta: { app_id: 'audit' } })).count === 1, 'meta filter matches')
  ok((await list_({ meta: { app_id: 'other' } })).count === 0, 'meta filter excludes')

  // pagination: 25 more pins, read back 10 at a time with `before`
  const made = [a.requestid]
  for (let i = 0; i < 25; i++) made.push((await client.pinsPost({ pin: { cid: i % 2 ? present : other, name: `p${i}` } })).requestid)
  const seen = []
  let before
  for (let page = 0; page < 5; page++) {
    const res = await list_(before ? { limit: 10, before } : { limit: 10 })
    if (page === 0) ok(res.count === 26 && res.results.length === 10, 'first page: count 26, 10 results', [res.count, res.results.length])
    if (res.results.length === 0) break
    seen.push(...res.results)
    before = res.results[res.results.length - 1].created
  }
  ok(seen.length === 26 && new Set(seen.map(r => r.requestid)).size === 26, 'pages cover every pin once', seen.length)
  ok(seen.every((r, i) => i === 0 || r.created < seen[i - 1].created), 'strictly newest first (created is unique)')
  ok(seen.map(r => r.requestid).sort().join() === made.slice().sort().join(), 'the pages hold exactly the pins made')
  const mid = seen[13].created
  const after = await list_({ after: mid, limit: 1000 })
  ok(after.count === 13 && after.results.every(r => r.created > mid), 'after filter', after.count)
  ok((await list_({ limit: 1000, after: mid, before: seen[3].created })).count === 9, 'before and after together')

  // replace, then delete
  const r = await client.pinsRequestidPost({ requestid: a.requestid, pin: { cid: other, name: 'Report-2026-v2.pdf' } })
  ok(r.requestid !== a.requestid && r.status === 'pinned' && r.pin.cid === other, 'replace gives a new request', r)
  ok(await status(client.pinsRequestidGet({ requestid: a.requestid })) === 404, 'the replaced request is gone')
  await client.pinsRequestidDelete({ requestid: r.requestid })
  ok(await status(client.pinsRequestidGet({ requestid: r.requestid })) === 404, 'a deleted request is gone')
  ok(await status(client.pinsRequestidDelete({ requestid: r.requestid })) === 404, 'deleting it again is 404')
  ok((await list_({ limit: 1000 })).count === 25, 'the list shrinks by one')
  const e = await failure(client.pinsPost({ pin: { cid: 'not-a-cid' } }))
  ok(e && e.error && e.error.reason === 'BAD_REQUEST', 'a bad CID is BAD_REQUEST', e)
} catch (err) {
  ok(false, 'unexpected exception', String(err && err.status ? `${err.status} ${await err.text()}` : err.stack || err))
}
console.log(`1..${n}`)
