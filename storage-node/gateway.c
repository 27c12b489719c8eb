/*
 * The read-only HTTP gateway: GET and HEAD /ipfs/{cid}[/path], per the IPFS
 * path gateway and trustless gateway specs.
 *   default            a file's bytes (Content-Type from the name's
 *                      extension, else sniffed; single Range); a directory:
 *                      301 to add the trailing slash, then its index.html,
 *                      else an HTML listing
 *   ?format=raw or     the exact bytes of the block the path ends at
 *   Accept: application/vnd.ipld.raw
 *   ?format=car or     a CARv1 (order=dfs, dups=n): the blocks the path went
 *   Accept: application/vnd.ipld.car  through, then the DAG at its end, with
 *                      dag-scope=all|entity|block and entity-bytes=from:to
 * Paths go through basic and HAMT-sharded UnixFS directories (dir.h).
 * Immutable content: ETag is the CID, If-None-Match gives 304, and
 * Cache-Control says so for a year (29030400 s, as Kubo).
 */
#include "gateway.h"

#include "dag.h"
#include "dir.h"
#include "error.h"
#include "http_stream.h"
#include "car_io.h"
#include "http_util.h"
#include "peers.h"
#include "routing.h"
#include "dagpb.h"
#include "unixfs.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_INIT, which keyvalq_struct.h does not define */
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMMUTABLE "public, max-age=29030400, immutable"
/* Generated listings may change with cairn's template: a week, as Kubo. */
#define LISTING_CACHE "public, max-age=604800"
/* A listing shows at most this many entries (a HAMT can hold millions). */
#define LISTING_MAX 10000
/* Times one request may ask the peers for blocks it still lacks (a path,
 * then a file's missing part, …) before it is answered with what it has. */
#define GATEWAY_FETCH_ROUNDS 4

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

/* Content-Type from a file name's extension (lower-cased), as Kubo does
 * before sniffing. NULL if the extension is not known. */
static const char *type_by_name(const char *name)
{
	static const struct { const char *ext, *type; } t[] = {
		{"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
		{"css", "text/css; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
		{"mjs", "text/javascript; charset=utf-8"}, {"json", "application/json"},
		{"txt", "text/plain; charset=utf-8"}, {"md", "text/markdown; charset=utf-8"},
		{"csv", "text/csv; charset=utf-8"}, {"xml", "text/xml; charset=utf-8"},
		{"svg", "image/svg+xml"}, {"png", "image/png"}, {"jpg", "image/jpeg"},
		{"jpeg", "image/jpeg"}, {"gif", "image/gif"}, {"webp", "image/webp"},
		{"avif", "image/avif"}, {"ico", "image/vnd.microsoft.icon"}, {"pdf", "application/pdf"},
		{"wasm", "application/wasm"}, {"mp4", "video/mp4"}, {"webm", "video/webm"},
		{"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"}, {"wav", "audio/wav"},
		{"zip", "application/zip"}, {"gz", "application/gzip"}, {"tar", "application/x-tar"},
		{"woff", "font/woff"}, {"woff2", "font/woff2"}, {"car", "application/vnd.ipld.car"},
	};
	const char *dot = name ? strrchr(name, '.') : NULL;
	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcasecmp(dot + 1, t[i].ext) == 0)
			return t[i].type;
	return NULL;
}

/* What a request resolved to. */
struct target {
	const char *raw_path;      /* the request path as sent (still %-encoded) */
	cairn_cid root, cid;       /* the CID in the URL; the one the path ends at */
	char cid_text[CAIRN_CID_TEXT_MAX];
	const char *name;          /* last path segment (decoded), or NULL */
	dir_trail *trail;
};

/* ETag, Cache-Control, X-Ipfs-Path and X-Ipfs-Roots. */
static void common_headers(struct evkeyvalq *h, const struct target *t, const char *etag)
{
	struct evbuffer *roots = evbuffer_new();
	char text[CAIRN_CID_TEXT_MAX];
	for (size_t i = 0; roots && i < t->trail->nroots; i++) {
		cairn_cid_to_string(&t->trail->roots[i], text, sizeof text, NULL);
		evbuffer_add_printf(roots, "%s%s", i ? "," : "", text);
	}
	evhttp_add_header(h, "Etag", etag);
	evhttp_add_header(h, "Cache-Control", IMMUTABLE);
	evhttp_add_header(h, "X-Ipfs-Path", t->raw_path);
	if (roots && evbuffer_add(roots, "", 1) == 0)
		evhttp_add_header(h, "X-Ipfs-Roots", (const char *)evbuffer_pullup(roots, -1));
	if (roots)
		evbuffer_free(roots);
}

/* Content-Disposition with a file name, ASCII-safe (RFC 6266): names with
 * other characters go in filename* as UTF-8. */
static void disposition(struct evkeyvalq *h, const char *kind, const char *name)
{
	char v[1024];
	int plain = 1;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f || *p == '"' || *p == '\\')
			plain = 0;
	if (plain) {
		snprintf(v, sizeof v, "%s; filename=\"%.900s\"", kind, name);
	} else {
		char *enc = evhttp_uriencode(name, -1, 0);
		snprintf(v, sizeof v, "%s; filename=\"download\"; filename*=UTF-8''%.900s", kind,
		         enc ? enc : "");
		free(enc);
	}
	evhttp_add_header(h, "Content-Disposition", v);
}

