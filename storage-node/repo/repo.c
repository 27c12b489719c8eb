#include "repo.h"
#include "bs_flatfs.h"
#include "bs_rados.h"

#include "cairn/multibase.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERR(...) snprintf(err, CAIRN_ERR_MAX, __VA_ARGS__)

int repo_default_path(char *buf, size_t cap)
{
	const char *p = getenv("CAIRN_PATH"), *home = getenv("HOME");

	if (p && *p)
		snprintf(buf, cap, "%s", p);
	else if (home && *home)
		snprintf(buf, cap, "%s/.cairn", home);
	else
		return -1;
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Write a small file atomically: temp file, fsync, rename. */
static int write_file(const char *path, const char *data, size_t len, mode_t mode, char *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		ERR("write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * A libp2p PeerID for an Ed25519 key: the identity multihash of the
 * protobuf PublicKey { Type: Ed25519 (1), Data: key }, in base58btc
 * ("12D3KooW..."), as Kubo derives it.
 */
int repo_key_peer_id(EVP_PKEY *key, char *out, size_t cap)
{
	uint8_t pub[32], pb[4 + 32];
	size_t n = sizeof pub;
	cairn_multihash mh;
	uint8_t mhb[CAIRN_MH_MAX_BYTES];
	size_t mn;

	if (EVP_PKEY_get_raw_public_key(key, pub, &n) != 1 || n != 32)
		return -1;
	pb[0] = 0x08; pb[1] = 0x01; pb[2] = 0x12; pb[3] = 0x20;
	memcpy(pb + 4, pub, 32);
	if (cairn_mh_set(&mh, CAIRN_MH_IDENTITY, pb, sizeof pb) != 0)
		return -1;
	cairn_mh_encode(&mh, mhb, sizeof mhb, &mn);
	return cairn_base_encode(CAIRN_BASE58BTC, mhb, mn, out, cap, NULL) == 0 ? 0 : -1;
}

static EVP_PKEY *load_key(const char *p, char *err);
static int index_dsn(const json_t *index, const char **dsn, char *err);
static int open_pg(repo *r, const char *dsn, char *err);

static int open_index(repo *r, char *err)
{
	char dir[4200];
	MDB_txn *txn;
	int rc;

	snprintf(dir, sizeof dir, "%s/index", r->path);
	if ((rc = mdb_env_create(&r->env)) != 0 ||
	    (rc = mdb_env_set_mapsize(r->env, REPO_MAP_SIZE)) != 0 ||
	    (rc = mdb_env_set_maxdbs(r->env, 16)) != 0 ||
	    /* MDB_NOTLS: read transactions may nest in one thread (a listing
	     * that looks each entry up in another database) */
	    (rc = mdb_env_open(r->env, dir, MDB_NOTLS, 0644)) != 0) {
		ERR("index %s: %s", dir, mdb_strerror(rc));
		if (r->env)
			mdb_env_close(r->env);
		r->env = NULL;
		return -1;
	}
	if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_dbi_open(txn, "pins", MDB_CREATE, &r->pins)) != 0 ||
	    (rc = mdb_dbi_open(txn, "pinreqs", MDB_CREATE, &r->pinreqs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tokens", MDB_CREATE, &r->tokens)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log_nodes", MDB_CREATE, &r->log_nodes)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log_leaves", MDB_CREATE, &r->log_leaves)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log_cids", MDB_CREATE, &r->log_cids)) != 0 ||
	    (rc = mdb_dbi_open(txn, "checkpoints", MDB_CREATE, &r->checkpoints)) != 0 ||
	    (rc = mdb_dbi_open(txn, "anchors", MDB_CREATE, &r->anchors)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &r->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "pinjournal", MDB_CREATE, &r->pinjournal)) != 0 ||
	    (rc = mdb_dbi_open(txn, "replicas", MDB_CREATE, &r->replicas)) != 0 ||
	    (rc = mdb_dbi_open(txn, "witness", MDB_CREATE, &r->witness)) != 0) {
		mdb_txn_abort(txn);
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		ERR("index: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* The blockstore's backend, as Datastore.Type says (docs/repo.md). */
static bs_backend *open_backend(repo *r, const json_t *ds, char *err)
{
	char p[4200];
	const char *type = json_string_value(json_object_get(ds, "Type"));

	if (!type || strcmp(type, "flatfs") == 0) {
		snprintf(p, sizeof p, "%s/blocks", r->path);
		return bs_flatfs_open(p, err);
	}
	if (strcmp(type, "rados") == 0) {
		json_t *t = json_object_get(ds, "TimeoutSeconds");
		bs_rados_conf c = {
			.conf_file = json_string_value(json_object_get(ds, "CephConf")),
			.pool = json_string_value(json_object_get(ds, "Pool")),
			.client = json_string_value(json_object_get(ds, "Client")),
			.timeout_s = json_is_integer(t) ? (int)json_integer_value(t) : 0,
		};
		if (!c.conf_file || !c.pool || (t && (!json_is_integer(t) || json_integer_value(t) < 1 ||
		                                      json_integer_value(t) > 3600))) {
			ERR("config: Datastore of Type rados needs CephConf and Pool (strings), and "
			    "TimeoutSeconds, if set, 1 to 3600");
			errno = EINVAL;
			return NULL;
		}
		return bs_rados_open(&c, err);
	}
	ERR("config: Datastore.Type '%s' is not flatfs or rados", type);
	errno = EINVAL;
	return NULL;
}

/* Write key as a PEM file at p, mode 0600, which must not exist. 0 or -1. */
static int write_key(const char *p, EVP_PKEY *key, char *err)
{
	FILE *f = NULL;
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		ERR("create %s: %s", p, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1 && fflush(f) == 0 &&
	         fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		ERR("write %s failed", p);
	return ok ? 0 : -1;
}

int repo_init(const char *path, const json_t *datastore, const json_t *index, const char *log_key,
              char *err)
{
	char p[4200], id[128], log_id[128] = "", cluster[128] = "";
	EVP_PKEY *key = NULL, *lkey = NULL;
	pgindex *pg = NULL;
	const char *dsn = NULL;
	json_t *cfg = NULL;
	char *text = NULL;
	int rc = -1;

	if (strlen(path) > REPO_PATH_MAX) {
		ERR("repo path longer than %d bytes", REPO_PATH_MAX);
		return -1;
	}
	snprintf(p, sizeof p, "%s/version", path);
	if (access(p, F_OK) == 0) {
		ERR("a repo already exists at %s", path);
		return -1;
	}
	int lmdb = index_dsn(index, &dsn, err);
	if (lmdb < 0)
		return -1;
	if (lmdb && log_key) {
		ERR("a log key goes with an index in PostgreSQL");
		return -1;
	}
	const char *type = json_string_value(json_object_get(datastore, "Type"));
	int flatfs = !type || strcmp(type, "flatfs") == 0;
	if (!lmdb) {
		/* the index first: a database of another cluster, or one that
		 * does not answer, is refused before anything is made */
		if (!(pg = pgindex_open(dsn, 1, cluster, sizeof cluster, err)))
			return REPO_E_DATASTORE;
		if (log_key) {
			lkey = load_key(log_key, err);
			if (!lkey || repo_key_peer_id(lkey, log_id, sizeof log_id) != 0)
				goto done;
		}
		if (*cluster && !log_key) {
			ERR("the index holds cluster %s: copy log.key from one of its nodes and pass "
			    "--log-key FILE", cluster);
			goto done;
		}
		if (*cluster && strcmp(cluster, log_id) != 0) {
			ERR("%s is the key of %s, but the index holds cluster %s", log_key, log_id, cluster);
			goto done;
		}
	}
	if (!flatfs) {
		/* a store elsewhere: reachable, and as configured, before any of
		 * the repo is made */
		repo probe;
		memset(&probe, 0, sizeof probe);
		bs_backend *be = open_backend(&probe, datastore, err);
		if (!be) {
			rc = REPO_E_DATASTORE;
			goto done;
		}
		be->ops->close(be);
	}
	if (mkdir_p(path, 0700) != 0) {
		ERR("create %s: %s", path, strerror(errno));
		goto done;
	}
	snprintf(p, sizeof p, "%s/blocks", path);
	if (flatfs && mkdir(p, 0755) != 0 && errno != EEXIST) {
		ERR("create %s: %s", p, strerror(errno));
		goto done;
	}
	if (flatfs && bs_flatfs_create(p, err) != 0)
		goto done;
	snprintf(p, sizeof p, "%s/index", path);
	if (lmdb && mkdir(p, 0755) != 0 && errno != EEXIST) {
		ERR("create %s: %s", p, strerror(errno));
		goto done;
	}
	if (!lmdb) {
		/* the cluster's checkpoint key: the one given, or a new one */
		if (!lkey && (!(lkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) ||
		              repo_key_peer_id(lkey, log_id, sizeof log_id) != 0)) {
			ERR("generating the log's Ed25519 key failed");
			goto done;
		}
		snprintf(p, sizeof p, "%s/" REPO_LOG_KEY, path);
		if (write_key(p, lkey, err) != 0)
			goto done;
		int claimed = pgindex_claim(pg, log_id, cluster, sizeof cluster, err);
		if (claimed < 0)
			goto done;
		if (claimed > 0) { /* another first node won the race */
			ERR("the index was claimed meanwhile by cluster %s: remove %s and init again with "
			    "--log-key (its log.key)", cluster, path);
			goto done;
		}
	}

	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!key || repo_key_peer_id(key, id, sizeof id) != 0) {
		ERR("generating the node's Ed25519 key failed");
		goto done;
	}
	snprintf(p, sizeof p, "%s/identity.key", path);
	if (write_key(p, key, err) != 0)
		goto done;

	json_t *ds = datastore ? json_deep_copy(datastore) : json_pack("{s:b}", "Compression", 1);
	cfg = json_pack("{s:{s:s}, s:{s:s, s:s}, s:o}",
	                "Identity", "PeerID", id,
	                "Addresses", "API", REPO_DEFAULT_API, "Gateway", REPO_DEFAULT_GATEWAY,
	                "Datastore", ds);
	if (cfg && !lmdb && json_object_set_new(cfg, "Index", json_deep_copy(index)) != 0) {
		json_decref(cfg);
		cfg = NULL;
	}
	text = cfg ? json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	snprintf(p, sizeof p, "%s/config", path);
	if (!text || write_file(p, text, strlen(text), 0600, err) != 0)
		goto done;

	/* The index is created now so that opening never has to. */
	if (lmdb) {
		repo tmp;
		memset(&tmp, 0, sizeof tmp);
		snprintf(tmp.path, sizeof tmp.path, "%s", path);
		if (open_index(&tmp, err) != 0)
			goto done;
		mdb_env_close(tmp.env);
	}
	/* version last: a repo without it is an unfinished init. */
	snprintf(p, sizeof p, "%s/version", path);
	if (write_file(p, REPO_VERSION "\n", strlen(REPO_VERSION) + 1, 0644, err) != 0)
		goto done;
	rc = 0;
done:
	EVP_PKEY_free(key);
	EVP_PKEY_free(lkey);
	pgindex_close(pg);
	json_decref(cfg);
	free(text);
	return rc;
}

/* The repo's version file says it is a repo this cairn reads. */
static int check_version(const char *path, char *err)
{
	char p[4200], buf[64];
	FILE *f;

	if (strlen(path) > REPO_PATH_MAX) {
		ERR("repo path longer than %d bytes", REPO_PATH_MAX);
		return -1;
	}
	snprintf(p, sizeof p, "%s/version", path);
	f = fopen(p, "r");
	if (!f && (errno == ENOENT || errno == ENOTDIR)) {
		ERR("no cairn repo at %s (run 'cairn init')", path);
		return -1;
	}
	if (!f) { /* there, but not ours to read (another user's, or its mode) */
		ERR("cannot open the repo at %s: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(buf, sizeof buf, f) || strcmp(buf, REPO_VERSION "\n") != 0) {
		fclose(f);
		ERR("repo %s has format version %s; this cairn reads version %s", path,
		    strtok(buf, "\n") ? buf : "?", REPO_VERSION);
		return -1;
	}
	fclose(f);
	return 0;
}

int repo_open_index(repo *r, const char *path, char *err)
{
	memset(r, 0, sizeof *r);
	r->lock_fd = -1;
	if (check_version(path, err) != 0)
		return -1;
	snprintf(r->path, sizeof r->path, "%s", path);
	/* which index: the config says */
	const char *dsn;
	if (!(r->config = repo_config_load(path, err)))
		return -1;
	int lmdb = index_dsn(json_object_get(r->config, "Index"), &dsn, err);
	if (lmdb < 0 || (lmdb ? open_index(r, err) : open_pg(r, dsn, err)) != 0) {
		repo_close(r);
		return -1;
	}
	return 0;
}

int repo_open(repo *r, const char *path, int *holder, char *err)
{
	char p[4200], buf[64];
	json_error_t jerr;

	memset(r, 0, sizeof *r);
	r->lock_fd = -1;
	if (holder)
		*holder = 0;
	if (check_version(path, err) != 0)
		return -1;
	snprintf(r->path, sizeof r->path, "%s", path);

	snprintf(p, sizeof p, "%s/repo.lock", path);
	r->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (r->lock_fd < 0) {
		ERR("open %s: %s", p, strerror(errno));
		return -1;
	}
	if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int pid = 0;
		ssize_t n = pread(r->lock_fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			pid = atoi(buf);
		}
		if (holder)
			*holder = pid;
		ERR("repo %s is in use by process %d (a running cairn daemon?)", path, pid);
		close(r->lock_fd);
		r->lock_fd = -1;
		return -1;
	}
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(r->lock_fd, 0) != 0 || pwrite(r->lock_fd, buf, strlen(buf), 0) < 0) {
		ERR("write %s: %s", p, strerror(errno));
		goto fail;
	}

	snprintf(p, sizeof p, "%s/config", path);
	r->config = json_load_file(p, 0, &jerr);
	if (!r->config) {
		ERR("config %s: %s (line %d)", p, jerr.text, jerr.line);
		goto fail;
	}
	const char *id = repo_config_str(r, "Identity", "PeerID");
	snprintf(r->peer_id, sizeof r->peer_id, "%s", id ? id : "");
	snprintf(r->log_id, sizeof r->log_id, "%s", r->peer_id);
	json_t *ds = json_object_get(r->config, "Datastore");
	int compress = !json_is_false(json_object_get(ds, "Compression"));
	const char *dsn;
	int lmdb = index_dsn(json_object_get(r->config, "Index"), &dsn, err);
	if (lmdb < 0)
		goto fail;
	if (!lmdb && open_pg(r, dsn, err) != 0) {
		repo_close(r);
		return REPO_E_DATASTORE;
	}

	bs_backend *be = open_backend(r, ds, err);
	if (!be) {
		repo_close(r);
		return REPO_E_DATASTORE;
	}
	if (blockstore_open(&r->bs, be, compress, err) != 0 || (lmdb && open_index(r, err) != 0))
		goto fail;
	return 0;
fail:
	repo_close(r);
	return -1;
}

void repo_close(repo *r)
{
	blockstore_close(&r->bs); /* uncommitted blocks are dropped */
	if (r->env)
		mdb_env_close(r->env);
	r->env = NULL;
	pgindex_close(r->pg);
	r->pg = NULL;
	free(r->tokens_cache);
	r->tokens_cache = NULL;
	json_decref(r->config);
	r->config = NULL;
	if (r->lock_fd >= 0) {
		/* Leave the file (it is the lock); the pid in it goes stale harmlessly. */
		flock(r->lock_fd, LOCK_UN);
		close(r->lock_fd);
	}
	r->lock_fd = -1;
}

const char *repo_config_str(const repo *r, const char *section, const char *key)
{
	return json_string_value(json_object_get(json_object_get(r->config, section), key));
}

json_t *repo_config_load(const char *path, char *err)
{
	char p[4200];
	json_error_t jerr;
	snprintf(p, sizeof p, "%s/config", path);
	json_t *cfg = json_load_file(p, 0, &jerr);
	if (!cfg)
		ERR("config %s: %s (line %d)", p, jerr.text, jerr.line);
	else if (!json_is_object(cfg)) {
		ERR("config %s: not a JSON object", p);
		json_decref(cfg);
		cfg = NULL;
	}
	return cfg;
}

int repo_config_save(const char *path, const json_t *cfg, char *err)
{
	char p[4200];
	char *text = json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		ERR("out of memory");
		return -1;
	}
	snprintf(p, sizeof p, "%s/config", path);
	int rc = write_file(p, text, strlen(text), 0600, err);
	free(text);
	return rc;
}

