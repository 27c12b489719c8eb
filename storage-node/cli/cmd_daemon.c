/*
 * cairn daemon: the options, parsed once into a daemon_opts, then the
 * repo opened and the node run (daemon/daemon.c).
 */
#define _DEFAULT_SOURCE 1 /* MADV_DONTDUMP */
#include "cli.h"
#include "log.h"
#include "auth.h"
#include "daemon.h"
#include "keystore.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char daemon_usage[] =
	"usage: cairn daemon [--api HOST:PORT] [--gateway HOST:PORT]\n"
	"\n"
	"Run the node on the repo at $CAIRN_PATH (default ~/.cairn).\n"
	"  --api HOST:PORT      Kubo RPC API (default: config Addresses.API, 127.0.0.1:5001)\n"
	"  --gateway HOST:PORT  read-only IPFS gateway (default: config Addresses.Gateway,\n"
	"                       127.0.0.1:8080)\n"
	"  --chain-rpc URL      anchor the log's checkpoints on this Ethereum node\n"
	"                       (http:// or https://, a provider's URL with its key):\n"
	"                       root ‖ size in a transaction\n"
	"  --chain-rpc-header 'NAME: VALUE'  send this header with every chain RPC\n"
	"                       call (a provider's key); repeatable, at most 8\n"
	"  --ca-file FILE       trust this CA (PEM) beside the system's for every\n"
	"                       https:// URL dialled (default: config TLS.CAFile)\n"
	"  --chain-key FILE     sign the anchoring transactions with this Ethereum\n"
	"                       keystore's key (EIP-1559, eth_sendRawTransaction): for\n"
	"                       providers and public chains ('cairn chain key new')\n"
	"  --chain-key-password-file F  its password, the first line of F (else\n"
	"                       $CAIRN_CHAIN_KEY_PASSWORD)\n"
	"  --chain-max-fee-gwei N  never pay more than N gwei per gas: above it,\n"
	"                       nothing is sent until the fee falls\n"
	"  --chain-replace-after N  a transaction not mined after N blocks is replaced\n"
	"                       (the same nonce, fees up 12.5%; default 10)\n"
	"  --chain-from ADDR    without --chain-key: the account the chain node signs\n"
	"                       with (default: the first of eth_accounts; dev chains)\n"
	"  --anchor-interval S  seconds between anchors of a growing log (default 60)\n"
	"  --anchor-batch N     anchor as soon as N leaves wait\n"
	"  --confirmations K    blocks to wait for, the transaction's own included\n"
	"                       (default 1)\n"
	"  --witness URL,VKEY   ask this witness (c2sp.org/tlog-witness; a cairn node's\n"
	"                       URL is http://HOST:PORT/log/witness) to cosign each new\n"
	"                       checkpoint; VKEY is its verifier key; repeatable\n"
	"  --witness-quorum K   anchor a checkpoint only once K witnesses cosigned it\n"
	"                       (default: all of them)\n"
	"  --peer URL           fetch missing content from this node or trustless\n"
	"                       gateway (http:// or https://); repeatable, tried in order\n"
	"                       (default: config Peers)\n"
	"  --peer-timeout S     a peer (or a pin request's origin) silent this long has\n"
	"                       failed (default 10)\n"
	"  --router URL         when no peer has it, ask this routing v1 server\n"
	"                       (http:// or https://) for providers; repeatable\n"
	"                       (default: config Routers)\n"
	"  --replicate-to URL[,TOKEN]  ask this Pinning Service API (e.g. another\n"
	"                       node's http://HOST:5001) to pin every new recursive\n"
	"                       pin, from this node's gateway; repeatable\n"
	"  --api-token SECRET   require this bearer token on the API (16 to 256\n"
	"                       visible characters), besides those of 'cairn token'\n"
	"  --api-token-file F   the same, read from the first line of file F (keeps\n"
	"                       the secret out of the process list)\n"
	"  --pg DSN             mirror pins and anchoring proofs into PostgreSQL\n"
	"                       (libpq connection string or URI; tables cairn.objects,\n"
	"                       cairn.anchors), queued while it is unreachable\n"
	"  --log-format text|json  the log on stderr: key=value pairs (default), or\n"
	"                       a JSON object per line\n"
	"Port 0 picks a free port; the addresses in use are printed at start.\n"
	"Stops cleanly on SIGINT or SIGTERM.\n";

