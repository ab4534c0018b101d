/* What the routes answer with, and the request bounds they share. Apart from the daemon
 * (http_server.c), which calls the routes, so that no route calls back into it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_conns.h"
#include "server/http_server.h"
#include "server/serve_tenants.h"
#include "util.h"

void sbx_http_reply_raw(struct sbx_http_response *resp, unsigned status, const char *content_type,
                        char *body, size_t size)
{
        free(resp->body);
        resp->status = body ? status : 500;
        resp->body = body;
        resp->size = body ? size : 0;
        resp->content_type = content_type;
}

void sbx_http_reply_json(struct sbx_http_response *resp, unsigned status, cJSON *json)
{
        char *text = json ? cJSON_PrintUnformatted(json) : NULL;

        cJSON_Delete(json);
        sbx_http_reply_raw(resp, status, "application/json", text, text ? strlen(text) : 0);
}

void sbx_http_reply_detail(struct sbx_http_response *resp, unsigned status, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        _cleanup_free_ char *clean = msg ? sbx_utf8_sanitize(msg, strlen(msg)) : NULL;
        cJSON *o = cJSON_CreateObject();
        if (o && !cJSON_AddStringToObject(o, "detail", clean ? clean : "internal error")) {
                cJSON_Delete(o);
                o = NULL;
        }
        sbx_http_reply_json(resp, status, o);
}

void sbx_http_reply_wait_error(struct sbx_http_response *resp, int r, unsigned timeout_status,
                               uint64_t waited_ms)
{
        switch (r) {
        case -EAGAIN:
                sbx_http_reply_detail(resp, 503, "Server busy: the job queue is full");
                break;
        case -ETIMEDOUT:
                if (timeout_status == 408)
                        sbx_http_reply_detail(resp, 408,
                                              "No idle sandbox available within %g seconds",
                                              waited_ms / 1000.0);
                else
                        sbx_http_reply_detail(resp, timeout_status,
                                              "Server busy: no execution slot became free "
                                              "within %g seconds",
                                              waited_ms / 1000.0);
                break;
        case -ESHUTDOWN:
                sbx_http_reply_detail(resp, 503, "Server is shutting down");
                break;
        case -ECONNRESET:
                /* Nobody will read this; the status shows in the log line. */
                sbx_http_reply_detail(resp, 499, "Client closed the connection");
                break;
        default:
                sbx_http_reply_detail(resp, 500, "%s", strerror(-r));
        }
}

bool sbx_http_reply_if_gone(const struct sbx_http_request *req, struct sbx_http_response *resp)
{
        if (!sbx_client_gone(req->client_fd))
                return false;
        sbx_http_reply_wait_error(resp, -ECONNRESET, 503, 0);
        return true;
}

struct sbx_wait sbx_http_wait(const struct sbx_http_request *req, uint64_t wait_ms)
{
        return (struct sbx_wait){
            .deadline_usec = sbx_now_usec() + wait_ms * 1000,
            .client_fd = req->client_fd,
            .stopping = &req->srv->stopping,
        };
}

unsigned sbx_http_refusal_status(int r, unsigned fallback)
{
        return r == -SBX_ECEILING ? 422 : r == -EDQUOT ? 429 : fallback;
}

unsigned sbx_http_take_jobs(struct sbx_http_request *req, struct sbx_http_response *resp,
                            unsigned want)
{
        struct sbx_tenant *t = req->tenant;
        unsigned got = sbx_tenant_jobs_take(t, want);

        if (!got)
                sbx_http_reply_detail(resp, 429,
                                      "quota max_jobs (%u) of tenant %s reached: %u jobs are "
                                      "in flight; retry when one has ended",
                                      t->max_jobs, t->name, atomic_load(&t->jobs));
        return got;
}

/* ---- requests ----------------------------------------------------------------------------- */
