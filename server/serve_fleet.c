/* sandboxrt serve as a node of a fleet: node names in sandbox ids and on /metrics. */
#include "server/serve_fleet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int sbx_node_name_check(const char *name)
{
        size_t n = name ? strlen(name) : 0;

        if (n == 0 || n > SBX_NODE_NAME_MAX || name[0] == '-' || name[n - 1] == '-' ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
                return -EINVAL;
        return 0;
}

bool sbx_node_foreign_id(const struct sbx_server *srv, const char *id,
                         char node[SBX_NODE_NAME_MAX + 1])
{
        const char *sep = id ? strchr(id, SBX_NODE_ID_SEP) : NULL;
        const char *mine = srv->cfg->node_name;
        size_t n = sep ? (size_t)(sep - id) : 0;

        if (!sep || n == 0 || n > SBX_NODE_NAME_MAX)
                return false;
        if (mine && strlen(mine) == n && !strncmp(id, mine, n))
                return false;
        memcpy(node, id, n);
        node[n] = '\0';
        return true;
}

bool sbx_node_reply_foreign(struct sbx_http_request *req, struct sbx_http_response *resp,
                            const char *id)
{
        char node[SBX_NODE_NAME_MAX + 1];
        const char *mine = req->srv->cfg->node_name;

        if (!sbx_node_foreign_id(req->srv, id, node))
                return false;
        /* Never look the id up here: another node's sandbox is not this node's to serve. */
        sbx_http_reply_detail(resp, 404,
                              "Sandbox %s not found: it was created on node '%s', and this is "
                              "%s%s%s; node '%s' is gone (stopped, failed or removed from the "
                              "fleet), and its sandboxes with it",
                              id, node, mine ? "node '" : "a server without a node name",
                              mine ? mine : "", mine ? "'" : "", node);
        return true;
}

/* ---- /metrics ----------------------------------------------------------------------------- */

static void put_escaped(FILE *f, const char *s)
{
        for (; *s; s++) {
                if (*s == '\\' || *s == '"')
                        fputc('\\', f);
                if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
        }
}

/* One sample line with node="..." first among its labels. */
static void put_labelled(FILE *f, const char *line, size_t len, const char *node)
{
        size_t name = strcspn(line, "{ ");

        if (name > len)
                name = len;
        fwrite(line, 1, name, f);
        fputs("{node=\"", f);
        put_escaped(f, node);
        fputc('"', f);
        if (name < len && line[name] == '{') {
                name++;
                if (line[name] != '}')
                        fputc(',', f);
        } else {
                fputc('}', f);
        }
        fwrite(line + name, 1, len - name, f);
}

char *sbx_node_metrics(struct sbx_server *srv, char *text)
{
        _cleanup_free_ char *in = text;
        const char *node = srv->cfg->node_name;
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        _cleanup_free_ char *all =
            in ? sbx_strdup_printf("%s"
                                   "# HELP sandboxrt_node_info This node's version.\n"
                                   "# TYPE sandboxrt_node_info gauge\n"
                                   "sandboxrt_node_info{version=\"%s\"} 1\n"
                                   "# HELP sandboxrt_draining 1 from SIGTERM on: the node "
                                   "takes no new work.\n"
                                   "# TYPE sandboxrt_draining gauge\n"
                                   "sandboxrt_draining %d\n",
                                   in, SBX_VERSION, atomic_load(&srv->stopping) ? 1 : 0)
               : NULL;
        if (!all || !node)
                return TAKE_PTR(all);
        if (!(f = open_memstream(&out, &size)))
                return NULL;
        for (const char *p = all; *p;) {
                size_t len = strcspn(p, "\n");
                if (*p == '#' || len == 0)
                        fwrite(p, 1, len, f);
                else
                        put_labelled(f, p, len, node);
                p += len;
                if (*p == '\n')
                        fputc(*p++, f);
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}
