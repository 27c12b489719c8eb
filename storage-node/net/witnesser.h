/*
 * The log asking witnesses for cosignatures (c2sp.org/tlog-witness), from
 * the daemon's loop: `cairn daemon --witness URL,VKEY` (repeatable), URL
 * being a witness's submission prefix (a cairn witness's is
 * http://HOST:PORT/log/witness) and VKEY its cosignature verifier key
 * (type 0x04). Every WITNESSER_TICK_MS the newest checkpoint is looked at;
 * each witness whose valid cosignature it does not carry yet is sent
 *
 *   POST URL/add-checkpoint    old <the size it last cosigned>\n
 *                              <consistency proof from there, base64 lines>\n
 *                              \n
 *                              <the checkpoint's note>
 *
 * starting from old 0 and learning the size it holds from its 409. A
 * cosignature that verifies against VKEY is added to the stored note
 * (checkpoint_cosign), so proofs, bundles and /log/checkpoint carry it. A
 * witness that cannot be reached or refuses is asked again after 1 s,
 * doubling to 30 s; it is logged once per spell. Nothing here blocks the
 * API: the anchorer (anchorer.h) only looks at how many cosignatures a
 * checkpoint has before it puts it on chain (--witness-quorum K).
 *
 * In a cluster (a PostgreSQL index), every node may be given the same
 * --witness options; one at a time asks, the holder of the lease
 * PGINDEX_LOCK_WITNESSER, so a witness hears from the cluster once. The
 * others only count the cosignatures for /metrics, and one of them takes
 * over within a second or two when that node ends.
 */
#ifndef CAIRN_WITNESSER_H
#define CAIRN_WITNESSER_H

#include "repo.h"

#include <event2/event.h>
#include <stddef.h>

struct evbuffer;

#define WITNESSER_MAX 16
#define WITNESSER_TICK_MS 500
#define WITNESSER_BACKOFF_MAX_SECS 30
#define WITNESSER_TIMEOUT_SECS 10

typedef struct witnesser witnesser;

/* Witnesses from specs[0..n) ("URL,VKEY"), quorum K (1..n), trusting
 * ca_file (or NULL) beside the system's CAs for https://. NULL with err
 * (CAIRN_ERR_MAX) saying which spec is wrong. The caller keeps base and r. */
witnesser *witnesser_new(struct event_base *base, repo *r, const char *const *specs, size_t n,
                         unsigned quorum, const char *ca_file, char *err);
void witnesser_free(witnesser *w);

/* How many of the configured witnesses' valid cosignatures note carries. */
unsigned witnesser_count(const witnesser *w, const char *note, size_t len);
unsigned witnesser_quorum(const witnesser *w);

/* Prometheus lines: each witness's requests by result, and the
 * cosignatures the newest checkpoint has. */
void witnesser_metrics(const witnesser *w, struct evbuffer *b);

#endif
