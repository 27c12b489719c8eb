-- cid_of, cid_of_raw, cid_verify: the same CIDs as cairn add and Kubo.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cairn;
RESET client_min_messages;

-- Kubo: `echo -n hello | ipfs add -n` and the empty file
SELECT cid_of('hello', 0, 'sha2-256');
SELECT cid_of('', 0, 'sha2-256');
-- CIDv1 implies raw leaves: a one-chunk file is one raw block
SELECT cid_of('hello', 1, 'sha2-256'), cid_of_raw('hello', 'sha2-256');
SELECT cid_of('hello') = cid_of_raw('hello') AS single_chunk_is_raw;
SELECT cid_of('hello');
SELECT cid_of_raw('');
-- several chunks (size-2 on 5 bytes: 3 leaves and a parent)
SELECT cid_of('hello', 0, 'sha2-256', 'size-2');
SELECT cid_of('hello', 1, 'blake3', 'size-2');
SELECT cid_codec(cid_of('hello', 1, 'blake3', 'size-2'));
-- a document of several chunks, stored out of line
CREATE TABLE docs (id int PRIMARY KEY, body bytea);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO docs SELECT g, decode(repeat(md5(g::text), 20000 * g), 'hex') FROM generate_series(1, 3) g;
SELECT id, length(body), cid_of(body, 0, 'sha2-256') AS v0, cid_of(body) AS v1 FROM docs ORDER BY id;
-- verification: every profile and CID kind that names these bytes
SELECT id,
       cid_verify(body, cid_of(body, 0, 'sha2-256')) AS kubo_v0,
       cid_verify(body, cid_of(body, 1, 'sha2-256')) AS kubo_v1,
       cid_verify(body, cid_of(body)) AS cairn_default,
       cid_verify(body, cid_of(body, 1, 'sha2-256', 'size-1048576')) AS one_mib_chunks,
       cid_verify(body, cid_of_raw(body)) AS raw,
       cid_verify(body, cid_to_v1(cid_of(body, 0, 'sha2-256'))) AS v0_named_as_v1
FROM docs ORDER BY id;
-- A 10 MB value stored out of line is read in 4 MiB slices; it must give
-- the same CIDs as the same bytes in memory (body || '' is a plain copy).
INSERT INTO docs SELECT 4, decode(repeat(md5('big'), 625000), 'hex');
SELECT length(body), pg_column_size(body) = length(body) AS stored_uncompressed,
       cid_of(body) = cid_of(body || ''::bytea) AS blake3_same,
       cid_of(body, 0, 'sha2-256') = cid_of(body || ''::bytea, 0, 'sha2-256') AS v0_same,
       cid_of_raw(body) = cid_of_raw(body || ''::bytea) AS raw_same,
       blake3(body) = blake3(body || ''::bytea) AS digest_same,
       cid_verify(body, cid_of(body || ''::bytea, 1, 'sha2-256')) AS verifies
FROM docs WHERE id = 4;
DELETE FROM docs WHERE id = 4;
-- one byte changed: never verifies
SELECT id, cid_verify(set_byte(body, length(body) / 2, (get_byte(body, length(body) / 2) + 1) % 256),
                      cid_of(body, 0, 'sha2-256')) AS flipped
FROM docs ORDER BY id;
-- other chunkers give other CIDs, which do not verify (not a standard profile)
SELECT cid_verify(body, cid_of(body, 1, 'blake3', 'size-1000')) FROM docs WHERE id = 1;
-- identity and dag-cbor CIDs name a block: the bytes are checked as that block
SELECT cid_verify('hello world', 'bafkqac3imvwgy3zao5xxe3de'), cid_verify('hello', 'bafkqac3imvwgy3zao5xxe3de');
SELECT cid_verify('\x', cid_of_raw('')), cid_verify('x', cid_of_raw(''));
-- the empty dag-pb node (zero bytes) is what the CID spec example names
SELECT cid_verify('', 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n');

-- the functions are usable in indexes and constraints (IMMUTABLE)
CREATE TABLE files (body bytea, cid ipfs_cid GENERATED ALWAYS AS (cid_of(body)) STORED,
                    CHECK (cid_verify(body, cid)));
INSERT INTO files (body) VALUES ('hello'), ('world');
SELECT cid FROM files ORDER BY cid;
CREATE INDEX ON docs (cid_of(body));

-- bad arguments: SQLSTATE 22023, naming the value
SELECT cid_of('x', 2);
SELECT cid_of('x', -1);
SELECT cid_of('x', 0);                       -- v0 needs sha2-256 (default is blake3)
SELECT cid_of('x', 0, 'blake3');
SELECT cid_of('x', 1, 'sha3-256');
SELECT cid_of('x', 1, 'blake3', 'rabin');
SELECT cid_of('x', 1, 'blake3', 'size-0');
SELECT cid_of('x', 1, 'blake3', 'size-1048577');
SELECT cid_of('x', 1, 'blake3', 'size-12abc');
SELECT cid_of_raw('x', 'SHA256');
SELECT cid_of(NULL), cid_of_raw(NULL), cid_verify(NULL, 'bafkqaaa'), cid_verify('x', NULL);
