#include "cairn/error.h"

const char *cairn_strerror(int err)
{
	switch (err) {
	case CAIRN_OK: return "success";
	case CAIRN_E_INVAL: return "invalid argument";
	case CAIRN_E_BUFFER: return "output buffer too small";
	case CAIRN_E_TRUNCATED: return "input truncated";
	case CAIRN_E_VARINT_NONMINIMAL: return "varint is not minimally encoded";
	case CAIRN_E_VARINT_OVERFLOW: return "varint longer than 9 bytes";
	case CAIRN_E_BASE_UNKNOWN: return "unsupported multibase prefix";
	case CAIRN_E_BASE_CHAR: return "invalid character for multibase encoding";
	case CAIRN_E_BASE_PADDING: return "invalid multibase length or padding";
	case CAIRN_E_MH_UNKNOWN: return "unsupported multihash function";
	case CAIRN_E_MH_LENGTH: return "wrong digest length for multihash function";
	case CAIRN_E_CID_VERSION: return "unsupported CID version";
	case CAIRN_E_CID_CODEC: return "unsupported CID codec";
	case CAIRN_E_CID_V0: return "CIDv0 must be dag-pb with a 32-byte sha2-256 multihash";
	case CAIRN_E_TRAILING: return "trailing bytes after value";
	case CAIRN_E_PROTOBUF: return "malformed protobuf";
	case CAIRN_E_UNIXFS: return "invalid UnixFS data";
	case CAIRN_E_CAR: return "malformed CAR data";
	case CAIRN_E_PROOF: return "malformed Merkle proof";
	case CAIRN_E_LIMIT: return "size limit exceeded";
	case CAIRN_E_STATE: return "operation not valid in current state";
	case CAIRN_E_CALLBACK: return "callback failed";
	case CAIRN_E_EMPTY: return "empty input";
	case CAIRN_E_MISMATCH: return "data does not match its CID";
	case CAIRN_E_CBOR: return "invalid DAG-CBOR";
	case CAIRN_E_JSON: return "invalid DAG-JSON";
	case CAIRN_E_PATH: return "no such path segment";
	case CAIRN_E_TLOG: return "malformed tlog-proof or checkpoint";
	}
	return "unknown error";
}
