/*
 * config and config/show, as Kubo's: the repo's config file, read and
 * edited afresh (what this daemon read at its start stays in effect until
 * it restarts).
 *   config?arg=KEY                 {"Key", "Value"}
 *   config?arg=KEY&arg=VALUE[&json=true|&bool=true]   sets it, the same answer
 *   config/show                    the whole config
 */
#include "kubo_util.h"

#include "cairn/error.h"
#include "http_util.h"

#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <string.h>

void kubo_config(struct http_req *req, node *n, struct evkeyvalq *q)
{
	const char *args[3] = {NULL, NULL, NULL};
	size_t nargs = 0;
	char err[CAIRN_ERR_MAX];
	struct evkeyval *kv;
	TAILQ_FOREACH(kv, q, next)
		if (!strcmp(kv->key, "arg") && nargs < 3)
			args[nargs++] = kv->value;
	if (nargs == 0 || nargs > 2) {
		http_reply_rpc_error(req, 400, "config takes arg=KEY, and arg=VALUE to set it");
		return;
	}
	json_t *cfg = repo_config_load(n->repo.path, err);
	if (!cfg) {
		http_reply_rpc_error(req, 500, "%s", err);
		return;
	}
	if (nargs == 2) {
		json_t *v;
		if (kubo_flag(q, "json", 0)) {
			json_error_t jerr;
			if (!(v = json_loads(args[1], JSON_DECODE_ANY, &jerr))) {
				json_decref(cfg);
				http_reply_rpc_error(req, 400, "the value is not JSON: %s", jerr.text);
				return;
			}
		} else if (kubo_flag(q, "bool", 0)) {
			int b;
			if (http_parse_bool(args[1], &b) != 0) {
				json_decref(cfg);
				http_reply_rpc_error(req, 400, "the value is not a boolean: '%.40s'", args[1]);
				return;
			}
			v = json_boolean(b);
		} else {
			v = json_string(args[1]);
		}
		if (repo_config_set(cfg, args[0], v, err) != 0) {
			json_decref(cfg);
			http_reply_rpc_error(req, 400, "%s", err);
			return;
		}
		if (repo_config_save(n->repo.path, cfg, err) != 0) {
			json_decref(cfg);
			http_reply_rpc_error(req, 500, "%s", err);
			return;
		}
	}
	json_t *v = repo_config_get(cfg, args[0]);
	if (!v) {
		json_decref(cfg);
		http_reply_rpc_error(req, 400, "no config key %.100s", args[0]);
		return;
	}
	kubo_reply(req, json_pack("{s:s, s:O}", "Key", args[0], "Value", v));
	json_decref(cfg);
}

void kubo_config_show(struct http_req *req, node *n, struct evkeyvalq *q)
{
	char err[CAIRN_ERR_MAX];
	(void)q;
	json_t *cfg = repo_config_load(n->repo.path, err);
	if (!cfg)
		http_reply_rpc_error(req, 500, "%s", err);
	else
		kubo_reply(req, cfg);
}
