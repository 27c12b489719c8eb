/* The outgoing client (http/client.c) against the node's own HTTP server
 * (http/server.c) on loopback, both on one event loop: replies whole and
 * streamed, request bodies and headers as sent, a refused connection, a
 * server that never answers (the timeout), a reader that stops, bad URLs
 * refused before anything is dialled, and URLs redacted for logs. TLS is
 * tested against nginx in test/daemon/test-tls.sh. */
#include "testutil.h"
#include "cairn/error.h"
#include "cairn/version.h"
#include "client.h"
#include "server.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <sys/socket.h>
#include <unistd.h>

static struct event_base *base;
static struct http_server *srv;
static unsigned short port;
static uint64_t budget;
static struct http_req *held; /* /never: not answered */

static void on_request(struct http_req *r, void *arg)
{
	(void)arg;
	const char *path = http_req_path(r);
	struct evbuffer *b = evbuffer_new();
	if (strcmp(path, "/never") == 0) {
		held = r;
		evbuffer_free(b);
		return;
	}
	if (strcmp(path, "/echo") == 0) {
		const char *x = evhttp_find_header(http_req_in(r), "X-Test");
		const char *ua = evhttp_find_header(http_req_in(r), "User-Agent");
		evbuffer_add_printf(b, "%s %s %s ", http_req_method_name(r), x ? x : "-", ua ? ua : "-");
		evbuffer_add_buffer(b, http_req_body(r));
		http_reply(r, 200, NULL, b);
	} else if (strcmp(path, "/big") == 0) {
		for (int i = 0; i < 100000; i++)
			evbuffer_add(b, "0123456789", 10);
		http_reply(r, 200, NULL, b);
	} else {
		evbuffer_add(b, "nothing here", 12);
		http_reply(r, 404, NULL, b);
	}
	evbuffer_free(b);
}

static void on_head(struct http_req *r, void *arg)
{
	(void)r;
	(void)arg;
}

struct outcome {
	int done;
	http_result r;
	char body[64];
	size_t streamed;
	unsigned pieces;
	int stop_after; /* on_data: stop after this many pieces (0: never) */
};

static void on_done(void *arg, const http_result *res)
{
	struct outcome *o = arg;
	o->done++;
	o->r = *res;
	o->r.why = NULL;
	o->r.body = NULL;
	if (res->body) {
		size_t n = evbuffer_get_length(res->body);
		if (n >= sizeof o->body)
			n = sizeof o->body - 1;
		evbuffer_copyout(res->body, o->body, n);
		o->body[n] = '\0';
		o->streamed = evbuffer_get_length(res->body);
	}
	event_base_loopbreak(base);
}

static int on_data(void *arg, long status, const uint8_t *p, size_t n)
{
	struct outcome *o = arg;
	(void)p;
	assert_int_equal(status, 200);
	o->streamed += n;
	o->pieces++;
	return o->stop_after && o->pieces >= (unsigned)o->stop_after ? -1 : 0;
}

static int freed_in_done;

static void free_client(void *arg, const http_result *res)
{
	assert_int_equal(res->status, 200);
	http_client_free(arg);
	freed_in_done++;
	event_base_loopbreak(base);
}

static void run(struct http_client *c, http_call_opts *co, struct outcome *o)
{
	char err[CAIRN_ERR_MAX];
	co->on_done = on_done;
	co->arg = o;
	assert_non_null(http_call_start(c, co, err));
	assert_int_equal(o->done, 0); /* never from inside the start */
	struct timeval limit = {20, 0};
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	assert_int_equal(o->done, 1);
}