/* Headers of the verifiable (raw and CAR) responses. */
static void binary_headers(struct evkeyvalq *h, const char *type, const char *cid_text,
                           const char *ext)
{
	char name[CAIRN_CID_TEXT_MAX + 8];
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Vary", "Accept");
	/* The trustless gateway spec: never rendered by a browser. */
	snprintf(name, sizeof name, "%s.%s", cid_text, ext);
	disposition(h, "attachment", name);
}

static int not_modified(struct evhttp_request *req, const char *etag)
{
	if (!etag_matches(evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"), etag))
		return 0;
	evhttp_send_reply(req, 304, "Not Modified", NULL);
	return 1;
}

static void serve_raw(struct evhttp_request *req, node *n, const struct target *t, int head)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char etag[CAIRN_CID_TEXT_MAX + 8], err[512], len[32];
	uint8_t *data;
	size_t dlen;

	snprintf(etag, sizeof etag, "\"%s.raw\"", t->cid_text);
	int rc = blockstore_get(&n->repo.bs, &t->cid, &data, &dlen, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		http_reply_text(req, 404, "block not found: %s", t->cid_text);
		return;
	}
	if (rc != 0) {
		fprintf(stderr, "cairn daemon: %s\n", err);
		http_reply_text(req, 500, "could not read the block");
		return;
	}
	common_headers(h, t, etag);
	binary_headers(h, "application/vnd.ipld.raw", t->cid_text, "bin");
	if (not_modified(req, etag)) {
		free(data);
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

/* Serve a file; r (taken over) is its reader when the caller opened one
 * already, else NULL. */
static void serve_file(struct evhttp_request *req, node *n, const struct target *t,
                       const cairn_cid *file, dag_reader *r, const char *name,
                       struct evkeyvalq *q, int head)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char etag[CAIRN_CID_TEXT_MAX + 4], text[CAIRN_CID_TEXT_MAX], err[512] = "", crange[96];
	cairn_cid where;

	if (!r && !(r = http_open_file(req, &n->repo.bs, file, 0)))
		return;
	cairn_cid_to_string(file, text, sizeof text, NULL);
	snprintf(etag, sizeof etag, "\"%s\"", text);
	common_headers(h, t, etag);
	evhttp_add_header(h, "Accept-Ranges", "bytes");
	if (not_modified(req, etag)) {
		dag_reader_close(r);
		free(r);
		return;
	}
	/* ?filename= names the download (and its type); ?download=true makes
	 * it an attachment. */
	const char *fname = evhttp_find_header(q, "filename");
	const char *dl = evhttp_find_header(q, "download");
	if (fname || (dl && strcmp(dl, "true") == 0))
		disposition(h, dl && strcmp(dl, "true") == 0 ? "attachment" : "inline",
		            fname ? fname : name ? name : text);
	const char *type = type_by_name(fname ? fname : name);
	if (type) {
		evhttp_add_header(h, "Content-Type", type);
	} else if (r->st[0].own_len > 0 || r->size == 0) {
		/* The root block holds the first bytes (a raw block, a one-block
		 * file): sniff them where they are, without reading it again. */
		const struct dag_frame *f0 = &r->st[0];
		evhttp_add_header(h, "Content-Type", sniff(f0->own, f0->own_len < 512 ? f0->own_len : 512));
	} else {
		/* Sniff from the first bytes (a separate short reader: the main
		 * one may start mid-file for a Range). */
		dag_reader probe;
		const uint8_t *p = (const uint8_t *)"";
		size_t pn = 0;
		if (dag_reader_open(&probe, &n->repo.bs, file, &where, err) == 0) {
			dag_reader_range(&probe, 0, 512);
			if (dag_reader_next(&probe, &p, &pn, &where, err) != 0)
				pn = 0;
			evhttp_add_header(h, "Content-Type", sniff(p, pn));
			dag_reader_close(&probe);
		}
	}
	uint64_t off, len, size = r->size;
	int range = http_parse_range(evhttp_find_header(in, "Range"), size, &off, &len);
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
	/* a block of a cached file that GC (or block/rm) took: ask again */
	src->peers = n->peers;
	http_stream(req, range > 0 ? 206 : 200, src, !head, 0);
}

static void html_escaped(struct evbuffer *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': evbuffer_add(b, "&lt;", 4); break;
		case '>': evbuffer_add(b, "&gt;", 4); break;
		case '&': evbuffer_add(b, "&amp;", 5); break;
		case '"': evbuffer_add(b, "&quot;", 6); break;
		case '\'': evbuffer_add(b, "&#39;", 5); break;
		default: evbuffer_add(b, s + i, 1);
		}
	}
}

