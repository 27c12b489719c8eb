/* The Pinning Service's requests whose DAG is missing blocks: fetched
 * from their origins, then the node's peers, then pinned (pinsvc.c). */
#include "pinsvc_job.h"
#include "pinsvc.h"
#include "log.h"

#include "dag.h"
#include "gc.h"
#include "peers.h"
#include "pgindex.h"
#include "pinstore.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct settle_walk {
	blockstore *bs;
	int touch;     /* mark each block met (a GC grace window: gc.h) */
	uint64_t size;
	char *err;
};

static int count_block(void *ctx, const cairn_cid *cid, const uint8_t *data, size_t len)
{
	struct settle_walk *s = ctx;
	(void)data;
	s->size += len;
	return s->touch ? dag_mark(s->bs, cid, s->err) : 0;
}

/* Pin the DAG if this node has all of it: the request's status and info.
 * With fetch set, a DAG with blocks missing is left "queued" (and 1 is
 * returned) for a fetch job to complete; otherwise it is "failed". 0, 1,
 * or -1 with err set. */
int pinsvc_settle(node *n, const cairn_cid *cid, int fetch, const char *why_not,
                  pinreq_status *status, json_t *info, char *err)
{
	cairn_cid where;
	char text[CAIRN_CID_TEXT_MAX], num[32];
	struct settle_walk s = {&n->repo.bs, gc_grace_seconds(&n->repo) > 0, 0, err};
	int w = dag_walk(&n->repo.bs, cid, DAG_RECURSIVE, count_block, &s, &where, NULL, err);
	uint64_t size = s.size;
	if (w < 0)
		return -1;
	if (w == 0) {
		*status = PINREQ_PINNED;
		snprintf(num, sizeof num, "%llu", (unsigned long long)size);
		json_object_set_new(info, "dag_size", json_string(num));
		return 0;
	}
	if (w == DAG_MISSING && fetch) {
		*status = PINREQ_QUEUED;
		json_object_del(info, "status_details");
		return 1;
	}
	*status = PINREQ_FAILED;
	cairn_cid_to_string(&where, text, sizeof text, NULL);
	char details[1400];
	if (w == DAG_MISSING)
		snprintf(details, sizeof details, "block %s is not on this node, %s", text,
		         why_not ? why_not : "and it has no peers to fetch it from");
	else
		snprintf(details, sizeof details, "block %s does not decode", text);
	json_object_set_new(info, "status_details", json_string(details));
	return 0;
}

/* ---- fetching a queued request's DAG ---- */

size_t pinsvc_origin_count(json_t *pin)
{
	size_t i, count = 0;
	json_t *o;
	char url[PEER_URL_MAX];
	json_array_foreach(json_object_get(pin, "origins"), i, o) {
		const char *a = json_string_value(o);
		count += a && peers_multiaddr_url(a, url, sizeof url) == 0;
	}
	return count;
}

struct job {
	node *n;
	struct job *next; /* in n->pin_jobs */
	unsigned session; /* the claims' session that holds its claim */
	uint8_t id[PINREQ_ID_LEN];
	cairn_cid cid;
	peers *origins; /* the request's origins, as peers; NULL if none */
	int stage;      /* 0: from the origins, 1: from the node's peers, 2: no one left */
	char last[1024];
};

static void job_step(struct job *j);

/* Record the request's new status (unless it was deleted meanwhile). */
static void job_record(struct job *j, pinreq_status st, json_t *info_update)
{
	pinreq r;
	char err[CAIRN_ERR_MAX];
	if (pinreq_get(&j->n->repo, j->id, &r, err) != 0)
		return;
	json_t *info = json_object_get(r.doc, "info");
	if (!json_is_object(info)) {
		info = json_object();
		json_object_set_new(r.doc, "info", info);
	}
	if (info_update)
		json_object_update(info, info_update);
	if (st != PINREQ_FAILED)
		json_object_del(info, "status_details");
	if (pinreq_update(&j->n->repo, j->id, st, r.doc, err) < 0)
		log_error("pin request: %s", err);
	json_decref(r.doc);
}

/* The requests this node works on (loop 0's). */
struct pinsvc_jobs {
	struct job *head;
	pgindex_claims *claims; /* NULL: a single node */
	struct event *sweep;
};

/* A request's claim: the random half of its id (the other is its
 * creation time, which requests made in one millisecond on two nodes
 * might share). */
static int64_t claim_key(const uint8_t id[PINREQ_ID_LEN])
{
	return (int64_t)repo_get_be64(id + 8);
}

static void job_end(struct job *j)
{
	struct pinsvc_jobs *js = j->n->pin_jobs;
	if (js) {
		for (struct job **k = &js->head; *k; k = &(*k)->next)
			if (*k == j) {
				*k = j->next;
				break;
			}
		if (js->claims)
			pgindex_claims_drop(js->claims, claim_key(j->id), j->session);
	}
	peers_free(j->origins);
	free(j);
}

static void job_fetched(void *ctx, int outcome, const char *msg)
{
	struct job *j = ctx;
	if (outcome == FETCH_OK) {
		/* the rounds are spent, or the DAG is whole: settle() tells */
		j->stage = 2;
	} else {
		snprintf(j->last, sizeof j->last, "%s", msg);
		j->stage++;
	}
	job_step(j);
}

