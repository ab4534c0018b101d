/* Tar uploads (POST /sandbox/{id}/archive) unpacked into a sandbox through the runtime's file
 * API. */
#ifndef SBX_SERVE_ARCHIVE_H
#define SBX_SERVE_ARCHIVE_H

#include <stddef.h>

#include "sandboxrt.h"

#define SBX_ARCHIVE_ENTRIES_MAX 10000

/* Check a tar (plain or gzip/bzip2/xz-compressed) held in memory. Every entry must be a
 * regular file or a directory with a relative path free of "..": absolute paths, "..",
 * symlinks, hard links and device files refuse the whole archive (libarchive's
 * ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS, _NODOTDOT and _SYMLINKS, made strict: links are
 * never created). Unpacked content is capped at max_bytes. 0 or -EINVAL with *err. */
int sbx_archive_check(const void *data, size_t size, size_t max_bytes, struct sbx_error **err);

/* Check, then write every regular file under dir (an absolute path in a writable directory of
 * the sandbox, as sbx_sandbox_path makes them) with its permission bits (no set-id bits).
 * Nothing is written when the check fails (-EINVAL); a write failure is -EIO with *err
 * (earlier files stay). */
int sbx_archive_extract(struct sbx_sandbox *sb, const char *dir, const void *data, size_t size,
                        size_t max_bytes, struct sbx_error **err);

#endif
