/* Where cairn add puts blocks (add_sink.h). */
#define _DEFAULT_SOURCE 1 /* open_memstream */
#include "add_sink.h"
#include "cli.h"

#include "anchorlog.h"
#include "cairn/car.h"
#include "pinstore.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int sink_store_block(void *ctx, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	sink *s = ctx;
	if (cli_stop) { /* Ctrl-C: the import ends here, as on an error */
		snprintf(s->err, sizeof s->err, "interrupted");
		return -1;
	}
	return s->put(s, cid, iov, n);
}

static int repo_put(sink *s, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	return blockstore_put(&s->r->bs, cid, iov, n, s->err) == 0 ? 0 : -1;
}

static int repo_commit(sink *s)
{
	return blockstore_commit(&s->r->bs, s->err) == 0 ? 0 : -1;
}

static int repo_pin(sink *s, const cairn_cid *root)
{
	pin p = {.cid = *root, .type = PIN_RECURSIVE};
	return pinstore_put(s->r, &p, s->err) == 0 ? 0 : -1;
}

static int repo_anchor(sink *s, const cairn_cid *root, uint64_t *index)
{
	size_t added;
	return anchorlog_append(s->r, root, 1, index, &added, s->err) == 0 ? 0 : -1;
}

static int none_commit(sink *s)
{
	(void)s;
	return 0;
}

static int none_pin(sink *s, const cairn_cid *root)
{
	(void)s;
	(void)root;
	return 0;
}

/*
 * Through a daemon, the CLI hashes the files itself and sends the blocks as
 * CARs to api/v0/dag/import (pin-roots=false), about DAEMON_CAR_BATCH bytes
 * a request, then pins the roots with api/v0/pin/add. The daemon re-hashes
 * every block it receives (it reads a CAR as it arrives); the batches keep
 * the CLI's own memory bounded however large the file.
 */
#define DAEMON_CAR_BATCH (16u << 20)

/* The batch size for this daemon: its upload limit (config
 * Limits.MaxUploadBytes) minus room for a block and the multipart framing,
 * at most DAEMON_CAR_BATCH. */
static size_t daemon_batch(const char *repo_path)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/config", repo_path);
	json_t *c = json_load_file(p, 0, NULL);
	json_t *lim = json_object_get(json_object_get(c, "Limits"), "MaxUploadBytes");
	size_t batch = DAEMON_CAR_BATCH;
	if (json_is_integer(lim) && json_integer_value(lim) > 0) {
		json_int_t room = json_integer_value(lim) - BLOCK_MAX - 64 * 1024;
		batch = room < 64 * 1024 ? 64 * 1024 : (size_t)room < batch ? (size_t)room : batch;
	}
	json_decref(c);
	return batch;
}

static int daemon_flush(sink *s)
{
	if (s->car_len == 0)
		return 0;
	uint8_t hdr[256];
	size_t hl;
	cairn_car_header_encode(&s->car_first, 1, hdr, sizeof hdr, &hl);
	/* the header goes in front: the sections were queued after room for it */
	size_t off = 256 - hl;
	memcpy(s->car + off, hdr, hl);
	api_part part = {NULL, "add.car", NULL, s->car + off, s->car_len - off};
	api_upload up = {&part, 1};
	char *body = NULL;
	int rc = cli_api(s->api, "add", "dag/import", "pin-roots=false", &up, NULL, &body);
	free(body);
	s->car_len = 0;
	if (rc != 0) {
		s->err[0] = '\0'; /* cli_api has said why */
		return -1;
	}
	return 0;
}

static int daemon_put(sink *s, const cairn_cid *cid, const cairn_iov *iov, size_t n)
{
	uint8_t head[16 + CAIRN_CID_MAX_BYTES];
	size_t hl, total = 0;
	if (cid->mh.code == CAIRN_MH_IDENTITY)
		return 0; /* its bytes are its CID */
	int fresh = mhset_add(s->sent, &cid->mh);
	if (fresh < 0) {
		snprintf(s->err, sizeof s->err, "out of memory");
		return -1;
	}
	if (!fresh)
		return 0; /* a block repeated in the file goes once */
	for (size_t i = 0; i < n; i++)
		total += iov[i].len;
	if (s->car_len == 0) {
		s->car_len = 256; /* room for the CAR header */
		s->car_first = *cid;
	}
	cairn_car_section_head(cid, total, head, sizeof head, &hl);
	if (s->car_len + hl + total > s->car_cap) {
		size_t cap = s->car_cap ? s->car_cap : s->batch + BLOCK_MAX + 4096;
		while (cap < s->car_len + hl + total)
			cap *= 2;
		uint8_t *c = realloc(s->car, cap);
		if (!c) {
			snprintf(s->err, sizeof s->err, "out of memory");
			return -1;
		}
		s->car = c;
		s->car_cap = cap;
	}
	memcpy(s->car + s->car_len, head, hl);
	s->car_len += hl;
	for (size_t i = 0; i < n; i++) {
		memcpy(s->car + s->car_len, iov[i].base, iov[i].len);
		s->car_len += iov[i].len;
	}
	return s->car_len >= s->batch ? daemon_flush(s) : 0;
}