static void job_step(struct job *j)
{
	char err[CAIRN_ERR_MAX];
	pinreq_status st;
	json_t *info = json_object();
	if (!info)
		goto done;
	int rc = pinsvc_settle(j->n, &j->cid, 1, NULL, &st, info, err);
	if (rc == 1) {
		peers *from = j->stage == 0 ? j->origins : j->stage == 1 ? j->n->peers : NULL;
		if (j->stage == 0 && !from)
			j->stage = 1, from = j->n->peers;
		if (from && peers_complete(from, NULL, &j->cid, "", FETCH_SCOPE_ALL, PEERS_NEED_DAG,
		                           job_fetched, j) == 1) {
			json_decref(info);
			return;
		}
		char why[1100];
		snprintf(why, sizeof why, "and no origin or peer provided it: %s",
		         j->last[0] ? j->last : "no peers");
		pinsvc_settle(j->n, &j->cid, 0, why, &st, info, err);
		rc = 0;
	}
	if (rc == 0)
		job_record(j, st, info);
	else
		log_error("pin request: %s", err);
done:
	json_decref(info);
	job_end(j);
}

int pinsvc_job_start(node *n, const pinreq *r)
{
	const char *urls[PEERS_MAX];
	char bufs[PEERS_MAX][PEER_URL_MAX], err[CAIRN_ERR_MAX], idt[PINREQ_ID_TEXT + 1];
	size_t i, count = 0;
	json_t *o;
	struct pinsvc_jobs *js = n->pin_jobs;
	for (struct job *k = js ? js->head : NULL; k; k = k->next)
		if (!memcmp(k->id, r->id, PINREQ_ID_LEN))
			return 0;
	unsigned session = 0;
	if (js && js->claims) {
		int taken = pgindex_claims_take(js->claims, claim_key(r->id), &session, err);
		if (taken < 0) {
			pinreq_id_text(r->id, idt);
			log_warn("pin request %s: cannot claim it (%s); looking again in %d s", idt, err,
			         PINSVC_SWEEP_SECS);
		}
		if (taken != 1)
			return 0;
		/* the node that held it may have settled it since it was read */
		pinreq now;
		int got = pinreq_get(&n->repo, r->id, &now, err);
		int open = got == 0 && (now.status == PINREQ_QUEUED || now.status == PINREQ_PINNING);
		if (got == 0)
			json_decref(now.doc);
		if (!open) {
			pgindex_claims_drop(js->claims, claim_key(r->id), session);
			return 0;
		}
	}
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		if (js && js->claims)
			pgindex_claims_drop(js->claims, claim_key(r->id), session);
		return 0;
	}
	j->n = n;
	j->session = session;
	if (js) {
		j->next = js->head;
		js->head = j;
	}
	memcpy(j->id, r->id, PINREQ_ID_LEN);
	j->cid = r->cid;
	json_array_foreach(json_object_get(json_object_get(r->doc, "pin"), "origins"), i, o) {
		const char *a = json_string_value(o);
		if (a && count < PEERS_MAX && peers_multiaddr_url(a, bufs[count], PEER_URL_MAX) == 0) {
			urls[count] = bufs[count];
			count++;
		}
	}
	if (count && !(j->origins = peers_new(n->base, &n->repo, urls, count, n->peer_timeout, n->ca_file, err)))
		log_error("pin request origins: %s", err);
	job_record(j, PINREQ_PINNING, NULL);
	job_step(j);
	return 1;
}

static int resume_one(void *ctx, const pinreq *r)
{
	node *n = ctx;
	char idt[PINREQ_ID_TEXT + 1];
	if (pinsvc_job_start(n, r) == 1) {
		pinreq_id_text(r->id, idt);
		log_info("pin request %s: taken up here (it was %s, and no node worked on it)", idt,
		         pinreq_status_name(r->status));
	}
	return 0;
}

static void sweep(evutil_socket_t fd, short what, void *arg)
{
	node *n = arg;
	char err[CAIRN_ERR_MAX];
	(void)fd;
	(void)what;
	if (pinreq_foreach_open(&n->repo, resume_one, n, err) < 0)
		log_error("pin requests: %s", err);
}

void pinsvc_resume(node *n)
{
	struct pinsvc_jobs *js = calloc(1, sizeof *js);
	if (!js || (n->repo.pg && !(js->claims = pgindex_claims_new(n->repo.pg)))) {
		free(js);
		log_error("pin requests: out of memory");
		return;
	}
	n->pin_jobs = js;
	/* a single node only resumes what its last run left; a cluster's
	 * nodes keep looking for what a node that ended left */
	if (n->repo.pg) {
		struct timeval every = {PINSVC_SWEEP_SECS, 0};
		if (!(js->sweep = event_new(n->base, -1, EV_PERSIST, sweep, n)) || event_add(js->sweep, &every) != 0)
			log_error("pin requests: cannot look for requests left by other nodes");
	}
	sweep(-1, 0, n);
}

void pinsvc_jobs_free(node *n)
{
	struct pinsvc_jobs *js = n->pin_jobs;
	if (!js)
		return;
	/* jobs still running are the process's to end (job_end finds no
	 * list then); their claims go with the connection */
	n->pin_jobs = NULL;
	if (js->sweep)
		event_free(js->sweep);
	pgindex_claims_free(js->claims);
	free(js);
}
