/*
 * The read-only HTTP gateway: GET and HEAD /ipfs/{cid}, per the IPFS path
 * gateway and trustless gateway specs, for UnixFS files and raw blocks.
 *   default            the file's bytes, Content-Type sniffed, single Range
 *   ?format=raw or     the block's exact bytes
 *   Accept: application/vnd.ipld.raw
 *   ?format=car or     a CARv1 of the DAG (order=dfs, dups=n), with
 *   Accept: application/vnd.ipld.car  dag-scope=all|entity|block and
 *                      entity-bytes=from:to
 * Immutable content: ETag is the CID, If-None-Match gives 304, and
 * Cache-Control says so for a year (29030400 s, as Kubo).
 */
#include "gateway.h"

#include "dag.h"
#include "error.h"
#include "http_stream.h"
#include "car_io.h"
#include "http_util.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_INIT, which keyvalq_struct.h does not define */
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMMUTABLE "public, max-age=29030400, immutable"

/* Content-Type from the first bytes, like Go's http.DetectContentType for
 * the common cases; anything else is octet-stream. */
static const char *sniff(const uint8_t *p, size_t n)
{
	static const struct { const char *magic; size_t len; const char *type; } m[] = {
		{"%PDF-", 5, "application/pdf"},
		{"\x89PNG\r\n\x1a\n", 8, "image/png"},
		{"\xff\xd8\xff", 3, "image/jpeg"},
		{"GIF87a", 6, "image/gif"},
		{"GIF89a", 6, "image/gif"},
		{"PK\x03\x04", 4, "application/zip"},
		{"\x1f\x8b\x08", 3, "application/x-gzip"},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (n >= m[i].len && memcmp(p, m[i].magic, m[i].len) == 0)
			return m[i].type;
	size_t k = 0;
	while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r' || p[k] == '\n'))
		k++;
	if (n - k >= 5 && (strncasecmp((const char *)p + k, "<!doc", 5) == 0 ||
	                   strncasecmp((const char *)p + k, "<html", 5) == 0))
		return "text/html; charset=utf-8";
	/* Text if it is valid UTF-8 without control bytes (a multi-byte
	 * character cut at the end of the sample is allowed). */
	size_t lim = n < 512 ? n : 512;
	for (size_t i = 0; i < lim;) {
		uint8_t c = p[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
			return "application/octet-stream";
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (len == 0)
			return "application/octet-stream";
		for (size_t j = 1; j < len && i + j < lim; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return "application/octet-stream";
		i += len;
	}
	return "text/plain; charset=utf-8";
}

/* If-None-Match: "*" or a list of entity tags, weak or strong. */
static int etag_matches(const char *inm, const char *etag)
{
	if (!inm)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	size_t el = strlen(etag);
	for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += el) {
		char before = p == inm ? ',' : p[-1];
		char after = p[el];
		if ((before == ',' || before == ' ' || before == '/') &&
		    (after == '\0' || after == ',' || after == ' '))
			return 1;
	}
	return 0;
}

/* Range: bytes=a-b | a- | -n, one range only. Returns 1 with [*off, *off +
 * *len) for a satisfiable range, 0 to ignore the header (absent, malformed
 * or several ranges: the whole body is sent), -1 if unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	unsigned long long a, b;
	char tail;
	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	const char *s = h + 6;
	if (s[0] == '-') {
		if (sscanf(s + 1, "%llu%c", &a, &tail) != 1)
			return 0;
		if (a == 0)
			return -1;
		*off = a >= size ? 0 : size - a;
		*len = size - *off;
		return size ? 1 : -1;
	}
	int got = sscanf(s, "%llu-%llu%c", &a, &b, &tail);
	if (got == 1 && s[strlen(s) - 1] == '-')
		b = size ? size - 1 : 0;
	else if (got != 2 || b < a)
		return 0;
	if (a >= size)
		return -1;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

/* Headers of the verifiable (raw and CAR) responses. */
static void binary_headers(struct evkeyvalq *h, const char *type)
{
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Vary", "Accept");
}

static void common_headers(struct evkeyvalq *h, const char *cid_text, const char *etag)
{
	char path[CAIRN_CID_TEXT_MAX + 8];
	snprintf(path, sizeof path, "/ipfs/%s", cid_text);
	evhttp_add_header(h, "Etag", etag);
	evhttp_add_header(h, "Cache-Control", IMMUTABLE);
	evhttp_add_header(h, "X-Ipfs-Path", path);
	evhttp_add_header(h, "X-Ipfs-Roots", cid_text);
}

static void serve_raw(struct evhttp_request *req, node *n, const cairn_cid *cid,
                      const char *cid_text, int head)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char etag[CAIRN_CID_TEXT_MAX + 8], err[512], len[32];
	uint8_t *data;
	size_t dlen;

	snprintf(etag, sizeof etag, "\"%s.raw\"", cid_text);
	int rc = blockstore_get(&n->repo.bs, cid, &data, &dlen, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		http_reply_text(req, 404, "block not found: %s", cid_text);
		return;
	}
	if (rc != 0) {
		fprintf(stderr, "cairn daemon: %s\n", err);
		http_reply_text(req, 500, "could not read the block");
		return;
	}
	common_headers(h, cid_text, etag);
	binary_headers(h, "application/vnd.ipld.raw");
	if (etag_matches(evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"), etag)) {
		free(data);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	snprintf(len, sizeof len, "%zu", dlen);
	evhttp_add_header(h, "Content-Length", len);
	if (!head)
		evbuffer_add(b, data, dlen);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	free(data);
}

static void serve_file(struct evhttp_request *req, node *n, const cairn_cid *cid,
                       const char *cid_text, int head)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char etag[CAIRN_CID_TEXT_MAX + 4], err[512] = "", crange[96];
	cairn_cid where;
	dag_reader *r = http_open_file(req, &n->repo.bs, cid, 0);

	if (!r)
		return;
	snprintf(etag, sizeof etag, "\"%s\"", cid_text);
	common_headers(h, cid_text, etag);
	evhttp_add_header(h, "Accept-Ranges", "bytes");
	if (etag_matches(evhttp_find_header(in, "If-None-Match"), etag)) {
		dag_reader_close(r);
		free(r);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	/* Sniff from the first bytes (a separate short reader: the main one
	 * may start mid-file for a Range). */
	dag_reader probe;
	const uint8_t *p = (const uint8_t *)"";
	size_t pn = 0;
	if (dag_reader_open(&probe, &n->repo.bs, cid, &where, err) == 0) {
		dag_reader_range(&probe, 0, 512);
		if (dag_reader_next(&probe, &p, &pn, &where, err) != 0)
			pn = 0;
		evhttp_add_header(h, "Content-Type", sniff(p, pn));
		dag_reader_close(&probe);
	}
	uint64_t off, len, size = r->size;
	int range = parse_range(evhttp_find_header(in, "Range"), size, &off, &len);
	if (range < 0) {
		snprintf(crange, sizeof crange, "bytes */%" PRIu64, size);
		dag_reader_close(r);
		free(r);
		evhttp_remove_header(h, "Content-Type");
		evhttp_add_header(h, "Content-Range", crange);
		http_reply_text(req, 416, "range not satisfiable: the file has %" PRIu64 " bytes", size);
		return;
	}
	if (range > 0) {
		dag_reader_range(r, off, len);
		snprintf(crange, sizeof crange, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off,
		         off + len - 1, size);
		evhttp_add_header(h, "Content-Range", crange);
	}
	stream_source *src = stream_file(r);
	if (!src) {
		dag_reader_close(r);
		free(r);
		http_reply_text(req, 500, "out of memory");
		return;
	}
	http_stream(req, range > 0 ? 206 : 200, src, !head, 0);
}


/* entity-bytes=from:to (to inclusive, '*' for the end; negative values
 * count from the end). Returns 0 with [*from, *to) or -1 if malformed. */
static int parse_entity_bytes(const char *s, uint64_t size, uint64_t *from, uint64_t *to)
{
	char *end;
	long long a = strtoll(s, &end, 10);
	if (end == s || *end != ':')
		return -1;
	const char *t = end + 1;
	long long b;
	if (strcmp(t, "*") == 0) {
		b = (long long)size - 1;
	} else {
		b = strtoll(t, &end, 10);
		if (end == t || *end)
			return -1;
	}
	if (a < 0)
		a += (long long)size;
	if (b < 0)
		b += (long long)size;
	if (a < 0)
		a = 0;
	if (b < a)
		return -1;
	*from = (uint64_t)a;
	*to = (uint64_t)b + 1;
	return 0;
}

static void serve_car(struct evhttp_request *req, node *n, const cairn_cid *cid,
                      const char *cid_text, struct evkeyvalq *q, int head)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const char *scope_s = evhttp_find_header(q, "dag-scope");
	const char *range_s = evhttp_find_header(q, "entity-bytes");
	int scope = DAG_SCOPE_ALL;
	uint64_t from = 0, to = UINT64_MAX;
	char etag[CAIRN_CID_TEXT_MAX + 128];

	if (scope_s && strcmp(scope_s, "block") == 0)
		scope = DAG_SCOPE_BLOCK;
	else if (scope_s && strcmp(scope_s, "all") != 0 && strcmp(scope_s, "entity") != 0) {
		http_reply_text(req, 400, "unsupported dag-scope '%.40s' (use all, entity or block)", scope_s);
		return;
	}
	if (range_s) {
		dag_reader r;
		cairn_cid where;
		char err[512];
		uint64_t size = 0;
		if (dag_reader_open(&r, &n->repo.bs, cid, &where, err) == 0) {
			size = r.size;
			dag_reader_close(&r);
		}
		if (parse_entity_bytes(range_s, size, &from, &to) != 0) {
			http_reply_text(req, 400, "invalid entity-bytes '%.40s' (use from:to)", range_s);
			return;
		}
	}
	snprintf(etag, sizeof etag, "\"%s.car.%s.%s\"", cid_text,
	         scope == DAG_SCOPE_BLOCK ? "block" : "all", range_s ? range_s : "-");
	if (etag_matches(evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"), etag)) {
		common_headers(h, cid_text, etag);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	/* The root must exist before a 200 goes out. */
	if (!blockstore_has(&n->repo.bs, cid)) {
		http_reply_text(req, 404, "block not found: %s", cid_text);
		return;
	}
	stream_source *src = stream_car(&n->repo.bs, cid, scope, from, to);
	if (!src) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	common_headers(h, cid_text, etag);
	binary_headers(h, "application/vnd.ipld.car; version=1; order=dfs; dups=n");
	http_stream(req, 200, src, !head, 0);
}

void gateway_handle(struct evhttp_request *req, void *arg)
{
	node *n = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evkeyvalq q;
	const char *uri_path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char *path = uri_path ? evhttp_uridecode(uri_path, 0, NULL) : NULL;
	char cid_text[CAIRN_CID_TEXT_MAX];
	cairn_cid cid;

	TAILQ_INIT(&q);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		http_reply_text(req, 405, "method not allowed: the gateway is read-only");
		goto done;
	}
	if (!path || http_parse_query(req, &q) != 0) {
		http_reply_text(req, 400, "malformed request URI");
		goto done;
	}
	if (strncmp(path, "/ipns/", 6) == 0) {
		http_reply_text(req, 501, "IPNS is not supported by this gateway");
		goto done;
	}
	if (strncmp(path, "/ipfs/", 6) != 0) {
		http_reply_text(req, 404, "not found: paths start with /ipfs/{cid}");
		goto done;
	}
	const char *c = path + 6;
	const char *slash = strchr(c, '/');
	size_t clen = slash ? (size_t)(slash - c) : strlen(c);
	if (slash && slash[1] != '\0') {
		http_reply_text(req, 501, "paths inside a DAG are not supported yet: %s", slash);
		goto done;
	}
	int rc = cairn_cid_parse(c, clen, &cid);
	if (rc != 0) {
		http_reply_text(req, 400, "invalid CID '%.*s': %s", (int)(clen > 200 ? 200 : clen), c,
		                cairn_strerror(rc));
		goto done;
	}
	cairn_cid_to_string(&cid, cid_text, sizeof cid_text, NULL);

	const char *format = evhttp_find_header(&q, "format");
	const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
	int raw = (format && strcmp(format, "raw") == 0) ||
	          (!format && accept && strstr(accept, "application/vnd.ipld.raw"));
	int car = (format && strcmp(format, "car") == 0) ||
	          (!format && accept && strstr(accept, "application/vnd.ipld.car"));
	if (format && !raw && !car) {
		http_reply_text(req, 400, "unsupported format '%s' (use raw or car)", format);
		goto done;
	}
	if (car)
		serve_car(req, n, &cid, cid_text, &q, cmd == EVHTTP_REQ_HEAD);
	else if (raw)
		serve_raw(req, n, &cid, cid_text, cmd == EVHTTP_REQ_HEAD);
	else
		serve_file(req, n, &cid, cid_text, cmd == EVHTTP_REQ_HEAD);
done:
	evhttp_clear_headers(&q);
	free(path);
}
