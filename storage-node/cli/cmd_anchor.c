/*
 * cairn anchor add|flush|proof|ls|key: the anchoring log (docs/anchoring.md),
 * on the repo, or through the running daemon's API (which also puts
 * checkpoints on chain when started with --chain-rpc).
 */
#include "anchors.h"
#include "anchorlog.h"
#include "api_client.h"
#include "checkpoint.h"
#include "cli.h"
#include "cairn/error.h"
#include "proof.h"
#include "proof_bundle.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char anchor_usage[] =
	"usage: cairn anchor add CID...           append CIDs to the anchoring log\n"
	"       cairn anchor flush                make a signed checkpoint now (with a daemon\n"
	"                                         anchoring on a chain: wait until it is on chain)\n"
	"       cairn anchor proof CID [--size N] [--format json|tlog-proof]\n"
	"                                         print the CID's proof: JSON, or a C2SP\n"
	"                                         tlog-proof bundle\n"
	"       cairn anchor ls                   list checkpoints and their anchors\n"
	"       cairn anchor key                  print the log's verifier key (for witnesses\n"
	"                                         and auditors: note.NewVerifier, --witness)\n";

/* The columns of anchor ls and flush, named on a terminal (a script
 * reading the output gets the rows alone). */
static void print_header(void)
{
	if (isatty(STDOUT_FILENO))
		printf("SIZE\tROOT\tTIME\tTX\n");
}

/* anchor/flush?progress=true as it arrives: the "Waiting" line said on a
 * terminal, the last line kept. */
struct flush_view {
	int shown;
	json_t *last;
};

static void flush_view_line(void *ctx, char *line)
{
	struct flush_view *fv = ctx;
	json_t *j = json_loads(line, 0, NULL), *w = json_object_get(j, "Waiting");
	if (!w) {
		json_decref(fv->last);
		fv->last = j;
		return;
	}
	if (isatty(STDERR_FILENO)) {
		const char *chain = json_string_value(json_object_get(w, "Chain"));
		fprintf(stderr, "waiting for the chain %s (%s) to confirm the log's %lld leaves "
		        "(%lld are on chain) with %lld confirmations; at most %lld s",
		        chain ? chain : "", json_string_value(json_object_get(w, "RPC")),
		        (long long)json_integer_value(json_object_get(w, "Size")),
		        (long long)json_integer_value(json_object_get(w, "Confirmed")),
		        (long long)json_integer_value(json_object_get(w, "Confirmations")),
		        (long long)json_integer_value(json_object_get(w, "TimeoutSeconds")));
		fflush(stderr);
		fv->shown = 1;
	}
	json_decref(j);
}

static void print_checkpoint_line(json_t *j)
{
	json_t *a = json_object_get(j, "anchor");
	const char *tx = json_string_value(json_object_get(a ? a : j, "tx"));
	printf("%lld\t%s\t%s\t%s\n", (long long)json_integer_value(json_object_get(j, "size")),
	       json_string_value(json_object_get(j, "root")) ? json_string_value(json_object_get(j, "root")) : "",
	       json_string_value(json_object_get(j, "time")) ? json_string_value(json_object_get(j, "time")) : "",
	       tx ? tx : "-");
}

