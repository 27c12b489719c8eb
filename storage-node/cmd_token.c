/*
 * cairn token add|ls|rm: the bearer tokens of the pinning service API.
 * Tokens live in the repo's LMDB index, which is safe to change while a
 * daemon runs, so these open only the index and never the repo lock.
 */
#include "cli.h"
#include "tokens.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char token_usage[] =
	"usage: cairn token add NAME   create a token; print its secret (shown only once)\n"
	"       cairn token ls         list token names and when they were created\n"
	"       cairn token rm NAME    revoke a token\n"
	"\n"
	"Clients send the secret as 'Authorization: Bearer <secret>'. A NAME is 1 to 64\n"
	"characters of A-Z a-z 0-9 . _ -; pin requests belong to it, so removing a token\n"
	"and adding one with the same name rotates the secret and keeps its pins.\n";

static int open_index(repo *r, const char *cmd)
{
	char path[4096], err[REPO_ERR_MAX];
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
	printf("%s\t%s\n", t->name, when);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	char err[REPO_ERR_MAX], secret[TOKEN_SECRET_MAX];
	const char *sub = argc > 1 ? argv[1] : NULL;
	repo r;
	int rc;

	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(token_usage, sub ? stdout : stderr);
		return sub ? 0 : EXIT_USAGE;
	}
	if (strcmp(sub, "ls") == 0) {
		if (argc != 2) {
			cli_error("token ls", "unexpected argument '%s'", argv[2]);
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
	if (strcmp(sub, "add") != 0 && strcmp(sub, "rm") != 0) {
		cli_error("token", "unknown subcommand '%s'\n\n%s", sub, token_usage);
		return EXIT_USAGE;
	}
	const char *cmd = strcmp(sub, "add") == 0 ? "token add" : "token rm";
	if (argc != 3) {
		cli_error(cmd, argc < 3 ? "a token NAME is required" : "one NAME at a time");
		return EXIT_USAGE;
	}
	const char *name = argv[2];
	if (!token_name_valid(name)) {
		cli_error(cmd, "invalid token name '%.80s' (1 to %d characters of A-Z a-z 0-9 . _ -)",
		          name, TOKEN_NAME_MAX);
		return EXIT_USAGE;
	}
	if (open_index(&r, cmd) != 0)
		return EXIT_FAIL;
	rc = cmd[6] == 'a' ? tokens_add(&r, name, secret, err) : tokens_rm(&r, name, err);
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
