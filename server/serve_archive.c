/* The archive is never unpacked on the host: entries are read from memory and each regular
 * file goes through sbx_sandbox_write_file, which opens every component beneath the sandbox's
 * directory with O_NOFOLLOW. The checks here are libarchive's secure extraction flags made
 * strict, applied to every entry before anything is written. */
#include "server/serve_archive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "server/http_parse.h"
#include "util.h"

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}
#define _cleanup_archive_ __attribute__((cleanup(archive_freep)))

static int open_memory(const void *data, size_t size, struct archive **out, struct sbx_error **err)
{
        struct archive *a = archive_read_new();

        if (!a)
                return sbx_error_set(err, ENOMEM, "out of memory");
        /* Only tar formats; compression filters are fine since unpacked bytes are capped. */
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
                int r = sbx_error_set(err, EINVAL, "not a tar archive: %s",
                                      archive_error_string(a) ? archive_error_string(a) : "?");
                archive_read_free(a);
                return r;
        }
        *out = a;
        return 0;
}

/* The entry's path relative to the upload directory, or -EINVAL with the reason. */
static int entry_path(struct archive_entry *entry, char **rel, struct sbx_error **err)
{
        const char *name = archive_entry_pathname(entry), *why = NULL;
        mode_t type = archive_entry_filetype(entry);

        if (!name || !*name)
                return sbx_error_set(err, EINVAL, "unsafe archive entry: empty path");
        if (name[0] == '/') /* ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS */
                return sbx_error_set(err, EINVAL, "unsafe archive entry '%s': absolute path", name);
        if (archive_entry_hardlink(entry) || type == AE_IFLNK) /* _SECURE_SYMLINKS */
                return sbx_error_set(err, EINVAL, "unsafe archive entry '%s': links are refused",
                                     name);
        if (type != AE_IFREG && type != AE_IFDIR)
                return sbx_error_set(err, EINVAL,
                                     "unsafe archive entry '%s': only files and directories "
                                     "are accepted",
                                     name);
        /* ARCHIVE_EXTRACT_SECURE_NODOTDOT: sbx_sandbox_path refuses ".." components. */
        _cleanup_free_ char *abs = NULL;
        int r = sbx_sandbox_path(NULL, name, &abs, &why); /* relative: under /sandbox */
        if (r == -ENOMEM)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                return sbx_error_set(err, EINVAL, "unsafe archive entry '%s': path %s", name, why);
        /* Relative to the working directory: the entry's own path, normalized. */
        const char *own = abs + strlen(sbx_writable_dirs[0]);
        *rel = strdup(*own == '/' ? own + 1 : own);
        return *rel ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

/* The next header: 1 for an entry, 0 at the end, -EINVAL for a damaged archive. */
static int next_entry(struct archive *a, struct archive_entry **entry, struct sbx_error **err)
{
        int h = archive_read_next_header(a, entry);

        if (h == ARCHIVE_EOF)
                return 0;
        if (h != ARCHIVE_OK)
                return sbx_error_set(err, EINVAL, "malformed archive: %s",
                                     archive_error_string(a) ? archive_error_string(a) : "?");
        return 1;
}

int sbx_archive_check(const void *data, size_t size, size_t max_bytes, struct sbx_error **err)
{
        _cleanup_archive_ struct archive *a = NULL;
        struct archive_entry *entry;
        size_t count = 0;
        uint64_t total = 0;
        int r = open_memory(data, size, &a, err);

        while (r == 0 && (r = next_entry(a, &entry, err)) > 0) {
                _cleanup_free_ char *rel = NULL;
                if (++count > SBX_ARCHIVE_ENTRIES_MAX)
                        return sbx_error_set(err, EINVAL, "archive has more than %d entries",
                                             SBX_ARCHIVE_ENTRIES_MAX);
                if ((r = entry_path(entry, &rel, err)) < 0)
                        return r;
                total += archive_entry_size(entry) > 0 ? (uint64_t)archive_entry_size(entry) : 0;
                if (total > max_bytes)
                        return sbx_error_set(err, EINVAL, "archive unpacks to more than %zu bytes",
                                             max_bytes);
        }
        return r;
}

/* Read one entry's data (its size was checked against the cap) and write it. */
static int write_entry(struct sbx_sandbox *sb, struct archive *a, struct archive_entry *entry,
                       const char *dir, const char *rel, size_t max_bytes, struct sbx_error **err)
{
        la_int64_t size = archive_entry_size(entry);
        _cleanup_free_ char *buf = NULL, *path = NULL;

        if (size < 0 || (uint64_t)size > max_bytes)
                return sbx_error_set(err, EINVAL, "archive entry '%s' is too large", rel);
        buf = malloc((size_t)size + 1);
        path = sbx_strdup_printf("%s/%s", dir, rel);
        if (!buf || !path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        la_ssize_t got = size ? archive_read_data(a, buf, (size_t)size) : 0;
        if (got != size)
                return sbx_error_set(err, EINVAL, "malformed archive entry '%s'", rel);
        struct sbx_file f = {.path = path,
                             .data = buf,
                             .size = (size_t)size,
                             .mode = (archive_entry_perm(entry) & 0777) | 0400};
        if (sbx_sandbox_write_file(sb, &f, err) < 0) {
                sbx_error_prefix(err, "writing '%s'", path);
                return -EIO;
        }
        return 0;
}

int sbx_archive_extract(struct sbx_sandbox *sb, const char *dir, const void *data, size_t size,
                        size_t max_bytes, struct sbx_error **err)
{
        _cleanup_archive_ struct archive *a = NULL;
        struct archive_entry *entry;
        int r = sbx_archive_check(data, size, max_bytes, err);

        if (r == 0)
                r = open_memory(data, size, &a, err);
        while (r == 0 && (r = next_entry(a, &entry, err)) > 0) {
                _cleanup_free_ char *rel = NULL;
                r = entry_path(entry, &rel, err);
                /* Directories come into being with the files inside them. */
                if (r == 0 && archive_entry_filetype(entry) == AE_IFREG && *rel)
                        r = write_entry(sb, a, entry, dir, rel, max_bytes, err);
        }
        return r;
}
