/* The node's HTTP/1.1 server (http/server.c) as a client drives it: the
 * input is whatever a client sends on one connection (requests, pipelined
 * or not, chunked or not, with Expect: 100-continue, truncated, garbage),
 * after which it half-closes. The handlers take every path the daemon's
 * do: "/r..." is refused at its head (its body never read), "/s..."
 * streams its body ("/sx..." gives up on it after a few bytes and
 * answers 400), "/c..." is answered in chunks, anything else is collected
 * and answered whole. Properties:
 *  - what the server sends starts with a status line;
 *  - every final status line it sends is a request it counted done, and
 *    every request a handler answered is among them;
 *  - it ends the connection (the client reads EOF) within a bounded
 *    number of loop turns, and then no request holds any of the shared
 *    budget;
 *  - freeing the server afterwards frees everything (ASan's leak check).
 */
#include "fuzz.h"
#include "server.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TURNS_MAX 20000

static struct {
	unsigned done, answered, chunked;
} count;

static void reply_text(struct http_req *r, int code, const char *text)
{
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, text, strlen(text));
	http_reply(r, code, NULL, b);
	evbuffer_free(b);
	count.answered++;
}

struct reader {
	struct http_req *r;
	size_t got;
	int give_up;
};

static int on_data(void *ctx, const uint8_t *p, size_t n)
{
	struct reader *rd = ctx;
	(void)p;
	rd->got += n;
	if (rd->give_up && rd->got > 8) {
		reply_text(rd->r, 400, "enough");
		return -1;
	}
	return 0;
}

static void on_end(void *ctx)
{
	struct reader *rd = ctx;
	reply_text(rd->r, 200, "streamed");
}

static void on_gone(void *ctx)
{
	(void)ctx; /* the reader is the request's: nothing to free */
}

static struct reader readers[64];
static unsigned nreaders;

static void on_head(struct http_req *r, void *arg)
{
	const char *path = http_req_path(r);
	(void)arg;
	if (path[0] == '/' && path[1] == 'r') {
		reply_text(r, 403, "refused");
	} else if (path[0] == '/' && path[1] == 's' && nreaders < 64) {
		struct reader *rd = &readers[nreaders++];
		*rd = (struct reader){r, 0, path[2] == 'x'};
		http_req_on_close(r, on_gone, rd);
		http_req_read_body(r, on_data, on_end, rd);
	}
}

static void on_request(struct http_req *r, void *arg)
{
	(void)arg;
	if (http_req_path(r)[0] == '/' && http_req_path(r)[1] == 'c') {
		struct evbuffer *b = evbuffer_new();
		http_reply_start(r, 200, NULL);
		evbuffer_add(b, "ab", 2);
		http_reply_chunk(r, b, NULL, NULL);
		evbuffer_add(b, "cd", 2);
		http_reply_chunk(r, b, NULL, NULL);
		http_reply_end(r);
		evbuffer_free(b);
		count.answered++;
		count.chunked++;
		return;
	}
	reply_text(r, 200, "whole");
}

static void on_done(struct http_req *r, void *arg)
{
	(void)r;
	(void)arg;
	count.done++;
}

/* Final status lines in out: "HTTP/1.1 NNN" other than 1xx (no body the
 * handlers send contains "HTTP/"). */
static unsigned finals(const char *out, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i + 12 <= n; i++)
		if (memcmp(out + i, "HTTP/1.1 ", 9) == 0 && out[i + 9] != '1')
			k++;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	static char out[1 << 20];
	uint64_t budget = 0;
	size_t sent = 0, got = 0;
	int sv[2], eof = 0, shut = 0;

	if (!base && !(base = event_base_new()))
		abort();
	http_server_opts o = {
		.name = "fuzz",
		.lim = {.max_connections = 4, .request_timeout = 20, .min_rate = 1, .idle_timeout = 60,
		        .max_head = 2048, .max_url = 512, .max_fields = 16, .max_body = 4096,
		        .max_upload = 1 << 16, .max_buffered = 1 << 20},
		.budget = &budget,
		.on_head = on_head,
		.on_request = on_request,
		.on_done = on_done,
	};
	struct http_server *s = http_server_new(base, NULL, 0, &o);
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	memset(&count, 0, sizeof count);
	nreaders = 0;
	http_server_adopt(s, sv[1]);

	for (int turn = 0; turn < TURNS_MAX && !eof; turn++) {
		if (sent < size) {
			ssize_t w = write(sv[0], data + sent, size - sent);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				sent = size; /* the server closed on us: nothing more goes */
		} else if (!shut) {
			shutdown(sv[0], SHUT_WR);
			shut = 1;
		}
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		for (;;) {
			char tmp[4096];
			ssize_t r = read(sv[0], tmp, sizeof tmp);
			if (r == 0) {
				eof = 1;
				break;
			}
			if (r < 0) {
				if (errno == ECONNRESET)
					eof = 1;
				break;
			}
			size_t keep = got + (size_t)r <= sizeof out ? (size_t)r : sizeof out - got;
			memcpy(out + got, tmp, keep);
			got += keep;
		}
	}
	FUZZ_CHECK(eof);
	/* the connection is over: let the loop free what it defers */
	event_base_loop(base, EVLOOP_NONBLOCK);
	FUZZ_CHECK(got == 0 || (got >= 9 && memcmp(out, "HTTP/1.1 ", 9) == 0));
	FUZZ_CHECK(finals(out, got) == count.done);
	FUZZ_CHECK(count.answered <= count.done);
	FUZZ_CHECK(budget == 0);
	close(sv[0]);
	http_server_free(s);
	event_base_loop(base, EVLOOP_NONBLOCK);
	return 0;
}