/* Walk cfg along the dotted key; with make, create the objects on the
 * way. The parent object and the last segment (NUL-terminated in buf). */
static json_t *config_parent(json_t *cfg, const char *key, int make, char *buf, const char **last)
{
	snprintf(buf, REPO_CONFIG_KEY_MAX, "%s", key);
	json_t *at = cfg;
	char *seg = buf, *dot;
	while ((dot = strchr(seg, '.'))) {
		*dot = '\0';
		json_t *next = json_object_get(at, seg);
		if (!next && make) {
			next = json_object();
			if (!next || json_object_set_new(at, seg, next) != 0)
				return NULL;
		}
		if (!json_is_object(next))
			return NULL;
		at = next;
		seg = dot + 1;
	}
	*last = seg;
	return at;
}

/* A dotted key: segments of letters, digits, '_' and '-', none empty. */
static int config_key_ok(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n >= REPO_CONFIG_KEY_MAX || key[0] == '.' || key[n - 1] == '.' || strstr(key, ".."))
		return 0;
	for (const char *p = key; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

json_t *repo_config_get(json_t *cfg, const char *key)
{
	char buf[REPO_CONFIG_KEY_MAX];
	const char *last;
	if (!config_key_ok(key))
		return NULL;
	json_t *parent = config_parent(cfg, key, 0, buf, &last);
	return parent ? json_object_get(parent, last) : NULL;
}

int repo_config_set(json_t *cfg, const char *key, json_t *value, char *err)
{
	char buf[REPO_CONFIG_KEY_MAX];
	const char *last;
	int rc = -1;
	if (!value) {
		ERR("out of memory");
		return -1;
	}
	if (!config_key_ok(key)) {
		ERR("'%.100s' is not a config key (dotted names: letters, digits, _ and -)", key);
		goto done;
	}
	if (!strcmp(key, "Identity") || !strncmp(key, "Identity.", 9)) {
		ERR("Identity is the repo's key pair's (identity.key): it cannot be set");
		goto done;
	}
	json_t *parent = config_parent(cfg, key, 1, buf, &last);
	if (!parent) {
		ERR("%.100s: a part of it is not an object", key);
		goto done;
	}
	rc = json_object_set(parent, last, value) == 0 ? 0 : -1;
	if (rc)
		ERR("out of memory");
done:
	json_decref(value);
	return rc;
}

int repo_index_result(int rc, int absent, const char *what, char *err)
{
	if (rc == absent)
		return 1;
	if (rc != 0) {
		ERR("%s: %s", what, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int repo_index_put(repo *r, MDB_dbi dbi, const MDB_val *k, const MDB_val *v, unsigned flags,
                   char *err)
{
	MDB_txn *txn;
	MDB_val key = *k, val = *v;
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_put(txn, dbi, &key, &val, flags);
		if (rc != 0)
			mdb_txn_abort(txn);
		else
			rc = mdb_txn_commit(txn); /* frees txn, also on failure */
	}
	return repo_index_result(rc, MDB_KEYEXIST, "index", err);
}

int repo_index_del(repo *r, MDB_dbi dbi, const MDB_val *k, char *err)
{
	MDB_txn *txn;
	MDB_val key = *k;
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_del(txn, dbi, &key, NULL);
		if (rc != 0)
			mdb_txn_abort(txn);
		else
			rc = mdb_txn_commit(txn);
	}
	return repo_index_result(rc, MDB_NOTFOUND, "index", err);
}

int repo_index_get_json(repo *r, MDB_dbi dbi, const MDB_val *k, json_t **out, char *err)
{
	MDB_txn *txn;
	MDB_val key = *k, v;
	*out = NULL;
	int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
	if (rc == 0) {
		rc = mdb_get(txn, dbi, &key, &v);
		if (rc == 0 && !(*out = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
			mdb_txn_abort(txn);
			ERR("index: a stored record is not JSON");
			return -1;
		}
		mdb_txn_abort(txn);
	}
	return repo_index_result(rc, MDB_NOTFOUND, "index", err);
}

/* Where a walk starts: the first entry at or after start, or (backwards)
 * the last one before it. */
static int walk_first(MDB_cursor *cur, int direction, const MDB_val *start, MDB_val *k, MDB_val *v)
{
	if (!start)
		return mdb_cursor_get(cur, k, v, direction == REPO_BACKWARD ? MDB_LAST : MDB_FIRST);
	*k = *start;
	int rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (direction != REPO_BACKWARD)
		return rc;
	return rc == 0 ? mdb_cursor_get(cur, k, v, MDB_PREV)
	       : rc == MDB_NOTFOUND ? mdb_cursor_get(cur, k, v, MDB_LAST) : rc;
}

int repo_index_foreach(repo *r, MDB_dbi dbi, int direction, const MDB_val *start, repo_visit_fn fn,
                       void *ctx, char *err)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_cursor_op next = direction == REPO_BACKWARD ? MDB_PREV : MDB_NEXT;
	int stop = 0, rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		goto done;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) == 0) {
		for (rc = walk_first(cur, direction, start, &k, &v); rc == 0 && !stop;
		     rc = mdb_cursor_get(cur, &k, &v, next))
			stop = fn(ctx, &k, &v);
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
done:
	if (stop)
		return stop;
	return repo_index_result(rc, MDB_NOTFOUND, "index", err) < 0 ? -1 : 0;
}

/* An Ed25519 private key from a PEM file: the caller frees it. NULL with
 * err set. */
static EVP_PKEY *load_key(const char *p, char *err)
{
	FILE *f = fopen(p, "r");
	if (!f) {
		ERR("open %s: %s", p, strerror(errno));
		return NULL;
	}
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		ERR("%s is not an Ed25519 private key", p);
		return NULL;
	}
	return k;
}

