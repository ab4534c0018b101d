/* sandboxrt serve as one node of a fleet behind a load balancer: sandbox ids that name their
 * node (so HAProxy can route a sandbox's requests to it, deploy/haproxy/haproxy.cfg), a 404
 * that says so for another node's sandbox, and the node label and drain gauge on /metrics.
 * Internal to server/. */
#ifndef SBX_SERVE_FLEET_H
#define SBX_SERVE_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "server/http_server.h"

/* A node name is a DNS label (what a Kubernetes pod or a host is called): 1 to 40 of
 * [a-z0-9-], not starting or ending with '-'. */
#define SBX_NODE_NAME_MAX 40

/* Between a node name and the random part of a sandbox id: never in a node name, and one
 * character HAProxy's field() converter can split on. */
#define SBX_NODE_ID_SEP '.'

/* 0 when name is a valid node name, else -EINVAL. */
int sbx_node_name_check(const char *name);

/* When id carries a node name other than this server's, true and that name in node[]. An id
 * without a node part (a server started without --node-name) is never foreign. */
bool sbx_node_foreign_id(const struct sbx_server *srv, const char *id,
                         char node[SBX_NODE_NAME_MAX + 1]);

/* For a route whose sandbox id is another node's: a 404 whose detail says which node holds it
 * (a load balancer sends such requests here only when that node is gone). Returns true when it
 * replied. */
bool sbx_node_reply_foreign(struct sbx_http_request *req, struct sbx_http_response *resp,
                            const char *id);

/* The fleet's lines added to a /metrics text (sandboxrt_node_info, sandboxrt_draining) and,
 * on a node with a name, a node="NAME" label on every sample, so Prometheus can sum a fleet and
 * tell its nodes apart. Consumes text; returns a new malloc'd text, NULL when out of memory (or
 * when text was NULL). */
char *sbx_node_metrics(struct sbx_server *srv, char *text);

#endif