/* anchor proof's options, in any order around its CID */
struct proof_opts {
	const char *cid, *size, *format;
	int bundle;
};
/* Parse anchor proof's arguments into *po: 0, or EXIT_USAGE (said). */
static int proof_args(int argc, char **argv, struct proof_opts *po)
{
	memset(po, 0, sizeof *po);
	for (int i = 1; i < argc; i++) {
		const char **slot = !strncmp(argv[i], "--size", 6) ? &po->size
		                    : !strncmp(argv[i], "--format", 8) ? &po->format : NULL;
		const char *eq = slot ? strchr(argv[i], '=') : NULL;
		size_t nl = slot == &po->size ? 6 : 8;
		if (slot && (argv[i][nl] == '\0' || eq == argv[i] + nl)) {
			if (!eq && i + 1 == argc) {
				cli_error("anchor proof", "%s needs a value", argv[i]);
				return EXIT_USAGE;
			}
			*slot = eq ? eq + 1 : argv[++i];
		} else if (argv[i][0] == '-' || po->cid) {
			cli_error("anchor proof", "unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		} else {
			po->cid = argv[i];
		}
	}
	if (!po->cid) {
		cli_error("anchor proof", "a CID is required");
		return EXIT_USAGE;
	}
	if (po->format && strcmp(po->format, "json") && strcmp(po->format, "tlog-proof")) {
		cli_error("anchor proof", "--format: json or tlog-proof, not '%s'", po->format);
		return EXIT_USAGE;
	}
	po->bundle = po->format && !strcmp(po->format, "tlog-proof");
	return 0;
}

/* popt: anchor proof's options (all unset for the other subcommands) */
static int via_daemon(const api_client *c, int argc, char **argv, const struct proof_opts *popt)
{
	const char *sub = argv[0];
	char *body = NULL;
	int rc = 0;
	if (!strcmp(sub, "add")) {
		/* the CIDs go in the body, one a line: no URL limit on how many */
		char *text = NULL, err[256];
		size_t tlen = 0, blen = 0;
		FILE *t = open_memstream(&text, &tlen), *b = t ? open_memstream(&body, &blen) : NULL;
		int status = 0;
		if (!b) {
			if (t)
				fclose(t);
			free(text);
			cli_error("anchor add", "out of memory");
			return EXIT_FAIL;
		}
		for (int i = 1; i < argc; i++)
			fprintf(t, "%s\n", argv[i]);
		fclose(t);
		if (api_client_post_json(c, "/api/v0/anchor/add", text, b, &status, err, sizeof err) != 0) {
			cli_error("anchor add", "%s", err);
			rc = EXIT_FAIL;
		}
		fclose(b);
		free(text);
		if (rc == 0 && status != 200) {
			json_t *e = json_loads(body ? body : "", 0, NULL);
			const char *m = json_string_value(json_object_get(e, "Message"));
			cli_error("anchor add", "%s", m ? m : "the daemon refused the request");
			json_decref(e);
			rc = EXIT_FAIL;
		}
		for (char *line = body, *nl; rc == 0 && line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			json_t *j = json_loads(line, 0, NULL);
			printf("%s\t%lld\n", json_string_value(json_object_get(j, "Cid")),
			       (long long)json_integer_value(json_object_get(j, "Index")));
			json_decref(j);
		}
	} else if (!strcmp(sub, "flush")) {
		/* ndjson: what the daemon waits for, at once (shown on a
		 * terminal), then the checkpoint or an error */
		struct flush_view fv = {0};
		FILE *out = cli_line_stream(flush_view_line, &fv);
		rc = out ? cli_api(c, "anchor flush", "anchor/flush", "progress=true", NULL, out, NULL)
		         : (cli_error("anchor flush", "out of memory"), EXIT_FAIL);
		if (out)
			fclose(out);
		if (fv.shown)
			fputs("\r\033[K", stderr);
		if (rc == 0) {
			json_t *last = fv.last;
			const char *type = json_string_value(json_object_get(last, "Type"));
			if (type && !strcmp(type, "error")) {
				cli_error("anchor flush", "%s", json_string_value(json_object_get(last, "Message")));
				rc = EXIT_FAIL;
			} else if (!json_is_integer(json_object_get(last, "size"))) {
				cli_error("anchor flush", "the daemon's answer ended before the checkpoint");
				rc = EXIT_FAIL;
			} else {
				print_header();
				print_checkpoint_line(last);
			}
		}
		json_decref(fv.last);
	} else if (!strcmp(sub, "proof")) {
		cli_query q = {0};
		cli_query_add(&q, "arg", popt->cid);
		if (popt->size)
			cli_query_add(&q, "size", popt->size);
		if (popt->format)
			cli_query_add(&q, "format", popt->format);
		rc = cli_query_str(&q) ? cli_api(c, "anchor proof", "anchor/proof", cli_query_str(&q), NULL, stdout, NULL)
		                       : (cli_error("anchor proof", "out of memory"), EXIT_FAIL);
		cli_query_free(&q);
	} else if (!strcmp(sub, "key")) {
		if ((rc = cli_api(c, "anchor key", "anchor/key", NULL, NULL, NULL, &body)) == 0) {
			json_t *j = json_loads(body ? body : "", 0, NULL);
			const char *vkey = json_string_value(json_object_get(j, "vkey"));
			if (vkey)
				printf("%s\n", vkey);
			else
				rc = (cli_error("anchor key", "the daemon's answer has no vkey"), EXIT_FAIL);
			json_decref(j);
		}
	} else {
		if ((rc = cli_api(c, "anchor ls", "anchor/checkpoints", NULL, NULL, NULL, &body)) == 0)
			print_header();
		if (rc == 0)
			for (char *line = body, *nl; line && *line; line = nl ? nl + 1 : NULL) {
				nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				json_t *j = json_loads(line, 0, NULL);
				print_checkpoint_line(j);
				json_decref(j);
			}
	}
	free(body);
	return rc;
}

struct ls_ctx {
	repo *r;
	char *err;
};

static int ls_one(void *ctx, const checkpoint *cp)
{
	struct ls_ctx *l = ctx;
	json_t *j;
	if (proof_checkpoint_anchored(l->r, cp, &j, l->err) != 0)
		return -1;
	print_checkpoint_line(j);
	json_decref(j);
	return 0;
}

/* anchor add|flush|proof|ls|key (argv[0]) */
static int anchor_run(int argc, char **argv)
{
	const char *sub = argv[0];
	char err[CAIRN_ERR_MAX];
	repo r;
	int rc;
	if ((!strcmp(sub, "add") && argc < 2) ||
	    ((!strcmp(sub, "flush") || !strcmp(sub, "ls") || !strcmp(sub, "key")) && argc != 1)) {
		cli_error("anchor", "wrong arguments for '%s'", sub);
		fputs(anchor_usage, stderr);
		return EXIT_USAGE;
	}
	uint64_t size = 0;
	struct proof_opts popt = {0};
	char *cid_argv[2] = {argv[0], NULL};
	if (!strcmp(sub, "proof")) {
		if ((rc = proof_args(argc, argv, &popt)) != 0) {
			fputs(anchor_usage, stderr);
			return rc;
		}
		if (popt.size) {
			char *end;
			size = strtoull(popt.size, &end, 10);
			if (*end || popt.size[0] == '-' || !popt.size[0]) {
				cli_error("anchor proof", "--size takes a number, not '%s'", popt.size);
				return EXIT_USAGE;
			}
		}
		cid_argv[1] = (char *)popt.cid;
		argc = 2;
		argv = cid_argv;
	}
	/* CIDs are checked here, whichever way the command goes */
	cairn_cid *cids = NULL;
	if (!strcmp(sub, "add") || !strcmp(sub, "proof")) {
		int n = !strcmp(sub, "add") ? argc - 1 : 1;
		cids = malloc((size_t)n * sizeof *cids);
		if (!cids)
			return EXIT_FAIL;
		for (int i = 0; i < n; i++)
			if (cli_parse_cid(!strcmp(sub, "add") ? "anchor add" : "anchor proof", argv[1 + i], &cids[i])) {
				free(cids);
				return EXIT_FAIL;
			}
	}
	api_client api;
	rc = cli_repo_open_or_daemon(&r, &api, "anchor");
	if (rc == CLI_USE_DAEMON) {
		free(cids);
		return via_daemon(&api, argc, argv, &popt);
	}
	if (rc != 0) {
		free(cids);
		return rc;
	}
	if (!strcmp(sub, "add")) {
		size_t n = (size_t)argc - 1;
		uint64_t *idx = malloc(n * sizeof *idx);
		if (!idx || anchorlog_append(&r, cids, n, idx, NULL, err) != 0) {
			cli_error("anchor add", "%s", idx ? err : "out of memory");
			rc = EXIT_FAIL;
		} else {
			for (size_t i = 0; i < n; i++) {
				char text[CAIRN_CID_TEXT_MAX];
				cairn_cid_to_string(&cids[i], text, sizeof text, NULL);
				printf("%s\t%llu\n", text, (unsigned long long)idx[i]);
			}
		}
		free(idx);
	} else if (!strcmp(sub, "flush")) {
		checkpoint *cp = malloc(sizeof *cp);
		if (!cp || checkpoint_make(&r, cp, NULL, err) != 0) {
			cli_error("anchor flush", "%s", cp ? err : "out of memory");
			rc = EXIT_FAIL;
		} else {
			json_t *j = proof_checkpoint_json(cp);
			print_header();
			print_checkpoint_line(j);
			json_decref(j);
		}
		free(cp);
	} else if (!strcmp(sub, "proof")) {
		json_t *j;
		int pr = proof_build(&r, &cids[0], popt.size != NULL, size, &j, err);
		if (pr != 0) {
			cli_error("anchor proof", "%s", err);
			rc = EXIT_FAIL;
		} else if (popt.bundle) {
			char *t = proof_bundle_text(j, err, sizeof err);
			if (t)
				fputs(t, stdout);
			else
				rc = (cli_error("anchor proof", "%s", err), EXIT_FAIL);
			free(t);
			json_decref(j);
		} else {
			char *t = json_dumps(j, JSON_COMPACT);
			printf("%s\n", t ? t : "");
			free(t);
			json_decref(j);
		}
	} else if (!strcmp(sub, "key")) {
		char vkey[CHECKPOINT_VKEY_MAX];
		if (checkpoint_vkey(&r, vkey, err) != 0) {
			cli_error("anchor key", "%s", err);
			rc = EXIT_FAIL;
		} else {
			printf("%s\n", vkey);
		}
	} else {
		struct ls_ctx l = {&r, err};
		print_header();
		if (checkpoint_foreach(&r, ls_one, &l, err) < 0) {
			cli_error("anchor ls", "%s", err);
			rc = EXIT_FAIL;
		}
	}
	free(cids);
	repo_close(&r);
	return rc;
}

int cmd_anchor(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"add", anchor_run, anchor_usage},
		{"flush", anchor_run, anchor_usage},
		{"proof", anchor_run, anchor_usage},
		{"ls", anchor_run, anchor_usage},
		{"key", anchor_run, anchor_usage},
	};
	return cli_dispatch("anchor", anchor_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}
