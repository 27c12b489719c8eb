-- pgTAP: the extension's catalog surface and its behaviour, as a client sees it.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS cairn;
RESET client_min_messages;
BEGIN;
SELECT plan(57);

-- types, operator classes
SELECT has_type('ipfs_cid');
SELECT has_type('multihash');
SELECT has_opclass('ipfs_cid_ops');
SELECT has_opclass('ipfs_cid_hash_ops');
SELECT has_opclass('multihash_ops');
SELECT has_opclass('multihash_hash_ops');
SELECT has_operator('ipfs_cid', '=', 'ipfs_cid', 'boolean');
SELECT has_operator('ipfs_cid', '<', 'ipfs_cid', 'boolean');
SELECT has_operator('multihash', '>=', 'multihash', 'boolean');
SELECT has_cast('text', 'ipfs_cid');
SELECT has_cast('ipfs_cid', 'bytea');
SELECT has_cast('bytea', 'multihash');

-- every public function: exists, IMMUTABLE, STRICT
SELECT function_returns('cid_of', ARRAY['bytea', 'integer', 'text', 'text'], 'ipfs_cid');
SELECT volatility_is('cid_of', ARRAY['bytea', 'integer', 'text', 'text'], 'immutable');
SELECT is_strict('cid_of', ARRAY['bytea', 'integer', 'text', 'text']);
SELECT function_returns('cid_of_raw', ARRAY['bytea', 'text'], 'ipfs_cid');
SELECT function_returns('cid_verify', ARRAY['bytea', 'ipfs_cid'], 'boolean');
SELECT volatility_is('cid_verify', ARRAY['bytea', 'ipfs_cid'], 'immutable');
SELECT function_returns('cid_version', ARRAY['ipfs_cid'], 'integer');
SELECT function_returns('cid_codec', ARRAY['ipfs_cid'], 'text');
SELECT function_returns('cid_hash', ARRAY['ipfs_cid'], 'text');
SELECT function_returns('cid_multihash', ARRAY['ipfs_cid'], 'multihash');
SELECT function_returns('cid_digest', ARRAY['ipfs_cid'], 'bytea');
SELECT function_returns('cid_to_v1', ARRAY['ipfs_cid'], 'ipfs_cid');
SELECT function_returns('cid_to_text', ARRAY['ipfs_cid', 'text'], 'text');
SELECT function_returns('multihash', ARRAY['bytea', 'text'], 'multihash');
SELECT function_returns('multihash_digest', ARRAY['multihash'], 'bytea');
SELECT function_returns('multihash_name', ARRAY['multihash'], 'text');
SELECT function_returns('blake3', ARRAY['bytea'], 'bytea');
SELECT function_returns('merkle_leaf_hash', ARRAY['bytea'], 'bytea');
SELECT function_returns('merkle_verify_inclusion', ARRAY['bytea', 'bigint', 'bigint', 'bytea[]', 'bytea'], 'boolean');
SELECT function_returns('merkle_verify_consistency', ARRAY['bigint', 'bigint', 'bytea', 'bytea', 'bytea[]'], 'boolean');
SELECT is_aggregate('merkle_root', ARRAY['bytea']);
SELECT is_aggregate('merkle_root', ARRAY['ipfs_cid']);

-- behaviour
SELECT is(cid_of('hello', 0, 'sha2-256')::text, 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX', 'cid_of matches ipfs add');
SELECT is(cid_of('')::text, cid_of_raw('')::text, 'an empty v1 file is the empty raw block');
SELECT is(encode(blake3('abc'), 'hex'), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85', 'blake3 matches b3sum');
SELECT ok(cid_verify('hello', cid_of('hello', 0, 'sha2-256')), 'cid_verify accepts the right bytes');
SELECT ok(NOT cid_verify('hellp', cid_of('hello', 0, 'sha2-256')), 'cid_verify rejects other bytes');
SELECT is(cid_version('bafkqaaa'), 1, 'cid_version');
SELECT is(cid_codec('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'), 'dag-pb', 'v0 is dag-pb');
SELECT is(cid_to_v1('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')::text,
          'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'cid_to_v1');
SELECT results_eq(
  $$SELECT c::text AS t FROM (VALUES ('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::ipfs_cid), ('bafkqaaa')) v(c) ORDER BY c$$,
  ARRAY['bafkqaaa', 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'], 'byte order: v1 before v0');
SELECT is(merkle_root(x ORDER BY x), sha256('\x00'::bytea || '\x61'::bytea), 'one-leaf root is the leaf hash')
  FROM (VALUES ('a'::bytea)) v(x);

-- errors carry the right SQLSTATE
SELECT throws_ok($$SELECT 'nope'::ipfs_cid$$, '22P02', NULL, 'bad CID text: 22P02');
SELECT throws_ok($$SELECT 'Qm1111111111111111111111111111111111111111111x'::ipfs_cid$$, '22P02', NULL, 'v0 with wrong hash length: 22P02');
SELECT throws_ok($$SELECT '\x00'::bytea::ipfs_cid$$, '22P03', NULL, 'bad CID bytes: 22P03');
SELECT throws_ok($$SELECT '\x12'::multihash$$, '22P02', NULL, 'bad multihash text: 22P02');
SELECT throws_ok($$SELECT cid_of('x', 1, 'md5')$$, '22023', 'unsupported hash function: "md5"', 'unknown hash: 22023');
SELECT throws_ok($$SELECT cid_of('x', 3)$$, '22023', 'invalid cid_version: 3', 'bad version: 22023');
SELECT throws_ok($$SELECT cid_of('x', 0, 'blake3')$$, '22023', NULL, 'CIDv0 with blake3: 22023');
SELECT throws_ok($$SELECT cid_of('x', 1, 'blake3', 'size-0')$$, '22023', NULL, 'bad chunker: 22023');
SELECT throws_ok($$SELECT cid_to_text('bafkqaaa', 'base99')$$, '22023', NULL, 'unknown base: 22023');
SELECT throws_ok($$SELECT merkle_verify_inclusion('x', 0, 1, ARRAY['\x00'::bytea], sha256('x'))$$, '22023', NULL, 'short proof entry: 22023');
SELECT throws_ok($$SELECT merkle_verify_inclusion('x', 0, 1, ARRAY[NULL::bytea], sha256('x'))$$, '22004', NULL, 'NULL proof entry: 22004');

-- the extension's functions work in parallel workers
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
CREATE TEMP TABLE par AS SELECT g, cid_of(g::text::bytea) AS c FROM generate_series(1, 20000) g;
ANALYZE par;
SELECT is((SELECT count(*) FROM par WHERE cid_verify(g::text::bytea, c)), 20000::bigint, 'cid_verify over a parallel scan');
SELECT isnt((SELECT count(DISTINCT c) FROM par), 0::bigint, 'distinct over ipfs_cid');

SELECT * FROM finish();
ROLLBACK;
