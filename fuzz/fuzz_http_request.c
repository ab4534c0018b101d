/* sandboxrt serve's request parsing: the request target (path and query string) and every JSON
 * body the API takes. The first byte picks the parser, the rest is the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "util.h"
#include "server/http_parse.h"
#include "server/serve_request.h"

static void target(const char *s, size_t n)
{
        struct sbx_http_target t;

        if (sbx_http_target_parse(s, n, &t) == 0) {
                for (size_t i = 0; i < t.query.n; i++)
                        (void)sbx_http_query_get(&t.query, t.query.keys[i]);
                sbx_http_target_clear(&t);
        }
}

static void text(const char *s, size_t n)
{
        char *out = sbx_utf8_sanitize(s, n), *dec = NULL, *rel = NULL;
        const char *why;
        size_t size;

        free(out);
        if (sbx_base64_decode(s, n, &dec, &size) == 0) {
                char *enc = sbx_base64_encode(dec, size);
                if (enc && (strlen(enc) != n || memcmp(enc, s, n)))
                        abort(); /* a decoded text must encode back to itself */
                free(enc);
                free(dec);
        }
        char *z = strndup(s, n);
        if (z && sbx_http_map_path(NULL, "/sandbox", z, &rel, &why) == 0) {
                if (strstr(rel, "..") &&
                    (!strncmp(rel, "../", 3) || strstr(rel, "/../") || !strcmp(rel, "..")))
                        abort(); /* a mapped path never climbs out */
                free(rel);
        }
        free(z);
}

static void bodies(uint8_t which, const char *s, size_t n)
{
        char *detail = NULL;

        switch (which % 5) {
        case 0: {
                struct sbx_sandbox_config c;
                if (sbx_req_parse_sandbox_config(s, n, &c, &detail) == 0)
                        sbx_sandbox_config_clear(&c);
                break;
        }
        case 1: {
                struct sbx_tool_call c;
                if (sbx_req_parse_tool_call(s, n, &c, &detail) == 0)
                        sbx_tool_call_clear(&c);
                break;
        }
        case 2: {
                struct sbx_tool_params p;
                if (sbx_req_parse_tool_params(s, n, &p, &detail) == 0)
                        sbx_tool_params_clear(&p);
                break;
        }
        case 3: {
                struct sbx_run_request r;
                if (sbx_req_parse_run(s, n, &r, &detail) == 0)
                        sbx_run_request_clear(&r);
                break;
        }
        default: {
                struct sbx_run_batch b;
                if (sbx_req_parse_batch(s, n, &b, &detail) == 0)
                        sbx_run_batch_clear(&b);
        }
        }
        free(detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1 || size > (1u << 20))
                return 0;
        const char *s = (const char *)data + 1;
        size_t n = size - 1;

        if (data[0] == 't')
                target(s, n);
        else if (data[0] == 'x')
                text(s, n);
        else
                bodies(data[0], s, n);
        return 0;
}
