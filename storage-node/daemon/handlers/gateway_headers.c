#include "gateway_headers.h"

#include "cairn/cid.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Content-Type from the first bytes, like Go's http.DetectContentType for
 * the common cases; anything else is octet-stream. */
const char *gateway_sniff(const uint8_t *p, size_t n)
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
int gateway_etag_matches(const char *inm, const char *etag)
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
const char *gateway_type_by_name(const char *name)
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

/* Content-Disposition with a file name, ASCII-safe (RFC 6266): names with
 * other characters go in filename* as UTF-8. */
void gateway_disposition(struct evkeyvalq *h, const char *kind, const char *name)
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
void gateway_binary_headers(struct evkeyvalq *h, const char *type, const char *cid_text,
                           const char *ext)
{
	char name[CAIRN_CID_TEXT_MAX + 8];
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Vary", "Accept");
	/* The trustless gateway spec: never rendered by a browser. */
	snprintf(name, sizeof name, "%s.%s", cid_text, ext);
	gateway_disposition(h, "attachment", name);
}

int gateway_not_modified(struct http_req *req, const char *etag)
{
	if (!gateway_etag_matches(evhttp_find_header(http_req_in(req), "If-None-Match"), etag))
		return 0;
	http_reply(req, 304, "Not Modified", NULL);
	return 1;
}