/* The value of option name at argv[*i], as "NAME VALUE" (the value then
 * consumed) or "NAME=VALUE"; NULL if argv[*i] is not that option with a
 * value (the caller goes on to the next option, then "unknown option"). */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t l = strlen(name);
	if (strncmp(argv[*i], name, l) != 0)
		return NULL;
	if (argv[*i][l] == '=')
		return argv[*i] + l + 1;
	if (argv[*i][l] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* "Name: value": a token (RFC 9110's tchar), a colon, then visible
 * characters and spaces only (no CR or LF to smuggle a second header). */
static int header_ok(const char *h)
{
	size_t n = 0;
	while (h[n] && (isalnum((unsigned char)h[n]) || strchr("!#$%&'*+-.^_`|~", h[n])))
		n++;
	if (n == 0 || h[n] != ':')
		return 0;
	for (const char *p = h + n + 1; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* One of the anchoring options at argv[*i] (its value consumed)? 1 if it
 * was one, with *rc set to EXIT_USAGE if its value is bad; 0 otherwise. */
static int anchor_option(int argc, char **argv, int *i, anchor_opts *o, int *rc)
{
	static const char *names[] = {"--chain-rpc", "--chain-from", "--anchor-interval",
	                              "--anchor-batch", "--confirmations", "--chain-max-fee-gwei",
	                              "--chain-replace-after"};
	const char *a = argv[*i], *v = NULL;
	int which = -1;
	*rc = 0;
	for (int k = 0; k < 7 && which < 0; k++) {
		size_t l = strlen(names[k]);
		if (strncmp(a, names[k], l) == 0 && (a[l] == '\0' || a[l] == '=')) {
			which = k;
			v = a[l] == '=' ? a + l + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		}
	}
	if (which < 0)
		return 0;
	char *end;
	unsigned long long x = 0;
	if (!v || !*v) {
		cli_error("daemon", "%s needs a value", names[which]);
		*rc = EXIT_USAGE;
		return 1;
	}
	if (which >= 2) {
		x = strtoull(v, &end, 10);
		if (*end || v[0] == '-' || (which != 3 && x == 0) || x > 1000000000ull) {
			cli_error("daemon", "%s takes a positive number, not '%s'", names[which], v);
			*rc = EXIT_USAGE;
			return 1;
		}
	}
	switch (which) {
	case 0: o->rpc = v; break;
	case 1: o->from = v; break;
	case 2: o->interval = (unsigned)x; break;
	case 3: o->batch = x; break;
	case 4: o->confirmations = (unsigned)x; break;
	case 5: o->max_fee_gwei = x; break;
	case 6: o->replace_after = (unsigned)x; break;
	}
	return 1;
}

/* The --chain-key's key, decrypted into a page of its own that is locked
 * (never swapped) where the system allows and left out of core dumps:
 * 0, or an exit status (a message was printed). */
static int load_chain_key(const char *file, const char *pwfile, const uint8_t **key)
{
	char err[CAIRN_ERR_MAX], pw[KEYSTORE_PASSWORD_MAX], text[43];
	uint8_t addr[ETH_ADDRESS_LEN];
	size_t pwlen = 0;
	int rc = keystore_password(pwfile, pw, &pwlen, err);
	if (rc <= 0) {
		if (rc == 0)
			cli_error("daemon", "--chain-key needs its password: --chain-key-password-file FILE or $%s",
			          KEYSTORE_PASSWORD_ENV);
		else
			cli_error("daemon", "%s", err);
		return EXIT_USAGE;
	}
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		OPENSSL_cleanse(pw, sizeof pw);
		cli_error("daemon", "no memory for the chain key");
		return EXIT_FAIL;
	}
	int locked = mlock(mem, (size_t)page) == 0;
	madvise(mem, (size_t)page, MADV_DONTDUMP);
	if (keystore_too_open(file))
		log_warn("the keystore %s is readable by others (chmod 600 it)", file);
	rc = keystore_load(file, pw, pwlen, mem, addr, err);
	OPENSSL_cleanse(pw, sizeof pw);
	if (rc != 0) {
		munmap(mem, (size_t)page);
		cli_error("daemon", "--chain-key %s", err);
		return EXIT_USAGE;
	}
	ethtx_address_text(addr, text);
	printf("chain key: %s (%s memory)\n", text, locked ? "locked" : "unlocked: mlock was refused,");
	*key = mem;
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	node n;
	daemon_opts o;
	const char *api_token = NULL, *api_token_file = NULL, *chain_key = NULL, *chain_key_pw = NULL;
	char token_buf[AUTH_STATIC_MAX + 2];
	enum log_format log_format = LOG_FORMAT_TEXT;
	int rc;

	memset(&o, 0, sizeof o);
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(daemon_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--api"))) {
			o.api_addr = v;
		} else if ((v = opt_value(argc, argv, &i, "--gateway"))) {
			o.gw_addr = v;
		} else if ((v = opt_value(argc, argv, &i, "--peer"))) {
			if (o.npeers == PEERS_MAX) {
				cli_error("daemon", "at most %d peers", PEERS_MAX);
				return EXIT_USAGE;
			}
			o.peer_urls[o.npeers++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--replicate-to"))) {
			if (o.nreplicate == REPLICATE_TARGETS_MAX) {
				cli_error("daemon", "at most %d replication targets", REPLICATE_TARGETS_MAX);
				return EXIT_USAGE;
			}
			o.replicate[o.nreplicate++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--witness"))) {
			if (o.nwitnesses == WITNESSER_MAX) {
				cli_error("daemon", "at most %d witnesses", WITNESSER_MAX);
				return EXIT_USAGE;
			}
			o.witnesses[o.nwitnesses++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--witness-quorum"))) {
			char *end;
			unsigned long k = strtoul(v, &end, 10);
			if (*end || !*v || k == 0 || k > WITNESSER_MAX) {
				cli_error("daemon", "--witness-quorum takes a number of witnesses (1 to %d), not '%s'",
				          WITNESSER_MAX, v);
				return EXIT_USAGE;
			}
			o.witness_quorum = (unsigned)k;
		} else if ((v = opt_value(argc, argv, &i, "--router"))) {
			if (o.nrouters == PEERS_MAX) {
				cli_error("daemon", "at most %d routers", PEERS_MAX);
				return EXIT_USAGE;
			}
			o.router_urls[o.nrouters++] = v;
		} else if (strcmp(argv[i], "--peer-timeout") == 0 && i + 1 < argc) {
			char *end;
			unsigned long t = strtoul(argv[++i], &end, 10);
			if (*end || t == 0 || t > 3600) {
				cli_error("daemon", "--peer-timeout takes seconds (1 to 3600), not '%s'", argv[i]);
				return EXIT_USAGE;
			}
			o.peer_timeout = (unsigned)t;
		} else if ((v = opt_value(argc, argv, &i, "--api-token"))) {
			api_token = v;
		} else if ((v = opt_value(argc, argv, &i, "--api-token-file"))) {
			api_token_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--pg"))) {
			o.pg_dsn = v;
		} else if ((v = opt_value(argc, argv, &i, "--chain-key-password-file"))) {
			chain_key_pw = v;
		} else if ((v = opt_value(argc, argv, &i, "--chain-key"))) {
			chain_key = v;
		} else if ((v = opt_value(argc, argv, &i, "--log-format"))) {
			if (log_format_parse(v, &log_format) != 0) {
				cli_error("daemon", "--log-format is text or json, not '%s'", v);
				return EXIT_USAGE;
			}
		} else if ((v = opt_value(argc, argv, &i, "--ca-file"))) {
			o.ca_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--chain-rpc-header"))) {
			if (o.anchor.nrpc_headers == CHAIN_HEADERS_MAX) {
				cli_error("daemon", "at most %d --chain-rpc-header", CHAIN_HEADERS_MAX);
				return EXIT_USAGE;
			}
			if (!header_ok(v)) {
				cli_error("daemon", "--chain-rpc-header takes 'NAME: VALUE' (a token, a colon, "
				          "visible characters)");
				return EXIT_USAGE;
			}
			o.anchor.rpc_headers[o.anchor.nrpc_headers++] = v;
		} else if (anchor_option(argc, argv, &i, &o.anchor, &rc)) {
			if (rc)
				return rc;
		} else {
			cli_error("daemon", "unknown option '%s' (see 'cairn daemon --help')", argv[i]);
			return EXIT_USAGE;
		}
	}
	/* Usage errors first, before the repo is touched. */
	char host[256];
	unsigned short port;
	if (o.api_addr && daemon_split_addr(o.api_addr, host, sizeof host, &port) != 0) {
		cli_error("daemon", "invalid API address '%s' (use HOST:PORT)", o.api_addr);
		return EXIT_USAGE;
	}
	if (o.gw_addr && daemon_split_addr(o.gw_addr, host, sizeof host, &port) != 0) {
		cli_error("daemon", "invalid Gateway address '%s' (use HOST:PORT)", o.gw_addr);
		return EXIT_USAGE;
	}
	if (o.witness_quorum > o.nwitnesses) {
		cli_error("daemon", "--witness-quorum %u: more than the %zu --witness given", o.witness_quorum,
		          o.nwitnesses);
		return EXIT_USAGE;
	}
	if (chain_key && !o.anchor.rpc) {
		cli_error("daemon", "--chain-key signs anchors: it needs --chain-rpc");
		return EXIT_USAGE;
	}
	if (chain_key && o.anchor.from) {
		cli_error("daemon", "--chain-key and --chain-from: the key's address is the sender");
		return EXIT_USAGE;
	}
	if ((chain_key_pw || o.anchor.max_fee_gwei || o.anchor.replace_after) && !chain_key) {
		cli_error("daemon", "%s is for --chain-key", chain_key_pw ? "--chain-key-password-file"
		                                             : o.anchor.max_fee_gwei ? "--chain-max-fee-gwei"
		                                                                     : "--chain-replace-after");
		return EXIT_USAGE;
	}
	memset(&n, 0, sizeof n);
	if (api_token && api_token_file) {
		cli_error("daemon", "--api-token and --api-token-file: one or the other");
		return EXIT_USAGE;
	}
	if (api_token_file) {
		FILE *f = fopen(api_token_file, "r");
		if (!f) {
			cli_error("daemon", "--api-token-file %s: %s", api_token_file, strerror(errno));
			return EXIT_USAGE;
		}
		if (!fgets(token_buf, sizeof token_buf, f))
			token_buf[0] = '\0';
		fclose(f);
		token_buf[strcspn(token_buf, "\r\n")] = '\0';
		api_token = token_buf;
	}
	if (api_token && auth_set_static(&n, api_token) != 0) {
		cli_error("daemon", "an API token is %d to %d visible ASCII characters, no spaces",
		          AUTH_STATIC_MIN, AUTH_STATIC_MAX);
		return EXIT_USAGE;
	}
	/* from here on, what goes wrong is the daemon's log */
	log_setup(log_format);
	if (chain_key && (rc = load_chain_key(chain_key, chain_key_pw, &o.anchor.key)) != 0)
		return rc;
	if ((rc = cli_repo_open(&n.repo, "daemon")) != 0)
		return rc;
	return daemon_run(&n, &o);
}
