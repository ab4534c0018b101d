/* A host program that runs untrusted code through libsandboxrt.
 *
 *   cc embed.c $(pkg-config --cflags --libs sandboxrt) -o embed && ./embed
 *
 * It runs a Python snippet in the native jail under the "default" policy, then the same runtime
 * runs a loop that a one-second wall-clock limit stops, and prints each result as JSON. Exit
 * status 0 when both verdicts are the expected ones (OK with "42" on stdout, TIME_LIMIT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sandboxrt.h>

/* Run source under the default policy with the limit overrides given; NULL on a bad job. */
static struct sbx_result *run_python(struct sbx_runtime *rt, const char *source,
                                     const char *const *limits)
{
        struct sbx_job job = {
            .language = "python",
            .source = source,
            .source_size = strlen(source),
            .limits = limits,
        };
        struct sbx_result *result = NULL;
        struct sbx_error *err = NULL;

        if (sbx_run(rt, &job, &result, &err) < 0) {
                fprintf(stderr, "embed: the job was refused: %s\n", err->message);
                sbx_error_free(err);
                return NULL;
        }
        char *json = sbx_result_to_json(result);
        printf("%s\n", json ? json : "{}");
        free(json);
        return result;
}

int main(void)
{
        /* The runtime starts the native backend's launcher: create it before any thread. */
        struct sbx_runtime_options opts = {.backend = "native"};
        struct sbx_runtime *rt = NULL;
        struct sbx_error *err = NULL;
        const char *const one_second[] = {"wall=1s", NULL};
        int status = 0;

        if (sbx_runtime_new(&opts, &rt, &err) < 0) {
                fprintf(stderr, "embed: no sandbox runtime: %s\n", err->message);
                sbx_error_free(err);
                return 2;
        }

        struct sbx_result *r = run_python(rt, "print(6 * 7)\n", NULL);
        if (!r || r->verdict != SBX_VERDICT_OK || strcmp(r->out.data, "42\n")) {
                fprintf(stderr, "embed: expected OK and 42, got %s\n",
                        r ? sbx_verdict_to_string(r->verdict) : "no result");
                status = 1;
        }
        sbx_result_free(r);

        r = run_python(rt, "while True:\n    pass\n", one_second);
        if (!r || r->verdict != SBX_VERDICT_TIME_LIMIT) {
                fprintf(stderr, "embed: expected TIME_LIMIT, got %s\n",
                        r ? sbx_verdict_to_string(r->verdict) : "no result");
                status = 1;
        }
        sbx_result_free(r);

        sbx_runtime_free(rt);
        return status;
}
