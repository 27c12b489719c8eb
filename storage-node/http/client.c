#include "client.h"

#include "cairn/error.h"
#include "cairn/version.h"

#include <curl/curl.h>
#include <errno.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct http_client {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;         /* curl's one timeout */
	char *ca_file;
	unsigned timeout_ms;
	struct http_call *calls;     /* in flight */
	struct sock *socks;          /* what curl watches */
	int busy;                    /* inside check_done: a free waits for its end */
	int free_pending;
};

static void client_destroy(struct http_client *c);

struct http_call {
	struct http_client *c;
	CURL *easy;
	struct curl_slist *headers;
	char *body;                  /* the request body, copied */
	struct evbuffer *reply;      /* collected, when no on_data */
	http_call_opts o;
	char url_shown[256];         /* redacted, for messages */
	char errbuf[CURL_ERROR_SIZE];
	int stopped;                 /* on_data said -1 */
	int paused;
	int too_large;
	struct http_call *prev, *next;
};

/* A socket curl waits on, and the loop's event for it. */
struct sock {
	struct http_client *c;
	struct event *ev;
	struct sock *prev, *next;
};

static void sock_free(struct sock *sk)
{
	struct http_client *c = sk->c;
	if (sk->prev)
		sk->prev->next = sk->next;
	else
		c->socks = sk->next;
	if (sk->next)
		sk->next->prev = sk->prev;
	if (sk->ev)
		event_free(sk->ev);
	free(sk);
}

/* ---- URLs ---- */

static size_t scheme_len(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return 8;
	return 0;
}

int http_url_ok(const char *url)
{
	size_t s = url ? scheme_len(url) : 0;
	if (!s)
		return 0;
	size_t h = strcspn(url + s, "/?#");
	if (h == 0)
		return 0;
	for (size_t i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return 0; /* no spaces or controls in a URL we dial */
	return 1;
}

void http_url_redact(const char *url, char *out, size_t cap)
{
	size_t s = url ? scheme_len(url) : 0;
	if (!cap)
		return;
	if (!s) {
		/* another scheme: named, its rest hidden (it may hold a key);
		 * no scheme at all: as given, cut short */
		const char *sep = url ? strstr(url, "://") : NULL;
		if (sep && sep - url < 16)
			snprintf(out, cap, "%.*s://…", (int)(sep - url), url);
		else
			snprintf(out, cap, "%.60s", url ? url : "");
		return;
	}
	const char *host = url + s;
	size_t hl = strcspn(host, "/?#");
	const char *at = memchr(host, '@', hl); /* user:password@ goes too */
	if (at) {
		hl -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	int more = host[hl] != '\0' && !(host[hl] == '/' && host[hl + 1] == '\0');
	snprintf(out, cap, "%.*s%.*s%s", (int)s, url, (int)hl, host, more ? "/…" : "");
}

/* ---- the loop's side of curl ---- */

static void check_done(struct http_client *c);

static void on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct sock *sk = arg;
	struct http_client *c = sk->c;
	int running, flags = 0;
	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	check_done(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running;
	(void)fd;
	(void)what;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

/* curl: watch s for what (or stop watching it). */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct sock *sk = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			sock_free(sk);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	short ev = (short)(EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	                   ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
	if (!sk) {
		if (!(sk = calloc(1, sizeof *sk)))
			return -1;
		sk->c = c;
		sk->next = c->socks;
		if (c->socks)
			c->socks->prev = sk;
		c->socks = sk;
		curl_multi_assign(c->multi, s, sk);
	} else if (sk->ev) {
		event_free(sk->ev);
	}
	sk->ev = event_new(c->base, s, ev, on_socket_ready, sk);
	if (!sk->ev || event_add(sk->ev, NULL) != 0)
		return -1;
	return 0;
}

/* curl: call back in timeout_ms (-1: no timeout wanted). */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	return evtimer_add(c->timer, &tv) == 0 ? 0 : -1;
}

/* ---- calls ---- */

static void call_free(struct http_call *k)
{
	struct http_client *c = k->c;
	if (k->easy) {
		curl_multi_remove_handle(c->multi, k->easy);
		curl_easy_cleanup(k->easy);
	}
	if (k->prev)
		k->prev->next = k->next;
	else if (c->calls == k)
		c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
	curl_slist_free_all(k->headers);
	if (k->reply)
		evbuffer_free(k->reply);
	free(k->body);
	free(k);
}

enum http_call_error http_curl_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK: return HTTP_CALL_OK;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
		return HTTP_CALL_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return HTTP_CALL_TLS;
	case CURLE_OPERATION_TIMEDOUT: return HTTP_CALL_TIMEOUT;
	case CURLE_WRITE_ERROR: return HTTP_CALL_STOPPED; /* on_data said stop (see done) */
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return HTTP_CALL_PROTOCOL;
	default: return HTTP_CALL_FAILED;
	}
}

