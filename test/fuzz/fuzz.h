/*
 * Shared by the fuzz targets: each defines LLVMFuzzerTestOneInput() and
 * checks properties of what a parser accepts (round trips, bounds), not
 * only that it does not crash. FUZZ_CHECK aborts, which libFuzzer (and
 * the replayer run by make check) reports as a failure with the input.
 */
#ifndef CAIRN_FUZZ_H
#define CAIRN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                               \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
