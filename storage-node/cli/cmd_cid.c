/*
 * cairn cid format|inspect: convert and explain CIDs, like `ipfs cid`.
 */
#include "cli.h"
#include "cairn/cid.h"
#include "cairn/error.h"

#include <getopt.h>
#include <string.h>

static const char cid_usage[] =
	"usage: cairn cid format [-b BASE] [-v 0|1] [--mc CODEC] CID...\n"
	"       cairn cid inspect CID...\n"
	"\n"
	"format   rewrite CIDs in another multibase, version or codec. A base other\n"
	"         than base58btc implies CIDv1 (CIDv0 has no multibase prefix).\n"
	"         Bases: base16 base16upper base32 base32upper base36 base36upper\n"
	"                base58btc base64 base64url\n"
	"         Codecs: raw dag-pb dag-cbor dag-json libp2p-key\n"
	"inspect  print version, multibase, codec, multihash and digest\n";

static int cid_format(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"b", required_argument, NULL, 'b'},
		{"mbase", required_argument, NULL, 'b'},
		{"v", required_argument, NULL, 'v'},
		{"version", required_argument, NULL, 'v'},
		{"mc", required_argument, NULL, 'c'},
		{"codec", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *base_name = NULL, *codec_name = NULL;
	int version = -1, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":b:v:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': base_name = optarg; break;
		case 'c': codec_name = optarg; break;
		case 'v':
			if (strcmp(optarg, "0") && strcmp(optarg, "1")) {
				cli_error("cid format", "unknown CID version '%s' (use 0 or 1)", optarg);
				return EXIT_USAGE;
			}
			version = optarg[0] - '0';
			break;
		case 'h': fputs(cid_usage, stdout); return 0;
		case ':':
			cli_error("cid format", "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			cli_error("cid format", "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	cairn_base base = CAIRN_BASE32;
	if (base_name && cairn_base_from_name(base_name, &base)) {
		cli_error("cid format", "unknown multibase '%s'", base_name);
		return EXIT_USAGE;
	}
	uint64_t codec = 0;
	if (codec_name && cairn_codec_from_name(codec_name, &codec)) {
		cli_error("cid format", "unknown codec '%s'", codec_name);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_error("cid format", "no CID given");
		return EXIT_USAGE;
	}
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		cairn_cid cid;
		char out[CAIRN_CID_TEXT_MAX];
		if (cli_parse_cid("cid format", argv[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		if (codec_name)
			cid.codec = codec;
		if (version == 1 || (version == -1 && (cid.codec != CAIRN_CODEC_DAG_PB ||
		                     (base_name && base != CAIRN_BASE58BTC))))
			cairn_cid_to_v1(&cid, &cid);
		if (version == 0 && cairn_cid_to_v0(&cid, &cid)) {
			cli_error("cid format", "%s cannot be CIDv0: %s", argv[i],
			          cairn_strerror(CAIRN_E_CID_V0));
			rc = EXIT_FAIL;
			continue;
		}
		if (cid.version == 0 && base != CAIRN_BASE58BTC && base_name) {
			cli_error("cid format", "CIDv0 has no multibase; use -v 1 with -b %s", base_name);
			rc = EXIT_FAIL;
			continue;
		}
		int err = cid.version == 0 ? cairn_cid_to_string(&cid, out, sizeof out, NULL)
		                           : cairn_cid_format(&cid, base, out, sizeof out, NULL);
		if (err) {
			cli_error("cid format", "%s: %s", argv[i], cairn_strerror(err));
			rc = EXIT_FAIL;
			continue;
		}
		printf("%s\n", out);
	}
	return rc;
}

static int cid_inspect(int argc, char **argv)
{
	if (argc < 2) {
		cli_error("cid inspect", "no CID given");
		return EXIT_USAGE;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		cairn_cid cid, v1, v0;
		char t1[CAIRN_CID_TEXT_MAX], t0[CAIRN_CID_TEXT_MAX];
		if (cli_parse_cid("cid inspect", argv[i], &cid)) {
			rc = EXIT_FAIL;
			continue;
		}
		cairn_base base = CAIRN_BASE58BTC;
		if (cid.version == 1)
			cairn_base_from_prefix(argv[i][0], &base);
		cairn_cid_to_v1(&cid, &v1);
		cairn_cid_to_string(&v1, t1, sizeof t1, NULL);
		printf("CID:        %s\n", argv[i]);
		printf("Version:    %u\n", cid.version);
		if (cid.version == 0)
			printf("Multibase:  base58btc (implicit, no prefix)\n");
		else
			printf("Multibase:  %s (%c)\n", cairn_base_name(base), (char)base);
		printf("Multicodec: %s (0x%llx)\n", cairn_codec_name(cid.codec),
		       (unsigned long long)cid.codec);
		printf("Multihash:  %s (0x%llx)\n", cairn_mh_name(cid.mh.code),
		       (unsigned long long)cid.mh.code);
		printf("  Length:   %zu (bytes)\n", cid.mh.len);
		char digest[2 * CAIRN_MH_DIGEST_MAX + 1];
		cairn_base_encode(CAIRN_BASE16, cid.mh.digest, cid.mh.len, digest, sizeof digest, NULL);
		printf("  Digest:   %s\n", digest);
		if (cairn_cid_to_v0(&cid, &v0) == CAIRN_OK) {
			cairn_cid_to_string(&v0, t0, sizeof t0, NULL);
			printf("CIDv0:      %s\n", t0);
		} else {
			printf("CIDv0:      not possible (%s)\n", cairn_strerror(CAIRN_E_CID_V0));
		}
		printf("CIDv1:      %s\n", t1);
		if (i + 1 < argc)
			printf("\n");
	}
	return rc;
}

int cmd_cid(int argc, char **argv)
{
	static const cli_cmd subs[] = {
		{"format", cid_format, cid_usage},
		{"inspect", cid_inspect, cid_usage},
	};
	return cli_dispatch("cid", cid_usage, subs, sizeof subs / sizeof subs[0], argc - 1, argv + 1);
}