/* Finished transfers: their on_done, then they go. */
static void check_done(struct http_client *c)
{
	CURLMsg *m;
	int left;
	c->busy++;
	while (!c->free_pending && (m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct http_call *k = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&k);
		if (!k)
			continue;
		CURLcode rc = m->data.result;
		http_result r = {0};
		long ver = 0;
		char why[CURL_ERROR_SIZE + 300];
		curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &r.status);
		curl_easy_getinfo(k->easy, CURLINFO_HTTP_VERSION, &ver);
		r.http_version = ver == CURL_HTTP_VERSION_2_0 ? 2 : ver ? 1 : 0;
		curl_easy_getinfo(k->easy, CURLINFO_NUM_CONNECTS, &r.connects);
		r.error = http_curl_error(rc);
		if (rc == CURLE_WRITE_ERROR && k->too_large)
			r.error = HTTP_CALL_TOO_LARGE;
		else if (rc == CURLE_WRITE_ERROR && !k->stopped)
			r.error = HTTP_CALL_FAILED; /* out of memory collecting the body */
		if (r.error != HTTP_CALL_OK) {
			/* curl's message may name the URL: it is given as shown */
			snprintf(why, sizeof why, "%s: %s", k->url_shown,
			         r.error == HTTP_CALL_TOO_LARGE ? "reply body too large"
			         : k->errbuf[0] ? k->errbuf : curl_easy_strerror(rc));
			r.why = why;
		}
		r.body = k->reply;
		if (k->o.on_done)
			k->o.on_done(k->o.arg, &r);
		call_free(k);
	}
	/* an on_done that freed the client (its owner is done with it) */
	if (--c->busy == 0 && c->free_pending)
		client_destroy(c);
}

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_call *k = arg;
	size_t len = size * n;
	if (k->o.on_data) {
		long status = 0;
		curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
		if (k->o.on_data(k->o.arg, status, (const uint8_t *)p, len) != 0) {
			k->stopped = 1;
			return 0; /* CURLE_WRITE_ERROR */
		}
		return len;
	}
	if (evbuffer_get_length(k->reply) + len > HTTP_CALL_BODY_MAX) {
		k->too_large = 1;
		return 0;
	}
	return evbuffer_add(k->reply, p, len) == 0 ? len : 0;
}

void http_easy_setup(CURL *e, const char *ca_file, unsigned timeout_ms, char *errbuf)
{
	if (!timeout_ms)
		timeout_ms = HTTP_CALL_TIMEOUT_MS;
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cairn/" CAIRN_VERSION);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
	if (ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
		curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, ca_file);
	}
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)(timeout_ms < HTTP_CONNECT_TIMEOUT_MS ? timeout_ms : HTTP_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* what this curl can decode */
}

