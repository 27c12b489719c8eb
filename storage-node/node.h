/* The running daemon's state, shared by its HTTP handlers. */
#ifndef CAIRN_NODE_H
#define CAIRN_NODE_H

#include <event2/event.h>
#include <event2/http.h>

#include "repo.h"

typedef struct node {
	repo repo;
	struct event_base *base;
	struct evhttp *api, *gateway;
} node;

#endif
