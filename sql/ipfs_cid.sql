-- ipfs_cid: input, output, binary forms, operators, indexes, casts, inspection.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cairn;
RESET client_min_messages;

-- v0 stays base58btc, v1 comes out base32 whatever base it went in as
SELECT 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::ipfs_cid;
SELECT 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid;
SELECT 'zdj7Wkkhxcu2rsiN6GUyHCLsSLL47kdUNfjbFqBUUhMFTZKBi'::ipfs_cid;  -- base58btc v1
SELECT 'f01701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::ipfs_cid;
SELECT 'BAFYBEIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU'::ipfs_cid;
SELECT 'k2jmtxx1epa2wl096hsbpuhrz9xhppklonehzwkmskc9rmeb51kwn4ut'::ipfs_cid;
SELECT 'uAXASIOOwxEKY_BwUmvv0yJlvuSQnrkHkZJuTTKSVmRt4UrhV'::ipfs_cid;
SELECT 'mAXASIOOwxEKY/BwUmvv0yJlvuSQnrkHkZJuTTKSVmRt4UrhV'::ipfs_cid;
SELECT 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid;   -- raw
SELECT 'bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmi'::ipfs_cid;   -- raw blake3
SELECT 'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid;   -- dag-cbor
SELECT 'bafkqac3imvwgy3zao5xxe3de'::ipfs_cid;                                      -- identity

-- inspection
SELECT c, cid_version(c), cid_codec(c), cid_hash(c), encode(cid_digest(c), 'hex') AS digest
FROM (VALUES ('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::ipfs_cid),
             ('bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmi'),
             ('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'),
             ('bafkqac3imvwgy3zao5xxe3de')) AS t(c);
SELECT cid_to_v1('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n');
SELECT cid_to_v1('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
SELECT b, cid_to_text('bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', b)
FROM unnest(ARRAY['base16', 'base16upper', 'base32', 'base32upper', 'base36', 'base36upper',
                  'base58btc', 'base64', 'base64url']) AS b;
SELECT cid_to_text('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n', 'base58btc');  -- stays v0
SELECT cid_to_text('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n');               -- v1 base32
SELECT cid_multihash('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n');

-- comparison: byte order of the binary CID (v1 0x01.. sorts before v0 0x12..)
SELECT 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::ipfs_cid
     = 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid AS v0_eq_v1,
       'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid
     = 'f01701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::ipfs_cid AS same,
       'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid
     < 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::ipfs_cid AS v1_lt_v0;
CREATE TABLE cids (c ipfs_cid PRIMARY KEY, note text);
INSERT INTO cids VALUES
  ('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n', 'v0 dag-pb'),
  ('bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'v1 dag-pb'),
  ('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'v1 raw'),
  ('bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmi', 'v1 raw blake3'),
  ('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'v1 dag-cbor');
SELECT * FROM cids ORDER BY c;
SELECT * FROM cids ORDER BY c DESC LIMIT 2;
-- a second spelling of a stored CID is the same key
INSERT INTO cids VALUES ('zdj7Wkkhxcu2rsiN6GUyHCLsSLL47kdUNfjbFqBUUhMFTZKBi', 'dup');
-- btree and hash indexes are used
CREATE INDEX cids_hash ON cids USING hash (c);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT note FROM cids WHERE c = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
SELECT note FROM cids WHERE c = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
DROP INDEX cids_hash;
EXPLAIN (COSTS OFF) SELECT note FROM cids WHERE c > 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' ORDER BY c;
RESET enable_seqscan;
-- hash joins and hash aggregation
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT count(*) FROM cids a JOIN cids b USING (c);
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT count(DISTINCT c) FROM (SELECT c FROM cids UNION ALL SELECT c FROM cids) s;

-- casts: text and bytea, both directions
SELECT 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::text::ipfs_cid::text;
SELECT encode('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'::ipfs_cid::bytea, 'hex');
SELECT decode('01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex')::ipfs_cid;
SELECT c::bytea::ipfs_cid = c AS round_trip FROM cids;
-- casts are explicit: no silent conversion to text
SELECT length(c) FROM cids LIMIT 1;

-- NULL in, NULL out
SELECT cid_version(NULL), cid_to_text(NULL, 'base32'), NULL::ipfs_cid = 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n';

-- bad input: SQLSTATE 22P02 with the type and the value, never a crash
\set VERBOSITY default
SELECT ''::ipfs_cid;
SELECT 'Qm'::ipfs_cid;
SELECT 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR10'::ipfs_cid;   -- '0' is not base58
SELECT 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1'::ipfs_cid;    -- one char short
SELECT 'Qm1111111111111111111111111111111111111111111x'::ipfs_cid;   -- not sha2-256/32
SELECT 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk'::ipfs_cid;  -- truncated
SELECT 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa'::ipfs_cid;  -- trailing
SELECT 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku='::ipfs_cid;   -- padding
SELECT 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv'::ipfs_cid;    -- spare bits
SELECT 'bAFYbeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid;    -- mixed case
SELECT 'xafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid;    -- unknown base
SELECT 'f02701220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::ipfs_cid;  -- v2
SELECT 'f0199011220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::ipfs_cid; -- codec 0x99
SELECT 'f01701221e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85500'::ipfs_cid; -- length 33
SELECT 'f01701320e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::ipfs_cid;  -- sha2-512 code
SELECT 'f0170128000e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::ipfs_cid; -- non-minimal varint
SELECT 'bciqoeljnc6knuff3jrz2htlrubo52tyqbcpo2vyq7qxh6v4ajxzbgqy'::ipfs_cid;  -- multibase-wrapped v0
SELECT repeat('b', 10000)::ipfs_cid;
SELECT E'bafy\\x00'::ipfs_cid;
SELECT ' bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'::ipfs_cid;    -- leading space
SELECT '\x0155'::bytea::ipfs_cid;                -- binary: truncated
SELECT '\x'::bytea::ipfs_cid;                    -- binary: empty
SELECT '\x12201234'::bytea::ipfs_cid;            -- binary: short v0
SELECT cid_to_text('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n', 'base2');
SELECT cid_to_text('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n', '');
-- the error carries SQLSTATE 22P02 / 22P03 / 22023
DO $$
BEGIN
  PERFORM 'nope'::ipfs_cid;
EXCEPTION WHEN invalid_text_representation THEN RAISE NOTICE 'text: %', SQLSTATE;
END $$;
DO $$
BEGIN
  PERFORM '\x00'::bytea::ipfs_cid;
EXCEPTION WHEN invalid_binary_representation THEN RAISE NOTICE 'binary: %', SQLSTATE;
END $$;
DO $$
BEGIN
  PERFORM cid_to_text('bafkqaaa', 'base99');
EXCEPTION WHEN invalid_parameter_value THEN RAISE NOTICE 'argument: %', SQLSTATE;
END $$;
