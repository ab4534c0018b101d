#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/extract.h"

static bool is_word(unsigned char c)
{
        /* Python's \w is Unicode-aware: treat every non-ASCII byte as part of a word. */
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c >= 0x80;
}

/* Start and length of the first ```\w*\n ... ``` block, false if none. */
static bool first_fence(const char *s, const char **start, size_t *len)
{
        for (const char *p = strstr(s, "```"); p; p = strstr(p + 1, "```")) {
                const char *q = p + 3, *end;
                while (is_word((unsigned char)*q))
                        q++;
                if (*q != '\n')
                        continue;
                end = strstr(q + 1, "```");
                if (!end)
                        return false; /* no closing fence after any later opening either */
                *start = q + 1;
                *len = (size_t)(end - (q + 1));
                return true;
        }
        return false;
}

char *sbx_eval_extract_first_fence(const char *reply)
{
        const char *start;
        size_t len;

        if (first_fence(reply, &start, &len))
                return strndup(start, len);
        return strdup(reply);
}

char *sbx_eval_extract_last_fence(const char *reply)
{
        const char *fences[2] = {NULL, NULL}; /* the last two fence lines seen */
        size_t count = 0;

        for (const char *line = reply; line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                if (memmem(line, len, "```", 3)) {
                        fences[0] = fences[1];
                        fences[1] = line;
                        count++;
                }
                line = nl ? nl + 1 : NULL;
        }
        if (count == 0)
                return strdup(reply);
        if (count == 1)
                return strdup("");
        const char *body = strchr(fences[0], '\n') + 1;
        /* The lines in between, joined without the newline that ends the last of them. */
        size_t len = (size_t)(fences[1] - body);
        return strndup(body, len > 0 ? len - 1 : 0);
}

char *sbx_eval_extract_mbpp(const char *reply)
{
        static const char *const cuts[] = {"[DONE]", "if __name__ ==", "\nassert", "\n\"\"\""};
        const char *start = reply, *p;
        size_t len = strlen(reply);

        if (first_fence(reply, &p, &len))
                start = p;
        p = strstr(start, "[BEGIN]");
        if (p && (size_t)(p - start) < len) {
                len -= (size_t)(p + 7 - start);
                start = p + 7;
        }
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                const char *c = strstr(start, cuts[i]);
                if (c && (size_t)(c - start) < len)
                        len = (size_t)(c - start);
        }
        return strndup(start, len);
}
