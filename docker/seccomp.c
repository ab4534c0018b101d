#include "docker/seccomp.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "policies/seccomp_rules.h"
#include "util.h"

/* The profile's names for the table's comparisons (moby's profiles/seccomp types). */
static const char *const op_names[] = {
    [SBX_SECCOMP_EQ] = "SCMP_CMP_EQ",
    [SBX_SECCOMP_NE] = "SCMP_CMP_NE",
    [SBX_SECCOMP_LT] = "SCMP_CMP_LT",
    [SBX_SECCOMP_LE] = "SCMP_CMP_LE",
    [SBX_SECCOMP_GT] = "SCMP_CMP_GT",
    [SBX_SECCOMP_GE] = "SCMP_CMP_GE",
    [SBX_SECCOMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static bool add_arg(cJSON *args, const struct sbx_seccomp_arg *a)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddItemToArray(args, o))
                return cJSON_Delete(o), false;
        /* JSON numbers are doubles: every value of the table fits in their 53 bits (the largest
         * is a 32-bit mask; tests/unit/test_seccomp.c checks the round trip). */
        return cJSON_AddNumberToObject(o, "index", a->index) &&
               cJSON_AddNumberToObject(o, "value", (double)a->value) &&
               cJSON_AddNumberToObject(o, "valueTwo", (double)a->datum) &&
               cJSON_AddStringToObject(o, "op", op_names[a->op]);
}

static bool add_rule(cJSON *syscalls, const struct sbx_seccomp_rule *rule)
{
        cJSON *o = cJSON_CreateObject(), *names, *args;
        bool kill = rule->action == SBX_SECCOMP_KILL;

        if (!o || !cJSON_AddItemToArray(syscalls, o))
                return cJSON_Delete(o), false;
        if (!(names = cJSON_AddArrayToObject(o, "names")) ||
            !cJSON_AddItemToArray(names, cJSON_CreateString(rule->syscall)) ||
            !cJSON_AddStringToObject(o, "action",
                                     kill ? "SCMP_ACT_KILL_PROCESS" : "SCMP_ACT_ERRNO") ||
            (!kill && !cJSON_AddNumberToObject(o, "errnoRet", rule->errno_value)))
                return false;
        if (rule->n_args == 0)
                return true;
        if (!(args = cJSON_AddArrayToObject(o, "args")))
                return false;
        for (unsigned int i = 0; i < rule->n_args; i++)
                if (!add_arg(args, &rule->args[i]))
                        return false;
        return true;
}

char *sbx_docker_seccomp_profile(void)
{
        cJSON *root = cJSON_CreateObject(), *syscalls;
        char *out = NULL;
        bool ok = root && cJSON_AddStringToObject(root, "defaultAction", "SCMP_ACT_ALLOW") &&
                  (syscalls = cJSON_AddArrayToObject(root, "syscalls"));

        for (size_t i = 0; ok && i < sbx_seccomp_n_rules; i++)
                ok = add_rule(syscalls, &sbx_seccomp_rules[i]);
        if (ok)
                out = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        return out;
}

static char *option;
static pthread_once_t option_once = PTHREAD_ONCE_INIT;

static void render_option(void)
{
        _cleanup_free_ char *profile = sbx_docker_seccomp_profile();

        option = profile ? sbx_strdup_printf("seccomp=%s", profile) : NULL;
}

const char *sbx_docker_seccomp_option(void)
{
        pthread_once(&option_once, render_option);
        return option;
}
