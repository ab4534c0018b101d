/* The languages jobs may name. A language is one entry: its source file name, the compile step
 * (run under the "compile" policy, in the same sandbox) and the run step. */
#include <string.h>

#include "sandboxrt.h"
#include "util.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct sbx_language languages[] = {
    {"python", "main.py", NULL, ARGV("/usr/bin/python3", "main.py")},
    {"c", "main.c", ARGV("gcc", "-O2", "-std=gnu17", "-o", "main", "main.c", "-lm"),
     ARGV("./main")},
    {"cpp", "main.cpp", ARGV("g++", "-O2", "-std=gnu++17", "-o", "main", "main.cpp"),
     ARGV("./main")},
    {"javascript", "main.js", NULL, ARGV("node", "main.js")},
    /* The serial GC keeps the JVM's thread count (and so its pids) small on big hosts. */
    {"java", "Main.java", ARGV("javac", "-J-XX:+UseSerialGC", "-encoding", "UTF-8", "Main.java"),
     ARGV("java", "-XX:+UseSerialGC", "-cp", ".", "Main")},
    {"bash", "main.sh", NULL, ARGV("bash", "main.sh")},
    {"perl", "main.pl", NULL, ARGV("perl", "main.pl")},
};

const struct sbx_language *sbx_language_find(const char *name)
{
        for (size_t i = 0; name && i < ELEMENTSOF(languages); i++)
                if (!strcmp(languages[i].name, name))
                        return &languages[i];
        return NULL;
}

const struct sbx_language *sbx_language_at(size_t i)
{
        return i < ELEMENTSOF(languages) ? &languages[i] : NULL;
}