struct http_call *http_call_start(struct http_client *c, const http_call_opts *o, char *err)
{
	struct http_call *k;
	if (!http_url_ok(o->url)) {
		char shown[256];
		http_url_redact(o->url ? o->url : "", shown, sizeof shown);
		snprintf(err, CAIRN_ERR_MAX, "'%s' is not an http:// or https:// URL", shown);
		return NULL;
	}
	if (!(k = calloc(1, sizeof *k)))
		goto oom;
	k->c = c;
	k->o = *o;
	k->o.url = NULL; /* curl keeps its own copy */
	k->o.headers = NULL;
	k->o.body = NULL;
	http_url_redact(o->url, k->url_shown, sizeof k->url_shown);
	if (!(k->easy = curl_easy_init()) || (!o->on_data && !(k->reply = evbuffer_new())))
		goto oom;
	for (const char *const *h = o->headers; h && *h; h++) {
		struct curl_slist *l = curl_slist_append(k->headers, *h);
		if (!l)
			goto oom;
		k->headers = l;
	}
	if (o->body && o->body_len) {
		if (!(k->body = malloc(o->body_len)))
			goto oom;
		memcpy(k->body, o->body, o->body_len);
	}
	CURL *e = k->easy;
	http_easy_setup(e, c->ca_file, o->timeout_ms ? o->timeout_ms : c->timeout_ms, k->errbuf);
	if (o->stall_secs) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 0L);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->stall_secs * 1000);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)o->stall_secs);
	}
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)k);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L); /* wait to share an HTTP/2 connection */
	if (o->read_buffer)
		curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)(o->read_buffer < (512u << 10) ? o->read_buffer : 512u << 10));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	if (k->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, k->headers);
	const char *method = o->method ? o->method : "GET";
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, k->body ? k->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(k->body ? o->body_len : 0));
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		if (k->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, k->body);
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
		}
	}
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		goto oom;
	k->next = c->calls;
	if (c->calls)
		c->calls->prev = k;
	c->calls = k;
	return k;
oom:
	if (k) {
		k->c = c;
		if (k->easy) {
			curl_easy_cleanup(k->easy);
			k->easy = NULL;
		}
		curl_slist_free_all(k->headers);
		if (k->reply)
			evbuffer_free(k->reply);
		free(k->body);
		free(k);
	}
	snprintf(err, CAIRN_ERR_MAX, "out of memory");
	return NULL;
}

void http_call_pause(struct http_call *k, int paused)
{
	if (k && k->paused != paused) {
		k->paused = paused;
		curl_easy_pause(k->easy, paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
	}
}

void http_call_cancel(struct http_call *k)
{
	if (k)
		call_free(k);
}

/* ---- the client ---- */

struct http_client *http_client_new(struct event_base *base, const http_client_opts *o, char *err)
{
	struct http_client *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, CAIRN_ERR_MAX, "out of memory");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, CAIRN_ERR_MAX, "libcurl could not start");
		free(c);
		return NULL;
	}
	c->base = base;
	c->timeout_ms = o && o->timeout_ms ? o->timeout_ms : HTTP_CALL_TIMEOUT_MS;
	if (o && o->ca_file) {
		if (access(o->ca_file, R_OK) != 0) {
			snprintf(err, CAIRN_ERR_MAX, "CA file %s: %s", o->ca_file, strerror(errno));
			goto fail;
		}
		if (!(c->ca_file = strdup(o->ca_file)))
			goto oom;
	}
	if (!(c->multi = curl_multi_init()) || !(c->timer = evtimer_new(base, on_timeout, c)))
		goto oom;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return c;
oom:
	snprintf(err, CAIRN_ERR_MAX, "out of memory");
fail:
	http_client_free(c);
	return NULL;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->busy) { /* from an on_done: freed once check_done is out of it */
		c->free_pending = 1;
		return;
	}
	client_destroy(c);
}

static void client_destroy(struct http_client *c)
{
	while (c->calls)
		call_free(c->calls);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	while (c->socks) /* what the cleanup did not say it stopped watching */
		sock_free(c->socks);
	if (c->timer)
		event_free(c->timer);
	free(c->ca_file);
	free(c);
	curl_global_cleanup();
}