struct listing {
	struct evbuffer *b;
	size_t count;
};

static int list_entry(void *ctx, const char *name, size_t len, const cairn_cid *cid, uint64_t tsize)
{
	struct listing *l = ctx;
	char text[CAIRN_CID_TEXT_MAX];
	if (l->count++ >= LISTING_MAX)
		return 0; /* counted, not shown */
	char *href = evhttp_uriencode(name, (ev_ssize_t)len, 0);
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	evbuffer_add_printf(l->b, "<tr><td><a href=\"./%s\">", href ? href : "");
	html_escaped(l->b, name, len);
	evbuffer_add_printf(l->b, "</a></td><td><a class=\"cid\" href=\"/ipfs/%s?filename=%s\">%s</a></td>"
	                    "<td>%" PRIu64 "</td></tr>\n", text, href ? href : "", text, tsize);
	free(href);
	return 0;
}

/* A directory: its index.html if it has one, else a listing. The request
 * path ends in '/' here (the caller redirected otherwise). */
static void serve_dir(struct evhttp_request *req, node *n, const struct target *t,
                      struct evkeyvalq *q, int head)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	cairn_cid index, where;
	char err[512] = "", etag[CAIRN_CID_TEXT_MAX + 32], wtext[CAIRN_CID_TEXT_MAX];

	int rc = dir_resolve(&n->repo.bs, &t->cid, "index.html", &index, NULL, &where, err);
	if (rc == 0) {
		serve_file(req, n, t, &index, NULL, "index.html", q, head);
		return;
	}
	if (rc != DIR_NOT_FOUND) {
		cairn_cid_to_string(&where, wtext, sizeof wtext, NULL);
		http_reply_text(req, rc == DAG_MISSING ? 404 : rc == DAG_INVALID ? 422 : 500,
		                "%s: %s", rc == DAG_MISSING ? "block not found" : "cannot read the directory",
		                rc > 0 ? wtext : err);
		return;
	}
	snprintf(etag, sizeof etag, "\"DirIndex-cairn1_CID-%s\"", t->cid_text);
	if (etag_matches(evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"), etag)) {
		common_headers(h, t, etag);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	struct listing l = {evbuffer_new(), 0};
	if (!l.b) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	evbuffer_add_printf(l.b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	html_escaped(l.b, t->raw_path, strlen(t->raw_path));
	evbuffer_add_printf(l.b, "</title><style>body{font-family:sans-serif;margin:2em}"
	                    "td{padding:.2em 1em .2em 0}.cid{font-family:monospace;font-size:.8em}"
	                    "</style></head><body>\n<h1>Index of ");
	html_escaped(l.b, t->raw_path, strlen(t->raw_path));
	evbuffer_add_printf(l.b, "</h1>\n<p class=\"cid\">%s</p>\n<table>\n"
	                    "<tr><td><a href=\"..\">..</a></td><td></td><td></td></tr>\n", t->cid_text);
	rc = dir_list(&n->repo.bs, &t->cid, list_entry, &l, &where, err);
	if (rc != 0) {
		evbuffer_free(l.b);
		cairn_cid_to_string(&where, wtext, sizeof wtext, NULL);
		http_reply_text(req, rc == DAG_MISSING ? 404 : rc < 0 ? 500 : 422, "%s: %s",
		                rc == DAG_MISSING ? "block not found" : "cannot list the directory",
		                rc > 0 ? wtext : err);
		return;
	}
	evbuffer_add_printf(l.b, "</table>\n");
	if (l.count > LISTING_MAX)
		evbuffer_add_printf(l.b, "<p>%zu more entries are not listed.</p>\n", l.count - LISTING_MAX);
	evbuffer_add_printf(l.b, "</body></html>\n");
	common_headers(h, t, etag);
	evhttp_remove_header(h, "Cache-Control");
	evhttp_add_header(h, "Cache-Control", LISTING_CACHE);
	evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
	if (head) {
		char len[32];
		snprintf(len, sizeof len, "%zu", evbuffer_get_length(l.b));
		evhttp_add_header(h, "Content-Length", len);
		evbuffer_drain(l.b, evbuffer_get_length(l.b));
	}
	evhttp_send_reply(req, 200, "OK", l.b);
	evbuffer_free(l.b);
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

static void serve_car(struct evhttp_request *req, node *n, const struct target *t,
                      struct evkeyvalq *q, int head)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const char *scope_s = evhttp_find_header(q, "dag-scope");
	const char *range_s = evhttp_find_header(q, "entity-bytes");
	int scope = DAG_SCOPE_ALL;
	uint64_t from = 0, to = UINT64_MAX;
	char etag[CAIRN_CID_TEXT_MAX * 2 + 160], root_text[CAIRN_CID_TEXT_MAX];

	if (scope_s && strcmp(scope_s, "block") == 0)
		scope = DAG_SCOPE_BLOCK;
	else if (scope_s && strcmp(scope_s, "entity") == 0)
		scope = DAG_SCOPE_ENTITY;
	else if (scope_s && strcmp(scope_s, "all") != 0) {
		http_reply_text(req, 400, "unsupported dag-scope '%.40s' (use all, entity or block)", scope_s);
		return;
	}
	if (range_s) {
		/* entity-bytes implies dag-scope=entity */
		dag_reader r;
		cairn_cid where;
		char err[512];
		uint64_t size = 0;
		scope = DAG_SCOPE_ENTITY;
		if (dag_reader_open(&r, &n->repo.bs, &t->cid, &where, err) == 0) {
			size = r.size;
			dag_reader_close(&r);
		}
		if (parse_entity_bytes(range_s, size, &from, &to) != 0) {
			http_reply_text(req, 400, "invalid entity-bytes '%.40s' (use from:to)", range_s);
			return;
		}
	}
	cairn_cid_to_string(&t->root, root_text, sizeof root_text, NULL);
	/* The etag names the path's end, the path's start and the scope. */
	snprintf(etag, sizeof etag, "\"%s.car.%s.%s.%.40s\"", t->cid_text, root_text,
	         scope == DAG_SCOPE_BLOCK ? "block" : scope == DAG_SCOPE_ENTITY ? "entity" : "all",
	         range_s ? range_s : "-");
	if (etag_matches(evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"), etag)) {
		common_headers(h, t, etag);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	/* The path's end must exist before a 200 goes out. */
	if (!blockstore_has(&n->repo.bs, &t->cid) && t->cid.mh.code != CAIRN_MH_IDENTITY) {
		http_reply_text(req, 404, "block not found: %s", t->cid_text);
		return;
	}
	stream_source *src = stream_car(&n->repo.bs, &t->root, t->trail->blocks, t->trail->nblocks,
	                                &t->cid, scope, from, to);
	if (!src) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	common_headers(h, t, etag);
	binary_headers(h, "application/vnd.ipld.car; version=1; order=dfs; dups=n", t->cid_text, "car");
	http_stream(req, 200, src, !head, 0);
}

/* Resolution failed: the status and a short text body. */
static void resolve_error(struct evhttp_request *req, int rc, const cairn_cid *where,
                          const char *path, const char *err)
{
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	switch (rc) {
	case DIR_NOT_FOUND:
		http_reply_text(req, 404, "no such path: %.300s (not in directory %s)", path, text);
		break;
	case DIR_NOT_DIR:
		http_reply_text(req, 404, "no such path: %.300s (%s is not a directory)", path, text);
		break;
	case DAG_MISSING:
		http_reply_text(req, 404, "block not found: %s", text);
		break;
	case DAG_INVALID:
		http_reply_text(req, 422, "cannot follow the path: block %s does not decode (or the "
		                "path is too deep)", text);
		break;
	default:
		fprintf(stderr, "cairn daemon: %s\n", err);
		http_reply_text(req, 500, "could not resolve the path");
	}
}

/* A request waiting for its blocks to arrive from peers. */
struct gw_wait {
	struct evhttp_request *req;
	node *n;
	int round;
	char what[CAIRN_CID_TEXT_MAX];
};

static void gateway_serve(struct evhttp_request *req, node *n, int round);

static void fetched(void *ctx, int outcome, const char *msg)
{
	struct gw_wait *w = ctx;
	if (outcome == FETCH_CANCELLED)
		; /* nobody to answer */
	else if (outcome == FETCH_OK)
		gateway_serve(w->req, w->n, w->round + 1);
	else if (outcome == FETCH_NOT_FOUND)
		http_reply_text(w->req, 502, "no peer has %s: %.900s", w->what, msg);
	else
		http_reply_text(w->req, outcome == FETCH_TIMEOUT ? 504 : 502,
		                "could not get %s from peers: %.900s", w->what, msg);
	free(w);
}

/* Missing content: ask the peers for it (what names the block, path is
 * URI-escaped below it), and answer once they did. 1 if the request now
 * waits; 0 if there is nobody to ask, or it was asked enough already, and
 * the caller answers. */
static int fetch_missing(struct evhttp_request *req, node *n, int round, const cairn_cid *what,
                         const char *path, int scope)
{
	if (!n->peers || round >= GATEWAY_FETCH_ROUNDS || what->mh.code == CAIRN_MH_IDENTITY)
		return 0;
	struct gw_wait *w = calloc(1, sizeof *w);
	if (!w)
		return 0;
	w->req = req;
	w->n = n;
	w->round = round;
	cairn_cid_to_string(what, w->what, sizeof w->what, NULL);
	if (!peers_fetch(n->peers, req, what, path, scope, fetched, w)) {
		free(w);
		return 0;
	}
	return 1;
}

/*
 * A whole file fetched from peers and streamed to the client as its blocks
 * arrive, so the client does not wait for the fetch, and each block is
 * hashed once. The peer's CAR (dag-scope=entity, DFS order) is followed
 * with a stack of the CIDs the file needs next: the block on top is
 * emitted when it arrives, its links pushed; any other block is stored
 * but skipped (a duplicate the CAR leaves out, or a retry from another
 * peer starting over, is read from the store instead). Headers go out with
 * the first bytes (the root gives the size, the first bytes the type). If
 * the fetch fails after that, the connection is closed short of its
 * Content-Length: a client never takes a partial file for a whole one.
 */
struct gw_stream {
	struct evhttp_request *req;
	node *n;
	peer_fetch *f;
	cairn_cid root;
	char root_text[CAIRN_CID_TEXT_MAX];
	char *raw_path;
	char *fname;        /* ?filename= */
	int download;       /* ?download=true */
	cairn_cid *stack;   /* what the file needs next, top last */
	size_t nstack, cap;
	int started;        /* headers sent */
	int not_file;       /* the root is not a UnixFS file: served the usual way */
	int broken;         /* a block did not decode: no more streaming */
	uint64_t size, sent;
	size_t buffered;    /* bytes handed to evhttp not yet written */
};

#define PEER_STREAM_BUFFER_MAX (16u << 20)

static void gateway_serve(struct evhttp_request *req, node *n, int round);

static int cid_same(const cairn_cid *a, const cairn_cid *b)
{
	return a->version == b->version && a->codec == b->codec && a->mh.code == b->mh.code &&
	       a->mh.len == b->mh.len && memcmp(a->mh.digest, b->mh.digest, a->mh.len) == 0;
}

static void stream_free(struct gw_stream *g)
{
	free(g->stack);
	free(g->raw_path);
	free(g->fname);
	free(g);
}

static void stream_written(struct evhttp_connection *evcon, void *arg)
{
	struct gw_stream *g = arg;
	(void)evcon;
	g->buffered = 0;
	if (g->f)
		peer_fetch_pause(g->f, 0);
}

static void stream_emit(struct gw_stream *g, const uint8_t *data, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(g->req);
	if (g->broken || g->sent + len > g->size) {
		g->broken = 1;
		return;
	}
	if (!g->started) {
		char etag[CAIRN_CID_TEXT_MAX + 4], clen[32];
		snprintf(etag, sizeof etag, "\"%s\"", g->root_text);
		evhttp_add_header(h, "Etag", etag);
		evhttp_add_header(h, "Cache-Control", IMMUTABLE);
		evhttp_add_header(h, "X-Ipfs-Path", g->raw_path);
		evhttp_add_header(h, "X-Ipfs-Roots", g->root_text);
		evhttp_add_header(h, "Accept-Ranges", "bytes");
		if (g->fname || g->download)
			disposition(h, g->download ? "attachment" : "inline", g->fname ? g->fname : g->root_text);
		const char *type = type_by_name(g->fname);
		evhttp_add_header(h, "Content-Type", type ? type : sniff(data, len < 512 ? len : 512));
		snprintf(clen, sizeof clen, "%" PRIu64, g->size);
		evhttp_add_header(h, "Content-Length", clen);
		evhttp_send_reply_start(g->req, 200, "OK");
		g->started = 1;
	}
	if (len == 0)
		return;
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		g->broken = 1;
		return;
	}
	evbuffer_add(b, data, len);
	g->sent += len;
	g->buffered += len;
	/* a slow client: stop reading from the peer until this is written */
	evhttp_send_reply_chunk_with_cb(g->req, b, stream_written, g);
	evbuffer_free(b);
	if (g->buffered > PEER_STREAM_BUFFER_MAX && g->f)
		peer_fetch_pause(g->f, 1);
}

/* One block of the file, in order: its bytes out, its links pushed. */
static void stream_node(struct gw_stream *g, const cairn_cid *cid, const uint8_t *data, size_t len,
                        int is_root)
{
	if (cid->codec == CAIRN_CODEC_RAW) {
		if (is_root)
			g->size = len;
		stream_emit(g, data, len);
		return;
	}
	cairn_pbnode pb;
	cairn_unixfs u;
	if (cid->codec != CAIRN_CODEC_DAG_PB || cairn_pbnode_decode(data, len, &pb) != 0 || !pb.has_data ||
	    cairn_unixfs_decode(pb.data, pb.data_len, &u) != 0) {
		if (is_root)
			g->not_file = 1;
		else
			g->broken = 1;
		return;
	}
	if (u.type != CAIRN_UNIXFS_FILE && u.type != CAIRN_UNIXFS_RAW) {
		if (is_root)
			g->not_file = 1;
		else
			g->broken = 1;
		return;
	}
	if (is_root)
		g->size = u.has_filesize ? u.filesize : u.data_len;
	if (u.data_len || (is_root && pb.nlinks == 0))
		stream_emit(g, u.data, u.data_len);
	/* links, pushed last first so the first is on top */
	size_t at = g->nstack, cursor = 0;
	cairn_pblink l;
	if (g->nstack + pb.nlinks > g->cap) {
		size_t cap = (g->nstack + pb.nlinks) * 2;
		cairn_cid *st = realloc(g->stack, cap * sizeof *st);
		if (!st) {
			g->broken = 1;
			return;
		}
		g->stack = st;
		g->cap = cap;
	}
	for (size_t i = 0; i < pb.nlinks; i++) {
		if (cairn_pbnode_next_link(&pb, &cursor, &l) != 1 ||
		    cairn_cid_decode(l.hash, l.hash_len, &g->stack[at + pb.nlinks - 1 - i], NULL) != 0) {
			g->broken = 1;
			return;
		}
	}
	g->nstack += pb.nlinks;
}

/* Emit what the store already has on top of the stack (duplicates, or what
 * an earlier attempt brought). with_missing: stop quietly at a block the
 * store lacks. */
static void stream_from_store(struct gw_stream *g)
{
	char err[512];
	while (g->nstack && !g->broken && !g->not_file) {
		cairn_cid top = g->stack[g->nstack - 1];
		uint8_t *data;
		size_t len;
		if (top.mh.code == CAIRN_MH_IDENTITY) {
			g->nstack--;
			stream_node(g, &top, top.mh.digest, top.mh.len, 0);
			continue;
		}
		if (blockstore_get(&g->n->repo.bs, &top, &data, &len, err) != 0)
			return;
		g->nstack--;
		stream_node(g, &top, data, len, 0);
		free(data);
	}
}

static void stream_block(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct gw_stream *g = ctx;
	if (g->broken || g->not_file || !g->nstack || !cid_same(cid, &g->stack[g->nstack - 1]))
		return;
	g->nstack--;
	stream_node(g, cid, data, len, !g->started && g->sent == 0 && cid_same(cid, &g->root));
	stream_from_store(g);
}

static void stream_done(void *ctx, int outcome, const char *msg)
{
	struct gw_stream *g = ctx;
	g->f = NULL;
	if (outcome == FETCH_CANCELLED) {
		stream_free(g);
		return;
	}
	if (!g->started) {
		/* nothing sent yet: the usual way (a directory, a failure's reply) */
		if (outcome == FETCH_OK)
			gateway_serve(g->req, g->n, 1);
		else
			http_reply_text(g->req, outcome == FETCH_TIMEOUT ? 504 : 502,
			                "could not get %s from peers: %.900s", g->root_text, msg);
		stream_free(g);
		return;
	}
	if (outcome == FETCH_OK)
		stream_from_store(g);
	if (outcome == FETCH_OK && !g->broken && g->nstack == 0 && g->sent == g->size) {
		evhttp_send_reply_end(g->req);
	} else {
		/* short of Content-Length: close, so the client sees a broken transfer */
		fprintf(stderr, "cairn daemon: %s: streamed %" PRIu64 " of %" PRIu64 " bytes, then: %s\n",
		        g->root_text, g->sent, g->size, outcome == FETCH_OK ? "blocks missing" : msg);
		evhttp_connection_free(evhttp_request_get_connection(g->req));
	}
	stream_free(g);
}

/* Stream /ipfs/{root} from the peers: 1 if started, 0 if not possible. */
static int stream_from_peers(struct evhttp_request *req, node *n, const cairn_cid *root,
                             const char *raw_path, struct evkeyvalq *q)
{
	const char *dl = evhttp_find_header(q, "download"), *fname = evhttp_find_header(q, "filename");
	struct gw_stream *g = calloc(1, sizeof *g);
	if (!g || !(g->raw_path = strdup(raw_path)) || (fname && !(g->fname = strdup(fname))) ||
	    !(g->stack = malloc(16 * sizeof *g->stack))) {
		if (g)
			stream_free(g);
		return 0;
	}
	g->req = req;
	g->n = n;
	g->root = *root;
	g->download = dl && strcmp(dl, "true") == 0;
	cairn_cid_to_string(root, g->root_text, sizeof g->root_text, NULL);
	g->cap = 16;
	g->stack[0] = *root;
	g->nstack = 1;
	if (!(g->f = peers_fetch(n->peers, req, root, "", FETCH_SCOPE_ENTITY, stream_done, g))) {
		stream_free(g);
		return 0;
	}
	peer_fetch_on_block(g->f, stream_block, g);
	return 1;
}

void gateway_handle(struct evhttp_request *req, void *arg)
{
	gateway_serve(req, arg, 0);
}

/* round: how many times peers were asked for this request already. */
static void gateway_serve(struct evhttp_request *req, node *n, int round)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	int head = cmd == EVHTTP_REQ_HEAD;
	struct evkeyvalq q;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *uri_path = evhttp_uri_get_path(uri);
	size_t path_len = 0;
	char *path = uri_path ? evhttp_uridecode(uri_path, 0, &path_len) : NULL;
	char err[512] = "";
	struct target t = {.raw_path = uri_path};
	cairn_cid where;

	TAILQ_INIT(&q);
	if (path && routing_handle(req, n, path))
		goto done;
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		http_reply_text(req, 405, "method not allowed: the gateway is read-only");
		goto done;
	}
	/* %00 would cut the decoded path short: refused with the malformed. */
	if (!path || strlen(path) != path_len || http_parse_query(req, &q) != 0) {
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
	const char *rest = slash ? slash : "";
	int rc = cairn_cid_parse(c, clen, &t.root);
	if (rc != 0) {
		http_reply_text(req, 400, "invalid CID '%.*s': %s", (int)(clen > 200 ? 200 : clen), c,
		                cairn_strerror(rc));
		goto done;
	}
	/* Cache-Control: only-if-cached asks whether the root is here at all. */
	const char *cc = evhttp_find_header(evhttp_request_get_input_headers(req), "Cache-Control");
	if (cc && strstr(cc, "only-if-cached") && t.root.mh.code != CAIRN_MH_IDENTITY &&
	    !blockstore_has(&n->repo.bs, &t.root)) {
		http_reply_text(req, 412, "not in this node's blockstore");
		goto done;
	}
	t.trail = malloc(sizeof *t.trail);
	if (!t.trail) {
		http_reply_text(req, 500, "out of memory");
		goto done;
	}
	rc = dir_resolve(&n->repo.bs, &t.root, rest, &t.cid, t.trail, &where, err);
	/* The first time, peers are asked for the whole path (they resolve it
	 * in one go); then for whatever block is still missing. */
	const char *raw_rest = strchr(uri_path + 6, '/');
	const char *scope_q = evhttp_find_header(&q, "dag-scope");
	if (rc == DAG_MISSING &&
	    (round == 0 ? fetch_missing(req, n, round, &t.root, raw_rest ? raw_rest : "", FETCH_SCOPE_ENTITY)
	                : fetch_missing(req, n, round, &where, "", FETCH_SCOPE_ENTITY)))
		goto done;
	if (rc != 0) {
		resolve_error(req, rc, &where, rest, err);
		goto done;
	}
	cairn_cid_to_string(&t.cid, t.cid_text, sizeof t.cid_text, NULL);
	const char *last = strrchr(rest, '/');
	t.name = last && last[1] ? last + 1 : NULL;

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
	if ((car || raw) && t.cid.mh.code != CAIRN_MH_IDENTITY && !blockstore_has(&n->repo.bs, &t.cid) &&
	    fetch_missing(req, n, round, &t.cid, "",
	                  raw ? FETCH_SCOPE_BLOCK
	                  : scope_q && strcmp(scope_q, "all") == 0 ? FETCH_SCOPE_ALL
	                  : scope_q && strcmp(scope_q, "block") == 0 ? FETCH_SCOPE_BLOCK : FETCH_SCOPE_ENTITY))
		goto done;
	/* With peers, a CAR of a whole DAG (or of a file, its entity) must not
	 * stop at a block this node lacks: what is missing is fetched first. */
	if (car && n->peers && round < GATEWAY_FETCH_ROUNDS) {
		int all = !(scope_q && strcmp(scope_q, "all") != 0);
		dag_reader fr0;
		int file = !all && !(scope_q && strcmp(scope_q, "block") == 0) &&
		           dag_reader_open(&fr0, &n->repo.bs, &t.cid, &where, err) == 0;
		if (file)
			dag_reader_close(&fr0);
		if ((all || file) &&
		    dag_walk(&n->repo.bs, &t.cid, DAG_RECURSIVE, NULL, NULL, &where, NULL, err) == DAG_MISSING &&
		    fetch_missing(req, n, round, &where, "", all ? FETCH_SCOPE_ALL : FETCH_SCOPE_ENTITY))
			goto done;
	}
	if (car) {
		serve_car(req, n, &t, &q, head);
		goto done;
	}
	if (raw) {
		serve_raw(req, n, &t, head);
		goto done;
	}
	/* Most requests are for files: open the reader first, and look at what
	 * else the node is only if it is not one (each block read is hashed). */
	dag_reader *fr = malloc(sizeof *fr);
	if (!fr) {
		http_reply_text(req, 500, "out of memory");
		goto done;
	}
	rc = dag_reader_open(fr, &n->repo.bs, &t.cid, &where, err);
	if (rc == 0) {
		serve_file(req, n, &t, &t.cid, fr, t.name, &q, head);
		goto done;
	}
	free(fr);
	dir_kind kind;
	/* The whole file is not here (its root is what is missing): streamed
	 * from the peers as it arrives, unless a Range or HEAD asks for less. */
	if (rc == DAG_MISSING && round == 0 && n->peers && !raw_rest && !head &&
	    !evhttp_find_header(evhttp_request_get_input_headers(req), "Range") &&
	    cid_same(&where, &t.root) && cid_same(&t.cid, &t.root) &&
	    stream_from_peers(req, n, &t.root, uri_path, &q))
		goto done;
	if (rc == DAG_MISSING && fetch_missing(req, n, round, &where, "", FETCH_SCOPE_ENTITY))
		goto done;
	if (rc != DAG_NOT_FILE || (rc = dir_kind_of(&n->repo.bs, &t.cid, &kind, &where, err)) != 0) {
		if (rc == DAG_MISSING && fetch_missing(req, n, round, &where, "", FETCH_SCOPE_ENTITY))
			goto done;
		resolve_error(req, rc, &where, rest, err);
		goto done;
	}
	if (kind == KIND_DIR || kind == KIND_HAMT) {
		size_t pl = strlen(uri_path);
		if (pl == 0 || uri_path[pl - 1] != '/') {
			/* Relative links in a directory's pages need the slash. */
			const char *query = evhttp_uri_get_query(uri);
			struct evbuffer *loc = evbuffer_new();
			evbuffer_add_printf(loc, "%s/%s%s", uri_path, query ? "?" : "", query ? query : "");
			evbuffer_add(loc, "", 1);
			evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
			                  (const char *)evbuffer_pullup(loc, -1));
			evbuffer_free(loc);
			http_reply_text(req, 301, "moved: a directory's path ends in '/'");
			goto done;
		}
		serve_dir(req, n, &t, &q, head);
	} else {
		http_reply_text(req, 501, "%s is not a UnixFS file or directory: fetch it with ?format=raw "
		                "or ?format=car", t.cid_text);
	}
done:
	evhttp_clear_headers(&q);
	free(t.trail);
	free(path);
}
