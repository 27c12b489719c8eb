-- anchored_cid: a real proof from a cairn daemon anchoring on anvil (leaf 2
-- of 5; the document is 'hello 3\n'), parsed, printed canonically,
-- verified, taken apart, and refused in every malformed variant.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cairn;
\set proof '{"size":5,"root":"c19b42c2d7166e9bdfab9bc7611c3d31aa6a0aca130f0039c8c9613a25817cba","time":"2026-11-22T06:52:55Z","checkpoint":"cairn/12D3KooWK6PimLr9nH9WwvjVmDSWDJuwPMFCaouDkvJbo7zHx3Ui\\n5\\nwZtCwtcWbpvfq5vHYRw9MapqCsoTDwA5yMlhOiWBfLo=\\n2026-11-22T06:52:55Z\\n\\n— cairn/12D3KooWK6PimLr9nH9WwvjVmDSWDJuwPMFCaouDkvJbo7zHx3Ui r8zAAxN6z/z8NOoyalJBD++9c3FiU87nwZ56t+1srsX8svjxM+JvpDwg/KtCwMjM9hP7DIhHBgdwYiORgxiQpu/D+Qg=\\n","chain":"eip155:31337","tx":"0xa3247a374fc50d40a7b2cd6f337b2802769e8f8bdca29ec6c07d13eb61d5a727","block":2,"block_hash":"0xa7fcb8417a89b512abf009422d81c9a1abf579d45d8c8edc30243c9b7380e2c6","cid":"bafkreifsjkeejnl7e2k4f2hwa35tuontw5m53tolot7u7jyyvpgplsnnse","index":2,"path":["2cbf6e5c8fd1c18569e4a41a1ec572918bd466f64d7e4bec034ec91ac210476e","3d3e47fc241a610bff033b3fda5241060f8ab5eafadd0178f55d397019c90bda","11adf2e0eb22fabe097b3b7c1bc0980997a365d6a21fcfd580563a2515640b55"]}'

SELECT :'proof'::anchored_cid;
SELECT anchor_verify(:'proof'::anchored_cid);
SELECT anchor_verify(:'proof'::anchored_cid, convert_to(E'hello 3\n', 'UTF8'));
SELECT anchor_verify(:'proof'::anchored_cid, convert_to(E'hello 4\n', 'UTF8'));
SELECT anchor_cid(a), anchor_index(a), anchor_size(a), anchor_root(a), anchor_chain(a),
       anchor_tx(a), anchor_block(a), anchor_time(a) AT TIME ZONE 'UTC'
  FROM (SELECT :'proof'::anchored_cid AS a) s;
SELECT (:'proof'::anchored_cid)::ipfs_cid;
SELECT ((:'proof'::anchored_cid)::jsonb)->>'tx';
-- canonical: input order and spacing do not matter, output is fixed
SELECT :'proof'::anchored_cid = (:'proof'::anchored_cid)::text::anchored_cid AS round_trip;
SELECT :'proof'::anchored_cid = ((:'proof'::jsonb) || '{"extra": 1}')::text::anchored_cid AS unknown_fields_ignored;
SELECT anchor_checkpoint(:'proof'::anchored_cid) LIKE 'cairn/12D3KooW%' AS checkpoint;
-- an unanchored proof: no chain fields
SELECT anchor_chain(a) IS NULL, anchor_tx(a) IS NULL, anchor_time(a) IS NULL, anchor_verify(a)
  FROM (SELECT ((:'proof'::jsonb) - 'chain' - 'tx' - 'block' - 'block_hash' - 'time')::text::anchored_cid AS a) s;
