/*
 * cairn chain key new|address: the Ethereum keystore the daemon signs
 * its anchors with (--chain-key). Passwords never come from the command
 * line: --password-file, $CAIRN_CHAIN_KEY_PASSWORD, or typed at the
 * terminal without echo.
 */
#include "cli.h"
#include "ethtx.h"
#include "keystore.h"

#include "cairn/error.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <termios.h>
#include <unistd.h>

static const char chain_usage[] =
	"usage: cairn chain key new FILE [--password-file PWFILE]\n"
	"                              make a random key; write it to FILE (mode 0600) as\n"
	"                              an Ethereum keystore (v3, scrypt); print its address\n"
	"       cairn chain key address FILE [--password-file PWFILE]\n"
	"                              decrypt FILE and print its address\n"
	"\n"
	"The password is the first line of PWFILE, or $CAIRN_CHAIN_KEY_PASSWORD, or\n"
	"typed at the terminal; never an argument. The daemon signs its anchoring\n"
	"transactions with the key: cairn daemon --chain-key FILE (docs/anchoring.md).\n"
	"Fund the address on the chain before anchoring.\n";

/* A line from the terminal without echo into out. 1, or 0 (no terminal,
 * or nothing read). */
static int prompt(const char *what, char *out, size_t *len)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	int got = 0;
	if (!tty)
		return 0;
	fprintf(tty, "%s: ", what);
	fflush(tty);
	int echo_off = tcgetattr(fileno(tty), &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (fgets(out, KEYSTORE_PASSWORD_MAX, tty)) {
		*len = strcspn(out, "\r\n");
		out[*len] = '\0';
		got = 1;
	}
	if (echo_off)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return got;
}

/* The password: 0, or an exit status (a message was printed). */
static int password(const char *cmd, const char *file, int twice, char *out, size_t *len)
{
	char err[CAIRN_ERR_MAX], again[KEYSTORE_PASSWORD_MAX];
	size_t alen;
	int rc = keystore_password(file, out, len, err);
	if (rc < 0) {
		cli_error(cmd, "%s", err);
		return EXIT_USAGE;
	}
	if (rc == 1)
		return 0;
	if (!isatty(STDIN_FILENO) || !prompt("keystore password", out, len)) {
		cli_error(cmd, "no password: give --password-file FILE or set %s", KEYSTORE_PASSWORD_ENV);
		return EXIT_USAGE;
	}
	if (twice) {
		int same = prompt("again", again, &alen) && alen == *len && memcmp(again, out, alen) == 0;
		OPENSSL_cleanse(again, sizeof again);
		if (!same) {
			cli_error(cmd, "the passwords differ");
			return EXIT_USAGE;
		}
	}
	if (*len == 0) {
		cli_error(cmd, "an empty password");
		return EXIT_USAGE;
	}
	return 0;
}

static int key_run(int argc, char **argv)
{
	char err[CAIRN_ERR_MAX], pw[KEYSTORE_PASSWORD_MAX], text[43];
	const char *sub = argv[0], *file = NULL, *pwfile = NULL;
	const char *cmd = strcmp(sub, "new") == 0 ? "chain key new" : "chain key address";
	uint8_t key[ETH_KEY_LEN], addr[ETH_ADDRESS_LEN];
	size_t pwlen = 0;
	int rc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc)
			pwfile = argv[++i];
		else if (strncmp(argv[i], "--password-file=", 16) == 0)
			pwfile = argv[i] + 16;
		else if (argv[i][0] == '-' && argv[i][1]) {
			cli_error(cmd, "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		} else if (!file)
			file = argv[i];
		else {
			cli_error(cmd, "unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!file) {
		cli_error(cmd, "which keystore FILE?");
		return EXIT_USAGE;
	}
	if (sub[0] == 'n' && access(file, F_OK) == 0) {
		/* before asking for a password that would be wasted */
		cli_error(cmd, "%s exists: a key is never written over", file);
		return EXIT_FAIL;
	}
	if ((rc = password(cmd, pwfile, sub[0] == 'n', pw, &pwlen)) != 0)
		return rc;
	if (sub[0] == 'n') {
		/* a random secret below the group order (all but certain at once) */
		do {
			if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
				cli_error(cmd, "no randomness");
				rc = EXIT_FAIL;
				goto done;
			}
		} while (ethtx_address(key, addr, err) != 0);
		if (keystore_write(file, key, pw, pwlen, KEYSTORE_NEW_SCRYPT_N, KEYSTORE_NEW_SCRYPT_R,
		                   KEYSTORE_NEW_SCRYPT_P, err) != 0) {
			cli_error(cmd, "%s", err);
			rc = EXIT_FAIL;
			goto done;
		}
	} else {
		if (keystore_too_open(file))
			fprintf(stderr, "cairn chain key address: warning: %s is readable by others (chmod 600 it)\n",
			        file);
		if (keystore_load(file, pw, pwlen, key, addr, err) != 0) {
			cli_error(cmd, "%s", err);
			rc = EXIT_FAIL;
			goto done;
		}
	}
	ethtx_address_text(addr, text);
	printf("%s\n", text);
	rc = 0;
done:
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(pw, sizeof pw);
	return rc;
}

static int key_cmd(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"new", key_run, chain_usage},
		{"address", key_run, chain_usage},
	};
	return cli_dispatch("chain key", chain_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}

int cmd_chain(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"key", key_cmd, NULL},
	};
	return cli_dispatch("chain", chain_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}
