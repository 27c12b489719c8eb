/*
 * Runs a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer: make check replays every committed seed and every input that
 * once crashed (test/fuzz/corpus/<target>/), in the plain and the
 * sanitizer build. Prints one TAP line per target.
 *   replay NAME DIR...
 */
#define _DEFAULT_SOURCE 1
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static size_t replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	/* each input is copied into a buffer of exactly its size, so that a
	 * read past the end is caught by ASan as it is under libFuzzer */
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(1);
	}
	fclose(f);
	fprintf(stderr, "%s\n", path); /* so a crash names its input */
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 1;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: replay NAME DIR...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (!d) {
			count += replay_file(argv[i]);
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				count += replay_file(path);
		}
		closedir(d);
	}
	if (count == 0) {
		printf("not ok 1 - %s: no inputs\n", argv[1]);
		return 1;
	}
	printf("ok 1 - %s: %zu inputs replayed, every property held\n1..1\n", argv[1], count);
	return 0;
}
