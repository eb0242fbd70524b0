/* rootfs.h — the jail's file system: read-only base (directory or loop-
 * mounted image), writable layer, /proc, /dev, /tmp, home, extra binds,
 * generated /etc files, pivot_root.  Runs in the holder, inside its new
 * mount namespace, as root. */
#pragma once

#include <stddef.h>

#include "jaula/log.h"
#include "jaula/spec.h"

/* Build the jail's tree and pivot_root into it.  resolv_conf (may be NULL)
 * becomes /etc/resolv.conf.  On return the caller's root and cwd are the
 * jail's "/", and nothing of the host tree is reachable. */
int jaula_rootfs_enter(const struct jaula_spec *spec, const char *resolv_conf,
                       struct jaula_err *err);

/* Pure: the text of the jail's /etc/passwd, /etc/group, /etc/hosts
 * (malloc'd into *ret).  -EINVAL when a field would break the format. */
int jaula_rootfs_passwd(const struct jaula_spec *spec, char **ret);
int jaula_rootfs_group(const struct jaula_spec *spec, char **ret);
int jaula_rootfs_hosts(const struct jaula_spec *spec, char **ret);

/* Pure: whether path is absolute, normalised ("/a/b", no "." / ".." /
 * "//" / trailing "/") and free of characters that overlayfs options or
 * the formats above cannot carry. */
int jaula_rootfs_path_ok(const char *path);

/* Create spec->persistent_upper (and its "upper" and "work" children)
 * root-owned, refusing any symlink or foreign-owned directory on the way.
 * Runs on the host side. */
int jaula_rootfs_prepare_persistent(const char *path, struct jaula_err *err);
