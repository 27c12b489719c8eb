/* strcasestr is a GNU extension. */
#define _GNU_SOURCE 1

#include "api_client.h"
#include "repo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define ERR(...) snprintf(err, errcap, __VA_ARGS__)

static int take_token(api_client *c, char *err, size_t errcap)
{
	const char *tok = getenv("CAIRN_API_TOKEN");
	c->token[0] = '\0';
	if (tok && *tok) {
		if (strlen(tok) >= sizeof c->token || strpbrk(tok, "\r\n")) {
			ERR("CAIRN_API_TOKEN is not a token");
			return -1;
		}
		strcpy(c->token, tok);
	}
	return 0;
}

/* HOST and PORT into c: 0, or -1. */
static int set_host_port(api_client *c, const char *host, size_t hl, const char *port)
{
	char *end;
	long p = strtol(port, &end, 10);
	if (hl == 0 || hl >= sizeof c->host || end == port || p <= 0 || p > 65535)
		return -1;
	memcpy(c->host, host, hl);
	c->host[hl] = '\0';
	if (strcmp(c->host, "localhost") == 0)
		snprintf(c->host, sizeof c->host, "127.0.0.1");
	c->port = (unsigned short)p;
	return *end == '\0' || *end == '/' ? 0 : -1;
}

int api_client_from_addr(api_client *c, const char *addr, char *err, size_t errcap)
{
	const char *a = addr;
	int rc = -1;
	if (strncmp(a, "/ip4/", 5) == 0) {
		/* /ip4/HOST/tcp/PORT[/http] */
		const char *h = a + 5, *t = strchr(h, '/');
		if (t && strncmp(t, "/tcp/", 5) == 0) {
			const char *port = t + 5, *rest = port + strcspn(port, "/");
			if (*rest == '\0' || strcmp(rest, "/http") == 0 || strcmp(rest, "/http/") == 0) {
				char pbuf[8];
				size_t pl = (size_t)(rest - port);
				if (pl < sizeof pbuf) {
					memcpy(pbuf, port, pl);
					pbuf[pl] = '\0';
					rc = set_host_port(c, h, (size_t)(t - h), pbuf);
				}
			}
		}
	} else {
		if (strncmp(a, "http://", 7) == 0)
			a += 7;
		const char *colon = strrchr(a, ':');
		size_t end = strcspn(a, "/");
		if (colon && (size_t)(colon - a) < end && (a[end] == '\0' || strcmp(a + end, "/") == 0))
			rc = set_host_port(c, a, (size_t)(colon - a), colon + 1);
	}
	struct in_addr ip;
	if (rc == 0 && inet_pton(AF_INET, c->host, &ip) != 1)
		rc = -1; /* IPv4 only, as the client dials */
	if (rc != 0) {
		ERR("'%.200s' is not an API address (HOST:PORT, http://HOST:PORT or /ip4/HOST/tcp/PORT; IPv4)", addr);
		return -1;
	}
	return take_token(c, err, errcap);
}

int api_client_from_repo(api_client *c, const char *repo_path, const char **from, char *err,
                         size_t errcap)
{
	char path[4200], line[300];
	json_error_t jerr;
	/* a running daemon's own word first: it names the port it really has */
	snprintf(path, sizeof path, "%s/%s", repo_path, REPO_API_FILE);
	FILE *f = fopen(path, "r");
	if (f) {
		int got = fgets(line, sizeof line, f) != NULL;
		fclose(f);
		if (got) {
			line[strcspn(line, "\r\n")] = '\0';
			*from = "the api file";
			if (api_client_from_addr(c, line, err, errcap) == 0)
				return 0;
		}
	}
	snprintf(path, sizeof path, "%s/config", repo_path);
	json_t *cfg = json_load_file(path, 0, &jerr);
	const char *addr = json_string_value(json_object_get(json_object_get(cfg, "Addresses"), "API"));
	*from = "the config";
	if (!addr) {
		ERR("no API address in %s", path);
		json_decref(cfg);
		return -1;
	}
	int rc = api_client_from_addr(c, addr, err, errcap);
	json_decref(cfg);
	return rc;
}

