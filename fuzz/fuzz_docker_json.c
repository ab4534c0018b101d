/* Docker Engine JSON answers: the first byte picks the parser, the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *body = (const char *)data + 1;
        size_t len = size ? size - 1 : 0;
        struct sbx_docker_version v;
        struct sbx_docker_info info;
        struct sbx_docker_exec_state es;
        struct sbx_docker_container_state cs;
        struct sbx_docker_container_summary *list;
        struct sbx_docker_stats st;
        struct sbx_docker_pull_line pl;
        size_t n;
        char *s;

        if (size == 0)
                return 0;
        switch (data[0] % 9) {
        case 0:
                if (sbx_docker_parse_version(body, len, &v) == 0)
                        sbx_docker_version_clear(&v);
                break;
        case 1:
                if (sbx_docker_parse_info(body, len, &info) == 0)
                        sbx_docker_info_clear(&info);
                break;
        case 2:
                free(sbx_docker_parse_message(body, len));
                break;
        case 3:
                if (sbx_docker_parse_id(body, len, &s) == 0)
                        free(s);
                break;
        case 4:
                (void)sbx_docker_parse_exec_state(body, len, &es);
                break;
        case 5:
                if (sbx_docker_parse_container_state(body, len, &cs) == 0)
                        sbx_docker_container_state_clear(&cs);
                break;
        case 6:
                if (sbx_docker_parse_container_list(body, len, &list, &n) == 0)
                        sbx_docker_container_list_free(list, n);
                break;
        case 7:
                (void)sbx_docker_parse_stats(body, len, &st);
                break;
        default:
                if (sbx_docker_parse_pull_line(body, len, &pl) == 0)
                        sbx_docker_pull_line_clear(&pl);
                if ((s = strndup(body, len))) { /* api_compare takes C strings */
                        (void)sbx_docker_api_compare(s, "1.41");
                        free(s);
                }
        }
        return 0;
}
