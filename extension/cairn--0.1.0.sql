-- cairn 0.1.0: content identifiers, CID computation and verification,
-- RFC 9162 Merkle proofs. See docs/sql.md for the reference.

\echo Use "CREATE EXTENSION cairn" to load this file. \quit

------------------------------------------------------------------------
-- ipfs_cid: a CID, stored as its canonical binary form
------------------------------------------------------------------------

CREATE TYPE ipfs_cid;

CREATE FUNCTION ipfs_cid_in(cstring) RETURNS ipfs_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ipfs_cid_out(ipfs_cid) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ipfs_cid_recv(internal) RETURNS ipfs_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ipfs_cid_send(ipfs_cid) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cairn_bytes_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ipfs_cid (
	INPUT = ipfs_cid_in,
	OUTPUT = ipfs_cid_out,
	RECEIVE = ipfs_cid_recv,
	SEND = ipfs_cid_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = main
);
COMMENT ON TYPE ipfs_cid IS 'IPFS content identifier (CIDv0 or CIDv1), stored in binary; text is base58btc for v0, base32 for v1';
COMMENT ON FUNCTION ipfs_cid_in(cstring) IS 'parse a CIDv0 or a CIDv1 in any supported multibase';
COMMENT ON FUNCTION ipfs_cid_out(ipfs_cid) IS 'format a CID: base58btc for v0, base32 for v1';
COMMENT ON FUNCTION ipfs_cid_recv(internal) IS 'binary input: the binary CID';
COMMENT ON FUNCTION ipfs_cid_send(ipfs_cid) IS 'binary output: the binary CID';

