-- The extension must not disturb resolution for built-in types.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS cairn;
RESET client_min_messages;

SELECT 'x'::text = 'x' AS text_eq, 'abc' < 'abd' AS unknown_lt, '\x00'::bytea = '\x00' AS bytea_eq,
       'a' || 'b' AS concat, 1 = 1 AS int_eq;
SELECT 'x' = 'x' AS unknown_eq;
-- an unknown literal compared with ipfs_cid resolves to ipfs_cid
SELECT 'bafkqaaa'::ipfs_cid = 'bafkqaaa' AS cid_literal;
-- pg_catalog.cid (the command id type) is untouched
SELECT '5'::cid;
-- catalog checks: every extension function is IMMUTABLE and PARALLEL SAFE,
-- and all but the aggregate support functions are STRICT
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cairn'
WHERE p.provolatile <> 'i' OR p.proparallel <> 's' OR (NOT p.proisstrict AND p.prokind <> 'a')
ORDER BY 1;
-- every function, type, operator and cast has a comment
SELECT d.classid::regclass, d.objid
FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cairn'
WHERE d.deptype = 'e'
  AND d.classid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_operator'::regclass, 'pg_cast'::regclass)
  AND obj_description(d.objid, d.classid::regclass::text) IS NULL
  AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.objid AND t.typelem <> 0));
-- drop and recreate cleanly (what the cascade takes depends on earlier tests)
SET client_min_messages = warning;
DROP EXTENSION cairn CASCADE;
RESET client_min_messages;
CREATE EXTENSION cairn;
SELECT extversion FROM pg_extension WHERE extname = 'cairn';
