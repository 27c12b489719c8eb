-- RFC 9162 Merkle trees: the certificate-transparency test vectors, proofs
-- checked with cairn's verifiers, and a reference written here in SQL.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cairn;
RESET client_min_messages;

-- the CT test leaves and their roots for 1..7 leaves
CREATE TABLE ct (i int PRIMARY KEY, leaf bytea);
INSERT INTO ct VALUES (0, ''), (1, '\x00'), (2, '\x10'), (3, '\x2021'), (4, '\x3031'),
  (5, '\x40414243'), (6, '\x5051525354555657'), (7, '\x606162636465666768696a6b6c6d6e6f');
SELECT n, encode(merkle_root(leaf ORDER BY i), 'hex')
FROM generate_series(1, 8) n, ct WHERE i < n GROUP BY n ORDER BY n;

-- An independent RFC 9162 MTH, from the RFC's recursive definition, using
-- PostgreSQL's own sha256(): every root must agree.
CREATE FUNCTION ref_mth(leaves bytea[]) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE n int := coalesce(array_length(leaves, 1), 0); k int := 1;
BEGIN
  IF n = 0 THEN RETURN sha256(''); END IF;
  IF n = 1 THEN RETURN sha256('\x00'::bytea || leaves[1]); END IF;
  WHILE k * 2 < n LOOP k := k * 2; END LOOP;
  RETURN sha256('\x01'::bytea || ref_mth(leaves[1:k]) || ref_mth(leaves[k+1:n]));
END $$;
CREATE TABLE leaves AS SELECT g AS i, sha256(g::text::bytea) || g::text::bytea AS leaf FROM generate_series(0, 99) g;
SELECT count(*) AS sizes_checked, bool_and(r = ref) AS all_equal FROM (
  SELECT n, merkle_root(leaf ORDER BY i) AS r, ref_mth(array_agg(leaf ORDER BY i)) AS ref
  FROM generate_series(1, 100) n, leaves WHERE i < n GROUP BY n) s;
-- leaf hash
SELECT merkle_leaf_hash('') = sha256('\x00') AS leaf_hash_ok;
-- ipfs_cid leaves are their binary CIDs
CREATE TABLE cl AS SELECT i, cid_of_raw(leaf) AS c FROM leaves;
SELECT merkle_root(c ORDER BY i) = merkle_root(c::bytea ORDER BY i) AS cid_leaves FROM cl;
-- NULLs are skipped; no rows gives NULL; order matters
SELECT merkle_root(x) IS NULL AS empty FROM (SELECT NULL::bytea AS x WHERE false) s;
SELECT merkle_root(x ORDER BY o) = merkle_root(y ORDER BY o) AS nulls_skipped
FROM (VALUES (1, 'a'::bytea, 'a'::bytea), (2, NULL, 'b'), (3, 'b', NULL)) v(o, x, y);
SELECT merkle_root(leaf ORDER BY i) <> merkle_root(leaf ORDER BY i DESC) AS order_matters FROM leaves;

-- inclusion proofs (from RFC 9162 section 2.1.3.1 by hand) for the 7-leaf CT tree
-- leaf 0 in tree of 7: path = [leaf1, MTH(2..4), MTH(4..7)]
WITH h AS (SELECT i, merkle_leaf_hash(leaf) AS lh FROM ct)
SELECT merkle_verify_inclusion('', 0, 7,
         ARRAY[(SELECT lh FROM h WHERE i = 1),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i IN (2, 3)),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i BETWEEN 4 AND 6)],
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7)) AS leaf0_in_7,
       merkle_verify_inclusion('\x00', 0, 7,
         ARRAY[(SELECT lh FROM h WHERE i = 1),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i IN (2, 3)),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i BETWEEN 4 AND 6)],
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7)) AS wrong_leaf,
       merkle_verify_inclusion('\x5051525354555657', 6, 7,
         ARRAY[(SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i IN (4, 5)),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 4)],
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7)) AS leaf6_in_7;
-- a one-leaf tree: empty path, root = leaf hash
SELECT merkle_verify_inclusion('x', 0, 1, '{}', merkle_leaf_hash('x'));
-- consistency: 4 -> 7 is [MTH(4..7)]; 3 -> 7 is RFC 9162's example [c, d, g, l] =
-- [leaf 2, leaf 3, MTH(0..2), MTH(4..7)]
SELECT merkle_verify_consistency(4, 7,
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 4),
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7),
         ARRAY[(SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i BETWEEN 4 AND 6)]) AS c4_7,
       merkle_verify_consistency(3, 7,
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 3),
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7),
         ARRAY[merkle_leaf_hash('\x10'), merkle_leaf_hash('\x2021'),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 2),
               (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i BETWEEN 4 AND 6)]) AS c3_7,
       merkle_verify_consistency(4, 7,
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 4),
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 6),
         ARRAY[(SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i BETWEEN 4 AND 6)]) AS wrong_root,
       merkle_verify_consistency(7, 7,
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7),
         (SELECT merkle_root(leaf ORDER BY i) FROM ct WHERE i < 7), '{}') AS same_tree;

-- bad arguments
SELECT merkle_verify_inclusion('x', -1, 1, '{}', merkle_leaf_hash('x'));
SELECT merkle_verify_inclusion('x', 0, -5, '{}', merkle_leaf_hash('x'));
SELECT merkle_verify_inclusion('x', 0, 1, '{}', '\x00');
SELECT merkle_verify_inclusion('x', 0, 2, ARRAY['\x01'::bytea], merkle_leaf_hash('x'));
SELECT merkle_verify_inclusion('x', 0, 2, ARRAY[NULL::bytea], merkle_leaf_hash('x'));
SELECT merkle_verify_inclusion('x', 0, 2, ARRAY[[sha256('a')], [sha256('b')]], merkle_leaf_hash('x'));
SELECT merkle_verify_inclusion('x', 0, 2, array_fill(sha256('a'), ARRAY[65]), merkle_leaf_hash('x'));
SELECT merkle_verify_consistency(1, 2, '\x00', sha256('a'), '{}');
SELECT merkle_verify_consistency(-1, 2, sha256('a'), sha256('a'), '{}');
-- out-of-range but well-formed proofs are simply false
SELECT merkle_verify_inclusion('x', 5, 2, '{}', merkle_leaf_hash('x')) AS index_past_size,
       merkle_verify_consistency(3, 2, sha256('a'), sha256('a'), '{}') AS shrinking;