EVP_PKEY *repo_identity_key(const repo *r, char *err)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/identity.key", r->path);
	return load_key(p, err);
}

EVP_PKEY *repo_log_key(const repo *r, char *err)
{
	char p[4200];
	if (!r->pg)
		return repo_identity_key(r, err);
	snprintf(p, sizeof p, "%s/" REPO_LOG_KEY, r->path);
	return load_key(p, err);
}

EVP_PKEY *repo_witness_key(const repo *r, int create, char *err)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/" REPO_WITNESS_KEY, r->path);
	if (create && access(p, F_OK) != 0) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		/* two processes at once: the second finds the first's file */
		int rc = k ? write_key(p, k, err) : -1;
		EVP_PKEY_free(k);
		if (rc != 0 && errno != EEXIST)
			return NULL;
	}
	return load_key(p, err);
}

/* The PeerID of the key in a PEM file: 0 or -1 with err set. */
static int key_file_id(const char *p, char *id, size_t cap, char *err)
{
	EVP_PKEY *k = load_key(p, err);
	int rc = k && repo_key_peer_id(k, id, cap) == 0 ? 0 : -1;
	if (k && rc)
		ERR("%s: cannot derive its PeerID", p);
	EVP_PKEY_free(k);
	return rc;
}

/* The PostgreSQL index of config Index (NULL: LMDB), its DSN in *dsn. 0,
 * 1 (LMDB), or -1 with err set (errno EINVAL). */
static int index_dsn(const json_t *index, const char **dsn, char *err)
{
	const char *type = json_string_value(json_object_get(index, "Type"));
	*dsn = json_string_value(json_object_get(index, "DSN"));
	if (!index || (type && strcmp(type, "lmdb") == 0))
		return 1;
	if (!type || strcmp(type, "postgres") != 0 || !*dsn || !**dsn) {
		ERR("config: Index must be {\"Type\": \"postgres\", \"DSN\": \"...\"} or absent (LMDB)");
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Open the PostgreSQL index named by the config and check that it is the
 * cluster whose log key this repo holds. 0, or -1 with err set. */
static int open_pg(repo *r, const char *dsn, char *err)
{
	char p[4200], cluster[128];
	snprintf(p, sizeof p, "%s/" REPO_LOG_KEY, r->path);
	if (key_file_id(p, r->log_id, sizeof r->log_id, err) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (!(r->pg = pgindex_open(dsn, 0, cluster, sizeof cluster, err)))
		return -1;
	if (strcmp(cluster, r->log_id) != 0) {
		ERR("index: the database holds cluster %s's index, but this repo's log.key is %s's",
		    *cluster ? cluster : "(none)", r->log_id);
		errno = EINVAL;
		return -1;
	}
	return 0;
}
