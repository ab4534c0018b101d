/* The fleet's pieces that run no sandbox: node names and ids (server/serve_fleet.c), the node
 * label on /metrics, and base_url as a list in task files (evaluator/config*.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/serve_fleet.h"
#include "evaluator/config.h"
#include "util.h"

static void test_node_names(void **state)
{
        static const char *const good[] = {"a", "sbx-0", "node-12", "0",
                                           "abcdefghij0123456789abcdefghij0123456789"};
        static const char *const bad[] = {
            "",    "-a",  "a-", "Sbx-0", "a.b",
            "a_b", "a b", "é",  "a/b",   "abcdefghij0123456789abcdefghij0123456789x"};

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                assert_int_equal(sbx_node_name_check(good[i]), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(sbx_node_name_check(bad[i]), -EINVAL);
        assert_int_equal(sbx_node_name_check(NULL), -EINVAL);
}

static void test_foreign_ids(void **state)
{
        struct sbx_serve_config cfg = {.node_name = "sbx-0"};
        struct sbx_server srv = {.cfg = &cfg};
        char node[SBX_NODE_NAME_MAX + 1];

        /* This node's own ids, and ids that name no node, are looked up as usual. */
        assert_false(sbx_node_foreign_id(&srv, "sbx-0.abcdefgh", node));
        assert_false(sbx_node_foreign_id(&srv, "abcdefgh", node));
        assert_false(sbx_node_foreign_id(&srv, ".abcdefgh", node));
        /* Another node's, however close the name. */
        assert_true(sbx_node_foreign_id(&srv, "sbx-1.abcdefgh", node));
        assert_string_equal(node, "sbx-1");
        assert_true(sbx_node_foreign_id(&srv, "sbx-00.abcdefgh", node));
        assert_string_equal(node, "sbx-00");
        assert_true(sbx_node_foreign_id(&srv, "sbx.abcdefgh", node));
        assert_string_equal(node, "sbx");
        /* A server without a name owns no named id. */
        cfg.node_name = NULL;
        assert_true(sbx_node_foreign_id(&srv, "sbx-0.abcdefgh", node));
        assert_false(sbx_node_foreign_id(&srv, "abcdefgh", node));
}

static void test_metrics_label(void **state)
{
        struct sbx_serve_config cfg = {.node_name = "sbx-2"};
        struct sbx_server srv = {.cfg = &cfg};
        const char *in = "# HELP a An a.\n# TYPE a counter\na 1\nb{verdict=\"OK\"} 2\nc{} 3\n";
        char *out = sbx_node_metrics(&srv, strdup(in));

        assert_non_null(out);
        assert_non_null(strstr(out, "# HELP a An a.\n# TYPE a counter\na{node=\"sbx-2\"} 1\n"
                                    "b{node=\"sbx-2\",verdict=\"OK\"} 2\nc{node=\"sbx-2\"} 3\n"));
        assert_non_null(strstr(out, "sandboxrt_node_info{node=\"sbx-2\",version=\""));
        assert_non_null(strstr(out, "sandboxrt_draining{node=\"sbx-2\"} 0\n"));
        free(out);

        /* No name: the text as it was, plus the fleet's gauges, unlabelled; draining shows. */
        cfg.node_name = NULL;
        atomic_store(&srv.stopping, true);
        out = sbx_node_metrics(&srv, strdup(in));
        assert_non_null(out);
        assert_memory_equal(out, in, strlen(in));
        assert_non_null(strstr(out, "\nsandboxrt_draining 1\n"));
        free(out);
        assert_null(sbx_node_metrics(&srv, NULL));
}

static struct sbx_eval_config *parse(const char *text, const struct sbx_eval_overrides *ov,
                                     struct sbx_error **err)
{
        struct sbx_eval_config *c = NULL;

        if (sbx_eval_config_parse(text, strlen(text), "task.yaml", NULL, ov, &c, err) < 0)
                return NULL;
        return c;
}

static void test_base_url_list(void **state)
{
        struct sbx_error *err = NULL;
        struct sbx_eval_config *c = parse("model: reference\ndatasets: [humaneval]\n"
                                          "sandbox:\n  manager_config:\n    base_url:\n"
                                          "      - http://127.0.0.1:1\n"
                                          "      - https://127.0.0.1:2/\n",
                                          NULL, &err);

        assert_non_null(c);
        assert_string_equal(c->backend, "remote");
        assert_string_equal(c->remote_urls[0], "http://127.0.0.1:1");
        assert_string_equal(c->remote_urls[1], "https://127.0.0.1:2/");
        assert_null(c->remote_urls[2]);
        char *yaml = sbx_eval_config_to_yaml(c);
        assert_non_null(strstr(yaml, "- http://127.0.0.1:1\n"));
        free(yaml);
        sbx_eval_config_free(c);

        /* One URL is still a plain string; --remote (repeated) replaces the file's list. */
        const char *const cli[] = {"http://127.0.0.1:3", "http://127.0.0.1:4", NULL};
        struct sbx_eval_overrides ov = {.remote_urls = cli};
        c = parse("model: reference\ndatasets: [humaneval]\n"
                  "sandbox_manager_config: {base_url: http://127.0.0.1:1}\n",
                  &ov, &err);
        assert_non_null(c);
        assert_string_equal(c->remote_urls[0], "http://127.0.0.1:3");
        assert_string_equal(c->remote_urls[1], "http://127.0.0.1:4");
        assert_null(c->remote_urls[2]);
        sbx_eval_config_free(c);
}

static void test_base_url_errors(void **state)
{
        static const char *const bad[][2] = {
            {"base_url: [http://127.0.0.1:1, ftp://h]", "'ftp://h' is not an http:// or https://"},
            {"base_url: [http://127.0.0.1:1, http://127.0.0.1:1]", "listed twice"},
            {"base_url: {a: b}", "expected a list of strings"},
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct sbx_error *err = NULL;
                char *text = sbx_strdup_printf("model: reference\ndatasets: [humaneval]\n"
                                               "sandbox_manager_config: {%s}\n",
                                               bad[i][0]);
                assert_null(parse(text, NULL, &err));
                assert_non_null(err);
                assert_non_null(strstr(err->message, bad[i][1]));
                sbx_error_free(err);
                free(text);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_node_names),      cmocka_unit_test(test_foreign_ids),
            cmocka_unit_test(test_metrics_label),   cmocka_unit_test(test_base_url_list),
            cmocka_unit_test(test_base_url_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