-- tampering: each still parses, none verifies
SELECT anchor_verify(jsonb_set(:'proof'::jsonb, '{index}', '3')::text::anchored_cid) AS other_index;
SELECT anchor_verify(jsonb_set(:'proof'::jsonb, '{size}', '6')::text::anchored_cid) AS other_size;
SELECT anchor_verify(jsonb_set(:'proof'::jsonb, '{path,0}', '"2cbf6e5c8fd1c18569e4a41a1ec572918bd466f64d7e4bec034ec91ac210476f"')::text::anchored_cid) AS flipped_path;
SELECT anchor_verify(jsonb_set(:'proof'::jsonb, '{root}', '"c19b42c2d7166e9bdfab9bc7611c3d31aa6a0aca130f0039c8c9613a25817cbb"')::text::anchored_cid) AS other_root;
SELECT anchor_verify(jsonb_set(:'proof'::jsonb, '{cid}', '"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"')::text::anchored_cid) AS other_cid;
SELECT anchor_verify(jsonb_set(:'proof'::jsonb, '{checkpoint}', to_jsonb(replace(:'proof'::jsonb->>'checkpoint', E'\n5\n', E'\n6\n')))::text::anchored_cid) AS other_checkpoint_size;
-- bad input: a clear error each
SELECT 'not json'::anchored_cid;
SELECT '[]'::anchored_cid;
SELECT '{}'::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{cid}', '"nope"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{index}', '5')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{index}', '-1')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{index}', '1.5')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{size}', '"5"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{root}', '"abc"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{path}', '"x"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{path,0}', '"zz"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{tx}', '"a3247a374fc50d40a7b2cd6f337b2802769e8f8bdca29ec6c07d13eb61d5a727"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{chain}', '"bitcoin:1"')::text::anchored_cid;
SELECT jsonb_set(:'proof'::jsonb, '{time}', '"yesterday"')::text::anchored_cid;
SELECT ((:'proof'::jsonb) - 'tx')::text::anchored_cid;
SELECT ((:'proof'::jsonb) - 'checkpoint')::text::anchored_cid;
SELECT ((:'proof'::jsonb) - 'path')::text::anchored_cid;
-- the same proof as a C2SP tlog-proof bundle (c2sp.org/tlog-proof)
SELECT anchor_tlog_proof(:'proof'::anchored_cid);
SELECT anchor_tlog_proof(:'proof'::anchored_cid)::anchored_cid = :'proof'::anchored_cid AS bundle_round_trip;
SELECT anchor_verify(anchor_tlog_proof(:'proof'::anchored_cid)::anchored_cid) AS bundle_verifies;
SELECT anchor_tlog_proof(anchor_tlog_proof(:'proof'::anchored_cid)::anchored_cid) = anchor_tlog_proof(:'proof'::anchored_cid) AS bundle_stable;
SELECT convert_from(decode(substr(split_part(anchor_tlog_proof(:'proof'::anchored_cid), E'\n', 2), 7), 'base64'), 'UTF8') AS extra;
-- unanchored: the extra line names the CID alone
SELECT split_part(anchor_tlog_proof(((:'proof'::jsonb) - 'chain' - 'tx' - 'block' - 'block_hash' - 'time')::text::anchored_cid), E'\n', 2) AS unanchored_extra;
-- a tampered bundle parses and does not verify
SELECT anchor_verify(replace(anchor_tlog_proof(:'proof'::anchored_cid), E'index 2\n', E'index 3\n')::anchored_cid) AS bundle_other_index;
-- malformed bundles: a clear error each
\set bundle `printf 'c2sp.org/tlog-proof@v1\nindex 0\n\nlog\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 log AAAA\n'`
SELECT :'bundle'::anchored_cid;
SELECT replace(anchor_tlog_proof(:'proof'::anchored_cid), 'tlog-proof@v1', 'tlog-proof@v2')::anchored_cid;
SELECT replace(anchor_tlog_proof(:'proof'::anchored_cid), E'index 2\n', E'index 02\n')::anchored_cid;
SELECT replace(anchor_tlog_proof(:'proof'::anchored_cid), E'index 2\n', E'index 5\n')::anchored_cid;
SELECT regexp_replace(anchor_tlog_proof(:'proof'::anchored_cid), E'\nextra [^\n]*', E'\nextra bm90IGpzb24=')::anchored_cid;
SELECT regexp_replace(anchor_tlog_proof(:'proof'::anchored_cid), E'\nextra [^\n]*', E'\nextra eyJjaWQiOiJub3BlIn0=')::anchored_cid;
SELECT regexp_replace(anchor_tlog_proof(:'proof'::anchored_cid), E'\nLL9u[^\n]*', E'\nLL9u')::anchored_cid;
SELECT regexp_replace(anchor_tlog_proof(:'proof'::anchored_cid), E'\n\ncairn/', E'\ncairn/')::anchored_cid;
SELECT regexp_replace(anchor_tlog_proof(:'proof'::anchored_cid), E'\n5\nwZt', E'\nfive\nwZt')::anchored_cid;