int api_client_escape(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *s; s++) {
		if (o + 4 > cap)
			return -1;
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Buffered reading from the socket. */
struct rd {
	int fd;
	char buf[65536];
	size_t off, len;
};

static int rd_fill(struct rd *r)
{
	if (r->off < r->len)
		return 1;
	ssize_t n;
	do
		n = recv(r->fd, r->buf, sizeof r->buf, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	r->off = 0;
	r->len = (size_t)n;
	return 1;
}

static int rd_line(struct rd *r, char *line, size_t cap)
{
	size_t n = 0;
	for (;;) {
		if (!rd_fill(r))
			return -1;
		char ch = r->buf[r->off++];
		if (ch == '\n') {
			if (n && line[n - 1] == '\r')
				n--;
			line[n] = '\0';
			return 0;
		}
		if (n + 1 < cap)
			line[n++] = ch;
	}
}

/* Copy exactly n body bytes (or until EOF if n == SIZE_MAX) to out. */
static int rd_copy(struct rd *r, size_t n, FILE *out)
{
	while (n) {
		if (!rd_fill(r))
			return n == SIZE_MAX ? 0 : -1;
		size_t take = r->len - r->off;
		if (take > n)
			take = n;
		if (out && fwrite(r->buf + r->off, 1, take, out) != take)
			return -1;
		r->off += take;
		if (n != SIZE_MAX)
			n -= take;
	}
	return 0;
}

/* One chunk of a chunked request body. */
static int send_chunk(int fd, const void *data, size_t n)
{
	char h[24];
	if (n == 0)
		return 0;
	snprintf(h, sizeof h, "%zx\r\n", n);
	return send_all(fd, h, strlen(h)) || send_all(fd, data, n) || send_all(fd, "\r\n", 2) ? -1 : 0;
}

#define BOUNDARY "cairn-cli-6f3b2a9d41e8"

/* The multipart body, as chunks. 0, or -1 with err set. */
static int send_parts(int fd, const api_upload *up, char *err, size_t errcap)
{
	char head[16384], esc[3 * 4096 + 1], buf[65536];
	for (size_t i = 0; i < up->nparts; i++) {
		const api_part *p = &up->parts[i];
		FILE *in = NULL;
		if (api_client_escape(p->filename, esc, sizeof esc) != 0) {
			snprintf(err, errcap, "file name too long: %.80s...", p->filename);
			return -1;
		}
		snprintf(head, sizeof head, "%s--" BOUNDARY "\r\nContent-Disposition: form-data; "
		         "name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", i ? "\r\n" : "",
		         esc, p->symlink ? "application/symlink"
		              : p->path || p->data ? "application/octet-stream" : "application/x-directory");
		if (send_chunk(fd, head, strlen(head)) != 0)
			return -1;
		if (p->symlink) {
			if (send_chunk(fd, p->symlink, strlen(p->symlink)) != 0)
				return -1;
			continue;
		}
		if (p->data) {
			if (send_chunk(fd, p->data, p->len) != 0)
				return -1;
			continue;
		}
		if (!p->path)
			continue;
		in = strcmp(p->path, "-") == 0 ? stdin : fopen(p->path, "rb");
		if (!in) {
			ERR("%s: %s", p->path, strerror(errno));
			return -2;
		}
		size_t n;
		int rc = 0;
		while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
			rc = send_chunk(fd, buf, n);
		if (rc == 0 && ferror(in)) {
			ERR("%s: read: %s", p->path, strerror(errno));
			rc = -2;
		}
		if (in != stdin)
			fclose(in);
		if (rc != 0)
			return rc;
	}
	static const char tail[] = "\r\n--" BOUNDARY "--\r\n";
	return send_chunk(fd, tail, strlen(tail)) || send_all(fd, "0\r\n\r\n", 5) ? -1 : 0;
}

/* One POST to path: a multipart upload, a raw body (JSON), or nothing. */
static int post(const api_client *c, const char *path, const api_upload *upload, const char *raw,
                size_t raw_len, FILE *out, FILE *err_body, int *status, char *err, size_t errcap)
{
	char head[8192];
	int fd = -1, rc = -1;
	struct rd *r = NULL;
	char reqlen[64], auth[sizeof c->token + 32] = "";
	snprintf(reqlen, sizeof reqlen, "Content-Length: %zu\r\n", raw ? raw_len : 0);
	if (c->token[0])
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", c->token);

	int hl = snprintf(head, sizeof head,
	                  "POST %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n%s%s%s\r\n",
	                  path, c->host, c->port, auth,
	                  upload ? "Transfer-Encoding: chunked\r\n"
	                           "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
	                         : reqlen,
	                  raw ? "Content-Type: application/json\r\n" : "");
	if (hl < 0 || (size_t)hl >= sizeof head) {
		ERR("request too long");
		goto done;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(c->port)};
	if (inet_pton(AF_INET, c->host, &sa.sin_addr) != 1) {
		ERR("API address %s is not an IPv4 address", c->host);
		goto done;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		ERR("cannot reach the daemon's API at %s:%u: %s", c->host, c->port, strerror(errno));
		goto done;
	}
	if (send_all(fd, head, (size_t)hl) != 0 || (raw && send_all(fd, raw, raw_len) != 0))
		goto io;
	if (upload) {
		int sp = send_parts(fd, upload, err, errcap);
		if (sp == -2)
			goto done; /* a local file could not be read: err says which */
		/* A send failure may be the daemon refusing early (413): read its answer. */
		(void)sp;
	}
	r = malloc(sizeof *r);
	if (!r)
		goto io;
	r->fd = fd;
	r->off = r->len = 0;
	char line[8192];
	if (rd_line(r, line, sizeof line) != 0 || sscanf(line, "HTTP/1.%*d %d", status) != 1)
		goto io;
	long long clen = -1;
	int chunked = 0;
	for (;;) {
		if (rd_line(r, line, sizeof line) != 0)
			goto io;
		if (!line[0])
			break;
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = atoll(line + 15);
		else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strcasestr(line, "chunked"))
			chunked = 1;
	}
	if (*status < 200 || *status > 299)
		out = err_body;
	if (chunked) {
		for (;;) {
			if (rd_line(r, line, sizeof line) != 0)
				goto io;
			size_t n = (size_t)strtoull(line, NULL, 16);
			if (n == 0)
				break;
			if (rd_copy(r, n, out) != 0 || rd_line(r, line, sizeof line) != 0)
				goto io;
		}
	} else if (rd_copy(r, clen >= 0 ? (size_t)clen : SIZE_MAX, out) != 0) {
		goto io;
	}
	rc = 0;
	goto done;
io:
	ERR("talking to the daemon's API at %s:%u: %s", c->host, c->port,
	    errno ? strerror(errno) : "malformed response");
done:
	free(r);
	if (fd >= 0)
		close(fd);
	return rc;
}

int api_client_post(const api_client *c, const char *cmd, const char *query,
                    const api_upload *upload, FILE *out, FILE *err_body, int *status,
                    char *err, size_t errcap)
{
	char path[4096 + 64];
	if ((size_t)snprintf(path, sizeof path, "/api/v0/%s%s%s", cmd, query ? "?" : "",
	                     query ? query : "") >= sizeof path) {
		ERR("request too long");
		return -1;
	}
	return post(c, path, upload, NULL, 0, out, err_body, status, err, errcap);
}

int api_client_post_json(const api_client *c, const char *path, const char *json, FILE *out,
                         int *status, char *err, size_t errcap)
{
	return post(c, path, NULL, json, strlen(json), out, out, status, err, errcap);
}
