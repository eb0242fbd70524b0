/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cachedir.c — which policy files may use the shared policy cache in
 * /run/jaula-policy.  Reads only file metadata; needs no privilege.
 *
 * The cache never serves anything but what the loader parsed from files
 * whose identity (device, inode, size, mtime, ctime, mode, owner) still
 * matches, and the loader takes only root-owned files closed to writes by
 * others; a file swapped in by whoever controls a parent directory has
 * another identity and is parsed.  So the cache would be as safe as
 * parsing for any path; it is kept only for a policy under /etc, or one
 * elsewhere whose every directory, from / down, is root's and not writable
 * by anyone else — an administrator's file — so that test suites and
 * ad-hoc --config copies leave nothing in /run.  A directory writable by
 * all but sticky (/tmp) counts as closed: no one else may rename or remove
 * root's entries there. */
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "jaula/policy.h"
#include "jaula/util.h"

static bool dir_closed(const char *dir)
{
        struct stat st;

        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0)
                return false;
        if (!(st.st_mode & (S_IWGRP | S_IWOTH)))
                return true;
        return st.st_mode & S_ISVTX;
}

JAULA_EXPORT const char *jaula_policy_cache_dir_for(const char *path)
{
        char buf[PATH_MAX];
        size_t len;

        if (!path || path[0] != '/')
                return "";
        if (strncmp(path, "/etc/", 5) == 0)
                return JAULA_POLICY_CACHE_DIR;
        len = strlen(path);
        if (len >= sizeof buf || strstr(path, "/../") || strstr(path, "/./"))
                return "";
        memcpy(buf, path, len + 1);
        /* Every ancestor of the file, the longest first. */
        for (char *slash = strrchr(buf, '/'); slash; slash = strrchr(buf, '/')) {
                if (slash == buf) {
                        if (!dir_closed("/"))
                                return "";
                        break;
                }
                *slash = 0;
                if (!dir_closed(buf))
                        return "";
        }
        return JAULA_POLICY_CACHE_DIR;
}
