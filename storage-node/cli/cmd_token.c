/*
 * cairn token add|ls|rm: the API's bearer tokens.
 * Tokens live in the repo's LMDB index, which is safe to change while a
 * daemon runs, so these open only the index and never the repo lock.
 */
#include "cli.h"
#include "tokens.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char token_usage[] =
	"usage: cairn token add NAME [--scope api|pins]\n"
	"                             create a token; print its secret (shown only once)\n"
	"       cairn token ls         list tokens: name, scope, when created\n"
	"       cairn token rm NAME    revoke a token\n"
	"\n"
	"Once any token exists, every call to the daemon's API needs one, sent as\n"
	"'Authorization: Bearer <secret>' (the cairn CLI sends $CAIRN_API_TOKEN).\n"
	"Scope 'api' (the default) opens the whole API; 'pins' only the Pinning Service\n"
	"API (/pins), for peers that replicate to this node. A NAME is 1 to 64\n"
	"characters of A-Z a-z 0-9 . _ -; pin requests belong to it, so removing a token\n"
	"and adding one with the same name rotates the secret and keeps its pins.\n";

static int open_index(repo *r, const char *cmd)
{
	char path[4096], err[CAIRN_ERR_MAX];
	if (repo_default_path(path, sizeof path) != 0) {
		cli_error(cmd, "set CAIRN_PATH or HOME to say where the repo is");
		return EXIT_FAIL;
	}
	if (repo_open_index(r, path, err) != 0) {
		cli_error(cmd, "%s", err);
		return EXIT_FAIL;
	}
	return 0;
}

static int print_token(void *ctx, const token *t)
{
	char when[64];
	time_t s = (time_t)(t->created_ms / 1000);
	struct tm tm;
	(void)ctx;
	gmtime_r(&s, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\t%s\t%s\n", t->name, token_scope_name(t->scope), when);
	return 0;
}

/* token add|ls|rm (argv[0]) */
static int token_run(int argc, char **argv)
{
	char err[CAIRN_ERR_MAX], secret[TOKEN_SECRET_MAX];
	const char *sub = argv[0];
	repo r;
	int rc;

	if (strcmp(sub, "ls") == 0) {
		if (argc != 1) {
			cli_error("token ls", "unexpected argument '%s'", argv[1]);
			return EXIT_USAGE;
		}
		if (open_index(&r, "token ls") != 0)
			return EXIT_FAIL;
		rc = tokens_foreach(&r, print_token, NULL, err);
		repo_close(&r);
		if (rc < 0) {
			cli_error("token ls", "%s", err);
			return EXIT_FAIL;
		}
		return 0;
	}
	const char *cmd = strcmp(sub, "add") == 0 ? "token add" : "token rm";
	const char *name = NULL;
	int scope = TOKEN_SCOPE_API;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cmd[6] == 'a' && (strcmp(a, "--scope") == 0 || strncmp(a, "--scope=", 8) == 0)) {
			const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : "";
			if (strcmp(v, "api") == 0) {
				scope = TOKEN_SCOPE_API;
			} else if (strcmp(v, "pins") == 0) {
				scope = TOKEN_SCOPE_PINS;
			} else {
				cli_error(cmd, "--scope takes 'api' or 'pins', not '%.80s'", v);
				return EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1]) {
			cli_error(cmd, "unknown option '%.80s'", a);
			return EXIT_USAGE;
		} else if (name) {
			cli_error(cmd, "one NAME at a time");
			return EXIT_USAGE;
		} else {
			name = a;
		}
	}
	if (!name) {
		cli_error(cmd, "a token NAME is required");
		return EXIT_USAGE;
	}
	if (!token_name_valid(name)) {
		cli_error(cmd, "invalid token name '%.80s' (1 to %d characters of A-Z a-z 0-9 . _ -)",
		          name, TOKEN_NAME_MAX);
		return EXIT_USAGE;
	}
	if (open_index(&r, cmd) != 0)
		return EXIT_FAIL;
	rc = cmd[6] == 'a' ? tokens_add(&r, name, scope, secret, err) : tokens_rm(&r, name, err);
	repo_close(&r);
	if (rc < 0) {
		cli_error(cmd, "%s", err);
		return EXIT_FAIL;
	}
	if (rc > 0) {
		cli_error(cmd, cmd[6] == 'a' ? "a token named '%s' exists (rm it first to rotate)"
		                             : "no token named '%s'", name);
		return EXIT_FAIL;
	}
	if (cmd[6] == 'a')
		printf("%s\n", secret);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"add", token_run, token_usage},
		{"ls", token_run, token_usage},
		{"rm", token_run, token_usage},
	};
	return cli_dispatch("token", token_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}
