/* Docker's attach-stream framing: the first byte sets the chunk size the stream is cut into
 * (frames split anywhere), the rest is the stream. Checks that payload never exceeds input. */
#include <stdint.h>
#include <stdlib.h>

#include "docker/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
        size_t total;
};

static int sink(void *ctx, int stream, const char *data, size_t len)
{
        struct sink *s = ctx;

        if (stream != SBX_DOCKER_STDOUT && stream != SBX_DOCKER_STDERR)
                abort();
        s->total += len;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sbx_docker_demux d = {0};
        struct sink s = {0};
        size_t chunk;

        if (size == 0)
                return 0;
        chunk = (size_t)data[0] + 1;
        data++;
        size--;
        for (size_t off = 0; off < size; off += chunk) {
                size_t n = size - off < chunk ? size - off : chunk;
                if (sbx_docker_demux_feed(&d, (const char *)data + off, n, sink, &s) < 0)
                        break;
        }
        if (s.total > size)
                abort();
        (void)sbx_docker_demux_idle(&d);
        return 0;
}
