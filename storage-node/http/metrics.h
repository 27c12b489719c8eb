/*
 * Prometheus metrics for the daemon, served as text at /metrics:
 *   cairn_http_requests_total{server,code}         counter
 *   cairn_http_response_bytes_total{server}        counter (Content-Length sent)
 *   cairn_http_errors_total{server}                counter (5xx replies, the node's faults)
 *   cairn_http_upstream_misses_total{server}       counter (content the peers lacked or
 *                                                  failed to give: 404/502/504)
 *   cairn_http_request_duration_seconds{server}    histogram
 *   cairn_blocks, cairn_repo_bytes, cairn_pins     gauges
 */
#ifndef CAIRN_METRICS_H
#define CAIRN_METRICS_H

#include <event2/buffer.h>
#include <stdint.h>

/* The daemon's two listeners: the "server" label, and the index of
 * everything kept per listener. */
enum listener_id { LISTENER_API, LISTENER_GATEWAY, LISTENER_COUNT };
#define METRICS_SERVERS LISTENER_COUNT
#define METRICS_CODES 600
#define METRICS_BUCKETS 11

/* Every event loop counts into the same struct: metrics_observe adds with
 * relaxed atomics (a request costs tens of microseconds; one uncontended
 * locked add is nothing beside it), and readers take a metrics_snapshot. */
typedef struct metrics {
	uint64_t requests[METRICS_SERVERS][METRICS_CODES];
	uint64_t bytes[METRICS_SERVERS];
	uint64_t errors[METRICS_SERVERS];
	uint64_t upstream[METRICS_SERVERS];
	uint64_t hist[METRICS_SERVERS][METRICS_BUCKETS]; /* cumulative at render time */
	uint64_t usec[METRICS_SERVERS];                   /* durations summed */
	uint64_t count[METRICS_SERVERS];
	uint64_t blocks, repo_bytes; /* as counted at start */
} metrics;

/* Count one request; safe from any thread. upstream: its reply is an
 * upstream miss (http_req_upstream), not an error of the node's. */
void metrics_observe(metrics *m, enum listener_id server, int code, int upstream, uint64_t bytes,
                     double seconds);

/* A copy of m taken while other threads may be counting into it. */
void metrics_snapshot(const metrics *m, metrics *out);

/* Requests counted so far, all listeners (safe from any thread). */
uint64_t metrics_requests(const metrics *m);

/* "api" or "gateway": the server label of a listener. */
const char *metrics_server_name(enum listener_id server);

/* Append the exposition text; pins is the current pin count. */
void metrics_render(const metrics *m, uint64_t pins, struct evbuffer *out);

#endif
