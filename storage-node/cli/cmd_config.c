/*
 * cairn config KEY [VALUE] [--json|--bool], cairn config show: the repo's
 * config file, as Kubo's `ipfs config`. A string prints as it is, anything
 * else as JSON. Through the daemon when one holds the repo (it writes the
 * file); what a running daemon read stays in effect until it restarts.
 */
#include "api_client.h"
#include "cli.h"
#include "http_util.h"
#include "repo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char config_usage[] =
	"usage: cairn config KEY              print a value (a dotted key: Addresses.API)\n"
	"       cairn config KEY VALUE        set it to the string VALUE\n"
	"       cairn config --json KEY VALUE set it to the JSON VALUE\n"
	"       cairn config --bool KEY VALUE set it to true or false\n"
	"       cairn config show             the whole config\n"
	"\n"
	"A running daemon reads its config at start: a change takes effect when it\n"
	"restarts.\n";

static int print_value(const json_t *v)
{
	if (json_is_string(v)) {
		printf("%s\n", json_string_value(v));
		return 0;
	}
	return cli_print_json("config", v, JSON_SORT_KEYS);
}

/* The value a set gives, from the command line: a string, JSON, a boolean. */
static json_t *value_of(const char *text, int as_json, int as_bool)
{
	int b;
	if (as_json)
		return json_loads(text, JSON_DECODE_ANY, NULL);
	if (as_bool)
		return http_parse_bool(text, &b) == 0 ? json_boolean(b) : NULL;
	return json_string(text);
}

static int config_daemon(const api_client *c, int show, const char *key, const char *value, int as_json,
                         int as_bool)
{
	char *body = NULL;
	int rc;
	if (show) {
		rc = cli_api(c, "config", "config/show", NULL, NULL, NULL, &body);
	} else {
		cli_query q = {0};
		cli_query_add(&q, "arg", key);
		if (value)
			cli_query_add(&q, "arg", value);
		if (as_json)
			cli_query_add(&q, "json", "true");
		if (as_bool)
			cli_query_add(&q, "bool", "true");
		rc = cli_query_str(&q) ? cli_api(c, "config", "config", cli_query_str(&q), NULL, NULL, &body)
		                       : (cli_error("config", "out of memory"), EXIT_FAIL);
		cli_query_free(&q);
	}
	if (rc != 0)
		return EXIT_FAIL;
	json_t *j = json_loads(body ? body : "", 0, NULL);
	free(body);
	if (!j) {
		cli_error("config", "the daemon's answer is not JSON");
		return EXIT_FAIL;
	}
	rc = value ? 0 : print_value(show ? j : json_object_get(j, "Value"));
	json_decref(j);
	return rc;
}

int cmd_config(int argc, char **argv)
{
	int as_json = 0, as_bool = 0, i = 1;
	char err[CAIRN_ERR_MAX];
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json"))
			as_json = 1;
		else if (!strcmp(argv[i], "--bool"))
			as_bool = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(config_usage, stdout);
			return 0;
		} else {
			cli_error("config", "unknown option '%s'\n\n%s", argv[i], config_usage);
			return EXIT_USAGE;
		}
	}
	int nargs = argc - i, show = nargs == 1 && !strcmp(argv[i], "show");
	const char *key = nargs > 0 ? argv[i] : NULL, *value = nargs > 1 ? argv[i + 1] : NULL;
	if (nargs < 1 || nargs > 2 || (as_json && as_bool) || ((as_json || as_bool) && !value)) {
		cli_error("config", "%s", nargs < 1 || nargs > 2 ? "one KEY, and a VALUE to set it"
		                          : as_json && as_bool ? "--json or --bool, not both"
		                                               : "--json and --bool go with a VALUE");
		fputs(config_usage, stderr);
		return EXIT_USAGE;
	}
	json_t *v = value ? value_of(value, as_json, as_bool) : NULL;
	if (value && !v) {
		cli_error("config", "%s is not %s", value, as_json ? "JSON" : "a boolean (true or false)");
		return EXIT_USAGE;
	}
	repo r;
	api_client api;
	int rc = cli_repo_open_or_daemon(&r, &api, "config");
	if (rc == CLI_USE_DAEMON) {
		json_decref(v);
		return config_daemon(&api, show, key, value, as_json, as_bool);
	}
	if (rc != 0) {
		json_decref(v);
		return rc;
	}
	json_t *cfg = repo_config_load(r.path, err);
	if (!cfg) {
		cli_error("config", "%s", err);
		json_decref(v);
		rc = EXIT_FAIL;
	} else if (show) {
		rc = print_value(cfg);
	} else if (value) {
		if (repo_config_set(cfg, key, v, err) != 0 || repo_config_save(r.path, cfg, err) != 0) {
			cli_error("config", "%s", err);
			rc = EXIT_FAIL;
		}
	} else {
		json_t *got = repo_config_get(cfg, key);
		if (!got) {
			cli_error("config", "no config key %s", key);
			rc = EXIT_FAIL;
		} else {
			rc = print_value(got);
		}
	}
	json_decref(cfg);
	repo_close(&r);
	return rc;
}