CREATE FUNCTION ipfs_cid_eq(ipfs_cid, ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_ne(ipfs_cid, ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_lt(ipfs_cid, ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_le(ipfs_cid, ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_gt(ipfs_cid, ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_ge(ipfs_cid, ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_cmp(ipfs_cid, ipfs_cid) RETURNS integer
	AS 'MODULE_PATHNAME', 'cairn_bytes_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_hash(ipfs_cid) RETURNS integer
	AS 'MODULE_PATHNAME', 'cairn_bytes_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ipfs_cid_hash_extended(ipfs_cid, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cairn_bytes_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ipfs_cid_eq(ipfs_cid, ipfs_cid) IS 'equal';
COMMENT ON FUNCTION ipfs_cid_ne(ipfs_cid, ipfs_cid) IS 'not equal';
COMMENT ON FUNCTION ipfs_cid_lt(ipfs_cid, ipfs_cid) IS 'less than (binary CID byte order)';
COMMENT ON FUNCTION ipfs_cid_le(ipfs_cid, ipfs_cid) IS 'less than or equal (binary CID byte order)';
COMMENT ON FUNCTION ipfs_cid_gt(ipfs_cid, ipfs_cid) IS 'greater than (binary CID byte order)';
COMMENT ON FUNCTION ipfs_cid_ge(ipfs_cid, ipfs_cid) IS 'greater than or equal (binary CID byte order)';
COMMENT ON FUNCTION ipfs_cid_cmp(ipfs_cid, ipfs_cid) IS 'btree comparison: -1, 0, 1 in binary CID byte order';
COMMENT ON FUNCTION ipfs_cid_hash(ipfs_cid) IS 'hash index support';
COMMENT ON FUNCTION ipfs_cid_hash_extended(ipfs_cid, bigint) IS 'hash index support, 64-bit seeded';

CREATE OPERATOR = (LEFTARG = ipfs_cid, RIGHTARG = ipfs_cid, PROCEDURE = ipfs_cid_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR <> (LEFTARG = ipfs_cid, RIGHTARG = ipfs_cid, PROCEDURE = ipfs_cid_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR < (LEFTARG = ipfs_cid, RIGHTARG = ipfs_cid, PROCEDURE = ipfs_cid_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = ipfs_cid, RIGHTARG = ipfs_cid, PROCEDURE = ipfs_cid_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR > (LEFTARG = ipfs_cid, RIGHTARG = ipfs_cid, PROCEDURE = ipfs_cid_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR >= (LEFTARG = ipfs_cid, RIGHTARG = ipfs_cid, PROCEDURE = ipfs_cid_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR = (ipfs_cid, ipfs_cid) IS 'equal';
COMMENT ON OPERATOR <> (ipfs_cid, ipfs_cid) IS 'not equal';
COMMENT ON OPERATOR < (ipfs_cid, ipfs_cid) IS 'less than (binary CID byte order)';
COMMENT ON OPERATOR <= (ipfs_cid, ipfs_cid) IS 'less than or equal (binary CID byte order)';
COMMENT ON OPERATOR > (ipfs_cid, ipfs_cid) IS 'greater than (binary CID byte order)';
COMMENT ON OPERATOR >= (ipfs_cid, ipfs_cid) IS 'greater than or equal (binary CID byte order)';

CREATE OPERATOR CLASS ipfs_cid_ops DEFAULT FOR TYPE ipfs_cid USING btree AS
	OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
	FUNCTION 1 ipfs_cid_cmp(ipfs_cid, ipfs_cid);
-- No sortsupport: a comparator-only one measured no faster (1.19 s vs 1.12 s
-- sorting 1M CIDs), and abbreviated keys cannot help when nearly all CIDs
-- share their first bytes (version, codec, hash function, length).
CREATE OPERATOR CLASS ipfs_cid_hash_ops DEFAULT FOR TYPE ipfs_cid USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 ipfs_cid_hash(ipfs_cid),
	FUNCTION 2 ipfs_cid_hash_extended(ipfs_cid, bigint);

-- Casts: explicit only, so that no expression silently changes type.
CREATE CAST (text AS ipfs_cid) WITH INOUT;
CREATE CAST (ipfs_cid AS text) WITH INOUT;
CREATE FUNCTION ipfs_cid(bytea) RETURNS ipfs_cid
	AS 'MODULE_PATHNAME', 'ipfs_cid_from_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bytea(ipfs_cid) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cairn_bytes_to_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE CAST (bytea AS ipfs_cid) WITH FUNCTION ipfs_cid(bytea);
CREATE CAST (ipfs_cid AS bytea) WITH FUNCTION bytea(ipfs_cid);
COMMENT ON FUNCTION ipfs_cid(bytea) IS 'a CID from its binary form (fails on anything but exactly one valid CID)';
COMMENT ON FUNCTION bytea(ipfs_cid) IS 'the binary form of a CID';
COMMENT ON CAST (text AS ipfs_cid) IS 'parse CID text';
COMMENT ON CAST (ipfs_cid AS text) IS 'CID text: base58btc for v0, base32 for v1';
COMMENT ON CAST (bytea AS ipfs_cid) IS 'a CID from its binary form';
COMMENT ON CAST (ipfs_cid AS bytea) IS 'the binary form of a CID';

------------------------------------------------------------------------
-- multihash: function code, length, digest
------------------------------------------------------------------------

CREATE TYPE multihash;

CREATE FUNCTION multihash_in(cstring) RETURNS multihash
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multihash_out(multihash) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multihash_recv(internal) RETURNS multihash
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multihash_send(multihash) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cairn_bytes_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE multihash (
	INPUT = multihash_in,
	OUTPUT = multihash_out,
	RECEIVE = multihash_recv,
	SEND = multihash_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = main
);
COMMENT ON TYPE multihash IS 'self-describing hash (sha2-256, blake3 or identity); text is multibase base32 of the binary multihash';
COMMENT ON FUNCTION multihash_in(cstring) IS 'parse a multihash: multibase text, or hex as \x...';
COMMENT ON FUNCTION multihash_out(multihash) IS 'format a multihash as multibase base32';
COMMENT ON FUNCTION multihash_recv(internal) IS 'binary input: the binary multihash';
COMMENT ON FUNCTION multihash_send(multihash) IS 'binary output: the binary multihash';

CREATE FUNCTION multihash_eq(multihash, multihash) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_ne(multihash, multihash) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_lt(multihash, multihash) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_le(multihash, multihash) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_gt(multihash, multihash) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_ge(multihash, multihash) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_cmp(multihash, multihash) RETURNS integer
	AS 'MODULE_PATHNAME', 'cairn_bytes_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_hash(multihash) RETURNS integer
	AS 'MODULE_PATHNAME', 'cairn_bytes_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION multihash_hash_extended(multihash, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cairn_bytes_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION multihash_eq(multihash, multihash) IS 'equal';
COMMENT ON FUNCTION multihash_ne(multihash, multihash) IS 'not equal';
COMMENT ON FUNCTION multihash_lt(multihash, multihash) IS 'less than (binary byte order)';
COMMENT ON FUNCTION multihash_le(multihash, multihash) IS 'less than or equal (binary byte order)';
COMMENT ON FUNCTION multihash_gt(multihash, multihash) IS 'greater than (binary byte order)';
COMMENT ON FUNCTION multihash_ge(multihash, multihash) IS 'greater than or equal (binary byte order)';
COMMENT ON FUNCTION multihash_cmp(multihash, multihash) IS 'btree comparison: -1, 0, 1 in binary byte order';
COMMENT ON FUNCTION multihash_hash(multihash) IS 'hash index support';
COMMENT ON FUNCTION multihash_hash_extended(multihash, bigint) IS 'hash index support, 64-bit seeded';

CREATE OPERATOR = (LEFTARG = multihash, RIGHTARG = multihash, PROCEDURE = multihash_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR <> (LEFTARG = multihash, RIGHTARG = multihash, PROCEDURE = multihash_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR < (LEFTARG = multihash, RIGHTARG = multihash, PROCEDURE = multihash_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = multihash, RIGHTARG = multihash, PROCEDURE = multihash_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR > (LEFTARG = multihash, RIGHTARG = multihash, PROCEDURE = multihash_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR >= (LEFTARG = multihash, RIGHTARG = multihash, PROCEDURE = multihash_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR = (multihash, multihash) IS 'equal';
COMMENT ON OPERATOR <> (multihash, multihash) IS 'not equal';
COMMENT ON OPERATOR < (multihash, multihash) IS 'less than (binary byte order)';
COMMENT ON OPERATOR <= (multihash, multihash) IS 'less than or equal (binary byte order)';
COMMENT ON OPERATOR > (multihash, multihash) IS 'greater than (binary byte order)';
COMMENT ON OPERATOR >= (multihash, multihash) IS 'greater than or equal (binary byte order)';

CREATE OPERATOR CLASS multihash_ops DEFAULT FOR TYPE multihash USING btree AS
	OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
	FUNCTION 1 multihash_cmp(multihash, multihash);
CREATE OPERATOR CLASS multihash_hash_ops DEFAULT FOR TYPE multihash USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 multihash_hash(multihash),
	FUNCTION 2 multihash_hash_extended(multihash, bigint);

CREATE CAST (text AS multihash) WITH INOUT;
CREATE CAST (multihash AS text) WITH INOUT;
-- Not named multihash(bytea): multihash(data) means "hash data" (below).
CREATE FUNCTION multihash_from_bytes(bytea) RETURNS multihash
	AS 'MODULE_PATHNAME', 'multihash_from_bytes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multihash_bytes(multihash) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cairn_bytes_to_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE CAST (bytea AS multihash) WITH FUNCTION multihash_from_bytes(bytea);
CREATE CAST (multihash AS bytea) WITH FUNCTION multihash_bytes(multihash);
COMMENT ON FUNCTION multihash_from_bytes(bytea) IS 'a multihash from its binary form (code, length, digest)';
COMMENT ON FUNCTION multihash_bytes(multihash) IS 'the binary form of a multihash';
COMMENT ON CAST (text AS multihash) IS 'parse multihash text';
COMMENT ON CAST (multihash AS text) IS 'multihash text (multibase base32)';
COMMENT ON CAST (bytea AS multihash) IS 'a multihash from its binary form';
COMMENT ON CAST (multihash AS bytea) IS 'the binary form of a multihash';

CREATE FUNCTION multihash(data bytea, fn text DEFAULT 'blake3') RETURNS multihash
	AS 'MODULE_PATHNAME', 'multihash_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multihash_digest(multihash) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multihash_name(multihash) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION blake3(bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cairn_blake3' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION multihash(bytea, text) IS 'hash data with fn (''blake3'' or ''sha2-256'') as a multihash';
COMMENT ON FUNCTION multihash_digest(multihash) IS 'the digest bytes of a multihash';
COMMENT ON FUNCTION multihash_name(multihash) IS 'the hash function''s name: sha2-256, blake3 or identity';
COMMENT ON FUNCTION blake3(bytea) IS 'BLAKE3 digest (32 bytes), as b3sum prints it';

------------------------------------------------------------------------
-- Inspecting CIDs
------------------------------------------------------------------------

CREATE FUNCTION cid_version(ipfs_cid) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_codec(ipfs_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_hash(ipfs_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_multihash(ipfs_cid) RETURNS multihash
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_digest(ipfs_cid) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_to_v1(ipfs_cid) RETURNS ipfs_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_to_text(ipfs_cid, base text DEFAULT 'base32') RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cid_version(ipfs_cid) IS 'CID version: 0 or 1';
COMMENT ON FUNCTION cid_codec(ipfs_cid) IS 'content codec: raw, dag-pb, dag-cbor, dag-json or libp2p-key';
COMMENT ON FUNCTION cid_hash(ipfs_cid) IS 'hash function: sha2-256, blake3 or identity';
COMMENT ON FUNCTION cid_multihash(ipfs_cid) IS 'the CID''s multihash';
COMMENT ON FUNCTION cid_digest(ipfs_cid) IS 'the CID''s digest bytes';
COMMENT ON FUNCTION cid_to_v1(ipfs_cid) IS 'the same content as a CIDv1 (a v1 is returned unchanged)';
COMMENT ON FUNCTION cid_to_text(ipfs_cid, text) IS 'CID text in a given multibase; a CIDv0 is written as its v1 in any base but base58btc';

------------------------------------------------------------------------
-- Computing and verifying CIDs
------------------------------------------------------------------------

CREATE FUNCTION cid_of(data bytea, cid_version integer DEFAULT 1, hash text DEFAULT 'blake3',
                       chunker text DEFAULT 'size-262144') RETURNS ipfs_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_of_raw(data bytea, hash text DEFAULT 'blake3') RETURNS ipfs_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cid_verify(data bytea, c ipfs_cid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cid_of(bytea, integer, text, text) IS 'UnixFS file CID of data, as cairn add and ipfs add compute it (CIDv1 implies raw leaves)';
COMMENT ON FUNCTION cid_of_raw(bytea, text) IS 'CIDv1 of data as a single raw block';
COMMENT ON FUNCTION cid_verify(bytea, ipfs_cid) IS 'true iff data is what the CID names: the block itself, or a UnixFS file under Kubo''s or the unixfs-v1-2025 profile';

------------------------------------------------------------------------
-- RFC 9162 Merkle trees (SHA-256)
------------------------------------------------------------------------

CREATE FUNCTION merkle_leaf_hash(bytea) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION merkle_root_accum(internal, bytea) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION merkle_root_accum(internal, ipfs_cid) RETURNS internal
	AS 'MODULE_PATHNAME', 'merkle_root_accum_cid' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION merkle_root_final(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE merkle_root(bytea) (
	SFUNC = merkle_root_accum, STYPE = internal, FINALFUNC = merkle_root_final, PARALLEL = SAFE);
CREATE AGGREGATE merkle_root(ipfs_cid) (
	SFUNC = merkle_root_accum, STYPE = internal, FINALFUNC = merkle_root_final, PARALLEL = SAFE);
CREATE FUNCTION merkle_verify_inclusion(leaf bytea, index bigint, size bigint, path bytea[],
                                        root bytea) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION merkle_verify_consistency(size1 bigint, size2 bigint, root1 bytea, root2 bytea,
                                          path bytea[]) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION merkle_leaf_hash(bytea) IS 'RFC 9162 leaf hash: SHA-256(0x00 || leaf)';
COMMENT ON FUNCTION merkle_root_accum(internal, bytea) IS 'merkle_root transition function';
COMMENT ON FUNCTION merkle_root_accum(internal, ipfs_cid) IS 'merkle_root transition function';
COMMENT ON FUNCTION merkle_root_final(internal) IS 'merkle_root final function';
COMMENT ON AGGREGATE merkle_root(bytea) IS 'RFC 9162 root of the leaves in aggregate order (use ORDER BY); NULL leaves are skipped';
COMMENT ON AGGREGATE merkle_root(ipfs_cid) IS 'RFC 9162 root of the binary CIDs in aggregate order (use ORDER BY); NULLs are skipped';
COMMENT ON FUNCTION merkle_verify_inclusion(bytea, bigint, bigint, bytea[], bytea) IS 'RFC 9162 inclusion proof check: the audit path takes leaf at index to root of a size-leaf tree';
COMMENT ON FUNCTION merkle_verify_consistency(bigint, bigint, bytea, bytea, bytea[]) IS 'RFC 9162 consistency proof check: the size1 tree with root1 is a prefix of the size2 tree with root2';

------------------------------------------------------------------------
-- anchored_cid: a CID with its anchoring proof (docs/anchoring.md)
------------------------------------------------------------------------

CREATE TYPE anchored_cid;

CREATE FUNCTION anchored_cid_in(cstring) RETURNS anchored_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchored_cid_out(anchored_cid) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchored_cid_recv(internal) RETURNS anchored_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchored_cid_send(anchored_cid) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cairn_bytes_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE anchored_cid (
	INPUT = anchored_cid_in,
	OUTPUT = anchored_cid_out,
	RECEIVE = anchored_cid_recv,
	SEND = anchored_cid_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = extended
);
COMMENT ON TYPE anchored_cid IS 'a CID with its anchoring proof: leaf index, tree size, root, audit path, signed checkpoint and chain anchor; text is the proof''s JSON (a C2SP tlog-proof bundle is accepted too)';
COMMENT ON FUNCTION anchored_cid_in(cstring) IS 'parse a proof: a JSON object, or a C2SP tlog-proof bundle, as api/v0/anchor/proof and cairn anchor proof give them';
COMMENT ON FUNCTION anchored_cid_out(anchored_cid) IS 'the proof as canonical JSON (fields in a fixed order)';
COMMENT ON FUNCTION anchored_cid_recv(internal) IS 'binary input (see extension/anchored_cid.c)';
COMMENT ON FUNCTION anchored_cid_send(anchored_cid) IS 'binary output (see extension/anchored_cid.c)';

CREATE FUNCTION anchored_cid_eq(anchored_cid, anchored_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION anchored_cid_ne(anchored_cid, anchored_cid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cairn_bytes_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION anchored_cid_hash(anchored_cid) RETURNS integer
	AS 'MODULE_PATHNAME', 'cairn_bytes_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION anchored_cid_hash_extended(anchored_cid, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cairn_bytes_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION anchored_cid_eq(anchored_cid, anchored_cid) IS 'equal (the same proof)';
COMMENT ON FUNCTION anchored_cid_ne(anchored_cid, anchored_cid) IS 'not equal';
COMMENT ON FUNCTION anchored_cid_hash(anchored_cid) IS 'hash index support';
COMMENT ON FUNCTION anchored_cid_hash_extended(anchored_cid, bigint) IS 'hash index support, 64-bit seeded';
CREATE OPERATOR = (LEFTARG = anchored_cid, RIGHTARG = anchored_cid, PROCEDURE = anchored_cid_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES);
CREATE OPERATOR <> (LEFTARG = anchored_cid, RIGHTARG = anchored_cid, PROCEDURE = anchored_cid_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR = (anchored_cid, anchored_cid) IS 'equal (the same proof)';
COMMENT ON OPERATOR <> (anchored_cid, anchored_cid) IS 'not equal';
CREATE OPERATOR CLASS anchored_cid_hash_ops DEFAULT FOR TYPE anchored_cid USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 anchored_cid_hash(anchored_cid),
	FUNCTION 2 anchored_cid_hash_extended(anchored_cid, bigint);

CREATE FUNCTION anchor_verify(anchored_cid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_verify(anchored_cid, data bytea) RETURNS boolean
	AS 'MODULE_PATHNAME', 'anchor_verify_data' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_cid(anchored_cid) RETURNS ipfs_cid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_root(anchored_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_index(anchored_cid) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_size(anchored_cid) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_chain(anchored_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_tx(anchored_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_block(anchored_cid) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_time(anchored_cid) RETURNS timestamptz
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_checkpoint(anchored_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION anchor_tlog_proof(anchored_cid) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION anchor_verify(anchored_cid) IS 'true iff the audit path leads from the CID''s leaf to the root and the checkpoint states that size and root (the signature and the chain are checked by cairn audit)';
COMMENT ON FUNCTION anchor_verify(anchored_cid, bytea) IS 'anchor_verify(proof), and the data is what the CID names (as cid_verify)';
COMMENT ON FUNCTION anchor_cid(anchored_cid) IS 'the anchored CID';
COMMENT ON FUNCTION anchor_root(anchored_cid) IS 'the tree root, 64 hex digits';
COMMENT ON FUNCTION anchor_index(anchored_cid) IS 'the CID''s leaf index in the log';
COMMENT ON FUNCTION anchor_size(anchored_cid) IS 'the tree size of the checkpoint';
COMMENT ON FUNCTION anchor_chain(anchored_cid) IS 'the chain, CAIP-2 (eip155:<id>); NULL if not anchored';
COMMENT ON FUNCTION anchor_tx(anchored_cid) IS 'the anchoring transaction hash; NULL if not anchored';
COMMENT ON FUNCTION anchor_block(anchored_cid) IS 'the block holding the transaction; NULL if not anchored';
COMMENT ON FUNCTION anchor_time(anchored_cid) IS 'the block''s time; NULL if not anchored';
COMMENT ON FUNCTION anchor_checkpoint(anchored_cid) IS 'the signed checkpoint (a C2SP signed note)';
COMMENT ON FUNCTION anchor_tlog_proof(anchored_cid) IS 'the proof as a C2SP tlog-proof bundle (c2sp.org/tlog-proof), its extra line the JSON of the CID and the anchor';

CREATE CAST (text AS anchored_cid) WITH INOUT;
CREATE CAST (anchored_cid AS text) WITH INOUT;
CREATE CAST (anchored_cid AS jsonb) WITH INOUT;
CREATE CAST (jsonb AS anchored_cid) WITH INOUT;
CREATE CAST (anchored_cid AS ipfs_cid) WITH FUNCTION anchor_cid(anchored_cid);
COMMENT ON CAST (text AS anchored_cid) IS 'parse a proof';
COMMENT ON CAST (anchored_cid AS text) IS 'the proof as canonical JSON';
COMMENT ON CAST (anchored_cid AS jsonb) IS 'the proof as jsonb';
COMMENT ON CAST (jsonb AS anchored_cid) IS 'parse a proof from jsonb';
COMMENT ON CAST (anchored_cid AS ipfs_cid) IS 'the anchored CID';
