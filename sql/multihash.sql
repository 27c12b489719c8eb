-- multihash: text and binary forms, hashing functions, operators, bad input.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cairn;
RESET client_min_messages;

-- sha2-256 and blake3 of 'abc' (FIPS 180-2; b3sum)
SELECT multihash('abc', 'sha2-256');
SELECT multihash('abc'::bytea);
-- An untyped literal alone is a function-style cast to the type, as for any
-- PostgreSQL type name: multihash('abc') parses 'abc' as multihash text.
SELECT multihash('abc');
SELECT multihash_name(multihash('abc'::bytea)), encode(multihash_digest(multihash('abc'::bytea)), 'hex');
SELECT multihash_name(multihash('abc', 'sha2-256')), encode(multihash_digest(multihash('abc', 'sha2-256')), 'hex');
SELECT encode(blake3(''), 'hex') AS blake3_empty, encode(blake3('abc'), 'hex') AS blake3_abc;
-- blake3() is the digest inside multihash(..., 'blake3')
SELECT blake3('cairn') = multihash_digest(multihash('cairn', 'blake3'));
-- the CID's multihash is the multihash of the block
SELECT cid_multihash(cid_of_raw('hello', 'sha2-256')) = multihash('hello', 'sha2-256');

-- text input: any multibase, or hex with \x
SELECT '\x1220ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'::multihash;
SELECT 'zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::multihash;
SELECT 'f1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::multihash
     = 'zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::multihash AS same;
SELECT '\x0003616263'::multihash, multihash_name('\x0003616263'), multihash_digest('\x0003616263');
SELECT multihash('abc'::bytea)::text::multihash = multihash('abc'::bytea) AS text_round_trip;
SELECT multihash('abc'::bytea)::bytea::multihash = multihash('abc'::bytea) AS bytea_round_trip;
SELECT encode(multihash('abc', 'sha2-256')::bytea, 'hex');

-- ordering and indexes
CREATE TABLE mh (m multihash PRIMARY KEY);
INSERT INTO mh SELECT multihash(g::text::bytea, f) FROM generate_series(1, 3) g, unnest(ARRAY['blake3', 'sha2-256']) f;
SELECT multihash_name(m), count(*) FROM mh GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM mh WHERE m = multihash('2', 'sha2-256');
CREATE INDEX ON mh USING hash (m);
SELECT count(*) FROM mh a JOIN mh b USING (m);

-- bad input
SELECT ''::multihash;
SELECT '\x12'::multihash;                   -- truncated
SELECT '\x1220abcd'::multihash;             -- digest shorter than declared
SELECT ('\x1221' || repeat('00', 33))::multihash;   -- sha2-256 of 33 bytes
SELECT ('\x1e40' || repeat('00', 64))::multihash;   -- blake3 of 64 bytes
SELECT ('\x1340' || repeat('00', 64))::multihash;   -- sha2-512: unsupported
SELECT ('\x1220' || repeat('00', 33))::multihash;   -- trailing byte
SELECT '\x12zz'::multihash;                  -- not hex
SELECT '\x122'::multihash;                   -- odd hex
SELECT 'qabc'::multihash;                    -- unknown multibase
SELECT ('K' || repeat('K', 250))::multihash; -- base36 that decodes past any multihash (found by fuzzing)
SELECT '\x1220'::bytea::multihash;
SELECT multihash('abc', 'md5');
SELECT multihash('abc', 'identity');
SELECT multihash('abc', '');