static void setup_server(void)
{
	http_server_opts so = {
		.name = "test",
		.lim = {.max_connections = 64, .request_timeout = 20, .min_rate = 1, .idle_timeout = 60,
		        .max_head = 8192, .max_url = 4096, .max_fields = 32, .max_body = 1 << 20,
		        .max_buffered = 1 << 24},
		.budget = &budget,
		.on_head = on_head,
		.on_request = on_request,
	};
	base = event_base_new();
	assert_non_null(base);
	srv = http_server_new(base, "127.0.0.1", 0, &so);
	assert_non_null(srv);
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	assert_int_equal(getsockname(http_server_fd(srv), (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
}

static void calls(void **state)
{
	(void)state;
	char err[CAIRN_ERR_MAX], url[128];
	setup_server();
	struct http_client *c = http_client_new(base, NULL, err);
	assert_non_null(c);

	/* a POST with a body and a header of the caller's, collected */
	struct outcome o = {0};
	const char *hdr[] = {"X-Test: yes", NULL};
	snprintf(url, sizeof url, "http://127.0.0.1:%u/echo", port);
	http_call_opts co = {.method = "POST", .url = url, .headers = hdr, .body = "payload", .body_len = 7};
	run(c, &co, &o);
	assert_int_equal(o.r.error, HTTP_CALL_OK);
	assert_int_equal(o.r.status, 200);
	assert_int_equal(o.r.http_version, 1);
	assert_string_equal(o.body, "POST yes cairn/" CAIRN_VERSION " payload");

	/* a 404 is a reply like any other */
	memset(&o, 0, sizeof o);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/nothing", port);
	co = (http_call_opts){.method = "GET", .url = url};
	run(c, &co, &o);
	assert_int_equal(o.r.error, HTTP_CALL_OK);
	assert_int_equal(o.r.status, 404);
	assert_string_equal(o.body, "nothing here");

	/* a reply streamed in pieces, the same connection reused */
	memset(&o, 0, sizeof o);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/big", port);
	co = (http_call_opts){.method = "GET", .url = url, .on_data = on_data};
	run(c, &co, &o);
	assert_int_equal(o.r.error, HTTP_CALL_OK);
	assert_int_equal(o.streamed, 1000000);
	assert_true(o.pieces > 1);

	/* a reader that stops */
	memset(&o, 0, sizeof o);
	o.stop_after = 1;
	co = (http_call_opts){.method = "GET", .url = url, .on_data = on_data};
	run(c, &co, &o);
	assert_int_equal(o.r.error, HTTP_CALL_STOPPED);

	/* nobody answers in time */
	memset(&o, 0, sizeof o);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/never", port);
	co = (http_call_opts){.method = "GET", .url = url, .timeout_ms = 300};
	run(c, &co, &o);
	assert_int_equal(o.r.error, HTTP_CALL_TIMEOUT);
	assert_int_equal(o.r.status, 0);
	assert_non_null(held);
	http_reply(held, 204, NULL, NULL); /* (into a connection gone) */

	/* nobody listens */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd); /* a port that was free a moment ago, and nobody listens on */
	memset(&o, 0, sizeof o);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(sa.sin_port));
	co = (http_call_opts){.method = "GET", .url = url};
	run(c, &co, &o);
	assert_int_equal(o.r.error, HTTP_CALL_CONNECT);

	/* no scheme we dial: refused at once, nothing to wait for */
	co = (http_call_opts){.method = "GET", .url = "ftp://127.0.0.1/x", .on_done = on_done, .arg = &o};
	assert_null(http_call_start(c, &co, err));
	assert_non_null(strstr(err, "not an http:// or https:// URL"));
	co.url = "http:///nohost";
	assert_null(http_call_start(c, &co, err));
	co.url = "http://127.0.0.1/a b";
	assert_null(http_call_start(c, &co, err));

	/* a call cancelled before it is done: its on_done never runs */
	memset(&o, 0, sizeof o);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/never", port);
	co = (http_call_opts){.method = "GET", .url = url, .on_done = on_done, .arg = &o};
	struct http_call *k = http_call_start(c, &co, err);
	assert_non_null(k);
	struct timeval soon = {0, 200000};
	event_base_loopexit(base, &soon);
	event_base_dispatch(base);
	http_call_cancel(k);
	event_base_loopexit(base, &soon);
	event_base_dispatch(base);
	assert_int_equal(o.done, 0);

	/* the client freed from a call's on_done (its owner is done with it):
	 * the call ends first, then the client goes (ASan checks the rest) */
	struct http_client *c2 = http_client_new(base, NULL, err);
	assert_non_null(c2);
	memset(&o, 0, sizeof o);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/echo", port);
	co = (http_call_opts){.method = "GET", .url = url, .on_done = free_client, .arg = c2};
	assert_non_null(http_call_start(c2, &co, err));
	freed_in_done = 0;
	struct timeval limit = {10, 0};
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	assert_int_equal(freed_in_done, 1);

	/* an unreadable CA file is refused when the client is made */
	http_client_opts bad = {.ca_file = "/nonexistent/ca.pem"};
	assert_null(http_client_new(base, &bad, err));
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));

	http_client_free(c);
	http_server_free(srv);
	event_base_free(base);
}

static void redaction(void **state)
{
	char out[256];
	(void)state;
	http_url_redact("https://mainnet.infura.io/v3/0123456789abcdef", out, sizeof out);
	assert_string_equal(out, "https://mainnet.infura.io/…");
	http_url_redact("https://user:secret@rpc.example:8545/", out, sizeof out);
	assert_string_equal(out, "https://rpc.example:8545");
	http_url_redact("http://127.0.0.1:8545", out, sizeof out);
	assert_string_equal(out, "http://127.0.0.1:8545");
	http_url_redact("http://h?key=s3cret", out, sizeof out);
	assert_string_equal(out, "http://h/…");
	/* another scheme: named (the message says what was wrong), the rest
	 * hidden (it may hold a key) */
	http_url_redact("ftp://user:key@h/x", out, sizeof out);
	assert_string_equal(out, "ftp://…");
	http_url_redact("nothttp", out, sizeof out);
	assert_string_equal(out, "nothttp");
	assert_int_equal(http_url_ok("https://a"), 1);
	assert_int_equal(http_url_ok("HTTP://a:1/x"), 1);
	assert_int_equal(http_url_ok("https://"), 0);
	assert_int_equal(http_url_ok("file:///etc/passwd"), 0);
	assert_int_equal(http_url_ok("http://a/\n"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calls),
		cmocka_unit_test(redaction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
