#include "metrics.h"

#include <inttypes.h>

static const char *server_names[METRICS_SERVERS] = {[LISTENER_API] = "api", [LISTENER_GATEWAY] = "gateway"};

const char *metrics_server_name(enum listener_id server)
{
	return server < METRICS_SERVERS ? server_names[server] : "?";
}
#define ADD(counter, v) __atomic_fetch_add(&(counter), (v), __ATOMIC_RELAXED)

static const double bounds[METRICS_BUCKETS - 1] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   1, 5, 30};

void metrics_observe(metrics *m, enum listener_id server, int code, int upstream, uint64_t bytes,
                     double seconds)
{
	if ((unsigned)server >= METRICS_SERVERS)
		return;
	if (code >= 0 && code < METRICS_CODES)
		ADD(m->requests[server][code], 1);
	if (upstream)
		ADD(m->upstream[server], 1);
	else if (code >= 500)
		ADD(m->errors[server], 1);
	ADD(m->bytes[server], bytes);
	int b = 0;
	while (b < METRICS_BUCKETS - 1 && seconds > bounds[b])
		b++;
	ADD(m->hist[server][b], 1);
	ADD(m->usec[server], seconds > 0 ? (uint64_t)(seconds * 1e6 + 0.5) : 0);
	ADD(m->count[server], 1);
}

void metrics_snapshot(const metrics *m, metrics *out)
{
	const uint64_t *src = (const uint64_t *)m;
	uint64_t *dst = (uint64_t *)out;
	/* the struct is nothing but uint64_t counters */
	_Static_assert(sizeof(metrics) % sizeof(uint64_t) == 0, "metrics: counters only");
	for (size_t i = 0; i < sizeof(metrics) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

uint64_t metrics_requests(const metrics *m)
{
	uint64_t n = 0;
	for (int s = 0; s < METRICS_SERVERS; s++)
		n += __atomic_load_n(&m->count[s], __ATOMIC_RELAXED);
	return n;
}

void metrics_render(const metrics *m, uint64_t pins, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP cairn_http_requests_total HTTP requests answered, by status.\n"
	                         "# TYPE cairn_http_requests_total counter\n");
	for (int s = 0; s < METRICS_SERVERS; s++)
		for (int c = 0; c < METRICS_CODES; c++)
			if (m->requests[s][c])
				evbuffer_add_printf(out, "cairn_http_requests_total{server=\"%s\",code=\"%d\"} %" PRIu64 "\n",
				                    server_names[s], c, m->requests[s][c]);
	evbuffer_add_printf(out, "# HELP cairn_http_response_bytes_total Response body bytes sent.\n"
	                         "# TYPE cairn_http_response_bytes_total counter\n");
	for (int s = 0; s < METRICS_SERVERS; s++)
		evbuffer_add_printf(out, "cairn_http_response_bytes_total{server=\"%s\"} %" PRIu64 "\n",
		                    server_names[s], m->bytes[s]);
	evbuffer_add_printf(out, "# HELP cairn_http_upstream_misses_total Requests for content the peers lacked or failed to give (404, 502, 504): not the node's faults.\n"
	                         "# TYPE cairn_http_upstream_misses_total counter\n");
	for (int s = 0; s < METRICS_SERVERS; s++)
		evbuffer_add_printf(out, "cairn_http_upstream_misses_total{server=\"%s\"} %" PRIu64 "\n",
		                    server_names[s], m->upstream[s]);
	evbuffer_add_printf(out, "# HELP cairn_http_errors_total Requests answered with a server error (5xx) of the node's own.\n"
	                         "# TYPE cairn_http_errors_total counter\n");
	for (int s = 0; s < METRICS_SERVERS; s++)
		evbuffer_add_printf(out, "cairn_http_errors_total{server=\"%s\"} %" PRIu64 "\n",
		                    server_names[s], m->errors[s]);
	evbuffer_add_printf(out, "# HELP cairn_http_request_duration_seconds Time from request to reply sent.\n"
	                         "# TYPE cairn_http_request_duration_seconds histogram\n");
	for (int s = 0; s < METRICS_SERVERS; s++) {
		uint64_t cum = 0;
		for (int b = 0; b < METRICS_BUCKETS; b++) {
			cum += m->hist[s][b];
			if (b < METRICS_BUCKETS - 1)
				evbuffer_add_printf(out, "cairn_http_request_duration_seconds_bucket{server=\"%s\",le=\"%g\"} %" PRIu64 "\n",
				                    server_names[s], bounds[b], cum);
			else
				evbuffer_add_printf(out, "cairn_http_request_duration_seconds_bucket{server=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
				                    server_names[s], cum);
		}
		evbuffer_add_printf(out, "cairn_http_request_duration_seconds_sum{server=\"%s\"} %.6f\n"
		                         "cairn_http_request_duration_seconds_count{server=\"%s\"} %" PRIu64 "\n",
		                    server_names[s], (double)m->usec[s] / 1e6, server_names[s], m->count[s]);
	}
	evbuffer_add_printf(out, "# HELP cairn_blocks Blocks in the blockstore.\n# TYPE cairn_blocks gauge\n"
	                         "cairn_blocks %" PRIu64 "\n"
	                         "# HELP cairn_repo_bytes Bytes the blockstore occupies on disk.\n# TYPE cairn_repo_bytes gauge\n"
	                         "cairn_repo_bytes %" PRIu64 "\n"
	                         "# HELP cairn_pins Pins (recursive and direct).\n# TYPE cairn_pins gauge\n"
	                         "cairn_pins %" PRIu64 "\n",
	                    m->blocks, m->repo_bytes, pins);
}
