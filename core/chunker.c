#include "cairn/chunker.h"
#include "cairn/error.h"

#include <string.h>

int cairn_chunker_parse(const char *spec, size_t *size)
{
	if (strcmp(spec, "default") == 0 || spec[0] == '\0') {
		*size = CAIRN_CHUNK_SIZE_DEFAULT;
		return CAIRN_OK;
	}
	if (strncmp(spec, "size-", 5) != 0)
		return CAIRN_E_INVAL;
	const char *p = spec + 5;
	if (*p < '0' || *p > '9')
		return CAIRN_E_INVAL;
	uint64_t v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return CAIRN_E_INVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > CAIRN_CHUNK_SIZE_MAX)
			return CAIRN_E_LIMIT;
	}
	if (v == 0)
		return CAIRN_E_LIMIT;
	*size = (size_t)v;
	return CAIRN_OK;
}

int cairn_chunker_init(cairn_chunker *c, size_t size, uint8_t *buf, size_t cap)
{
	if (size == 0 || size > CAIRN_CHUNK_SIZE_MAX)
		return CAIRN_E_LIMIT;
	if (!buf || cap < size)
		return CAIRN_E_BUFFER;
	c->size = size;
	c->buf = buf;
	c->pending = 0;
	return CAIRN_OK;
}

int cairn_chunker_push(cairn_chunker *c, const uint8_t **data, size_t *len,
                       const uint8_t **chunk, size_t *chunk_len)
{
	if (c->pending == 0 && *len >= c->size) {
		*chunk = *data;
		*chunk_len = c->size;
		*data += c->size;
		*len -= c->size;
		return 1;
	}
	size_t take = c->size - c->pending;
	if (take > *len)
		take = *len;
	if (take)
		memcpy(c->buf + c->pending, *data, take);
	c->pending += take;
	*data += take;
	*len -= take;
	if (c->pending < c->size)
		return 0;
	c->pending = 0;
	*chunk = c->buf;
	*chunk_len = c->size;
	return 1;
}

int cairn_chunker_finish(cairn_chunker *c, const uint8_t **chunk, size_t *chunk_len)
{
	if (c->pending == 0)
		return 0;
	*chunk = c->buf;
	*chunk_len = c->pending;
	c->pending = 0;
	return 1;
}