/* Result lines wait until the blocks behind them are on the daemon. */
static int daemon_commit(sink *s)
{
	if (daemon_flush(s) != 0)
		return -1;
	/* a CID the user never sees is as bad as one whose blocks are lost */
	if (fflush(s->out) != 0 || (s->outlen && (fwrite(s->outbuf, 1, s->outlen, stdout) != s->outlen ||
	                                          fflush(stdout) != 0))) {
		snprintf(s->err, sizeof s->err, "writing output: %s", strerror(errno));
		return -1;
	}
	fclose(s->out);
	free(s->outbuf);
	s->outbuf = NULL;
	s->outlen = 0;
	s->out = open_memstream(&s->outbuf, &s->outlen);
	if (!s->out) {
		snprintf(s->err, sizeof s->err, "out of memory");
		return -1;
	}
	return 0;
}

static int daemon_pin(sink *s, const cairn_cid *root)
{
	char q[CAIRN_CID_TEXT_MAX + 32], text[CAIRN_CID_TEXT_MAX], *body = NULL;
	if (daemon_flush(s) != 0)
		return -1;
	cairn_cid_to_string(root, text, sizeof text, NULL);
	snprintf(q, sizeof q, "arg=%s&recursive=true", text);
	int rc = cli_api(s->api, "add", "pin/add", q, NULL, NULL, &body);
	free(body);
	if (rc != 0) {
		s->err[0] = '\0';
		return -1;
	}
	return 0;
}

static int daemon_anchor(sink *s, const cairn_cid *root, uint64_t *index)
{
	char q[CAIRN_CID_TEXT_MAX + 8], text[CAIRN_CID_TEXT_MAX], *body = NULL;
	cairn_cid_to_string(root, text, sizeof text, NULL);
	snprintf(q, sizeof q, "arg=%s", text);
	int rc = cli_api(s->api, "add", "anchor/add", q, NULL, NULL, &body);
	if (rc != 0) {
		free(body);
		s->err[0] = '\0';
		return -1;
	}
	/* one line {"Cid", "Index"} */
	json_t *j = json_loads(body ? body : "", JSON_DISABLE_EOF_CHECK, NULL);
	json_t *i = json_object_get(j, "Index");
	*index = json_is_integer(i) ? (uint64_t)json_integer_value(i) : 0;
	json_decref(j);
	free(body);
	return 0;
}

int sink_open(sink *sk, int only_hash, repo *r, api_client *api, mhset *sent)
{
	memset(sk, 0, sizeof *sk);
	mhset_init(sent);
	sk->sent = sent;
	sk->out = stdout;
	sk->commit = none_commit;
	sk->pin = none_pin;
	if (only_hash)
		return 0;
	int rc = cli_repo_open_or_daemon(r, api, "add");
	if (rc == CLI_USE_DAEMON) {
		char path[4096];
		sk->put = daemon_put;
		sk->commit = daemon_commit;
		sk->pin = daemon_pin;
		sk->anchor = daemon_anchor;
		sk->api = api;
		sk->batch = repo_default_path(path, sizeof path) == 0 ? daemon_batch(path) : DAEMON_CAR_BATCH;
		if (!(sk->out = open_memstream(&sk->outbuf, &sk->outlen))) {
			cli_error("add", "out of memory");
			return EXIT_FAIL;
		}
		return 0;
	}
	if (rc != 0)
		return rc;
	sk->put = repo_put;
	sk->commit = repo_commit;
	sk->pin = repo_pin;
	sk->anchor = repo_anchor;
	sk->r = r;
	return 0;
}

void sink_close(sink *sk)
{
	if (sk->out && sk->out != stdout)
		fclose(sk->out);
	free(sk->outbuf);
	free(sk->car);
	if (sk->sent)
		mhset_free(sk->sent);
	if (sk->r)
		repo_close(sk->r);
}
