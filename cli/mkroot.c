/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mkroot.c — `jaula mkroot`: build a jail rootfs with debootstrap.  Needs
 * root.  debootstrap and mksquashfs are run with execve and an argv built
 * here (never a shell string), in a cleaned environment; their own output
 * is the progress the administrator sees. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "jaula/util.h"

/* registered in the command table of jaula.c */
int cmd_mkroot(int argc, char **argv);
int cli_kernel_runs_i386(char *why, size_t size);

#define DEFAULT_MIRROR "http://deb.debian.org/debian"
#define DEFAULT_SUITE "bookworm"
#define RECORD_NAME ".jaula-rootfs"
/* What sshd runs through the login shell for sftp, scp (sftp protocol in
 * OpenSSH >= 9) and rsync, at the paths it runs them from. */
#define DEFAULT_INCLUDE "openssh-sftp-server,rsync"

struct mkroot_opts {
        const char *suite, *arch, *variant, *mirror, *cache_dir, *keyring;
        char include[1024];
        bool image, force, mirror_from_host;
        char mirror_src[PATH_MAX + 16]; /* where the default mirror came from */
        char dir[PATH_MAX];
};

/* ---- argument checks ---------------------------------------------------- */

/* Suite, arch, variant and package names: what Debian allows, and never a
 * leading '-' that debootstrap would read as an option. */
static bool valid_word(const char *s, const char *extra)
{
        if (!s || !*s || *s == '-' || strlen(s) > 64)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
                        return false;
        return true;
}

static bool valid_mirror(const char *m)
{
        if (strncmp(m, "http://", 7) && strncmp(m, "https://", 8) && strncmp(m, "file:///", 8))
                return false;
        for (; *m; m++)
                if ((unsigned char) *m <= ' ' || *m == '\'' || *m == '"' || *m == '\\')
                        return false;
        return true;
}

/* Append comma-separated packages from LIST, checking each name. */
static int add_packages(struct mkroot_opts *o, const char *list)
{
        _cleanup_free_ char *copy = strdup(list);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
                size_t n = strlen(o->include);

                if (!valid_word(p, "+-.:"))
                        return -EINVAL;
                if (snprintf(o->include + n, sizeof o->include - n, "%s%s", n ? "," : "", p) >=
                    (int) (sizeof o->include - n))
                        return -E2BIG;
        }
        return JAULA_EXIT_OK;
}

static const char *native_arch(void)
{
        static struct utsname u;

        uname(&u);
        if (!strcmp(u.machine, "x86_64"))
                return "amd64";
        if (!strcmp(u.machine, "aarch64"))
                return "arm64";
        if (u.machine[0] == 'i' && !strcmp(u.machine + 2, "86"))
                return "i386";
        if (!strncmp(u.machine, "armv7", 5))
                return "armhf";
        if (!strcmp(u.machine, "ppc64le"))
                return "ppc64el";
        if (!strcmp(u.machine, "riscv64") || !strcmp(u.machine, "s390x"))
                return u.machine;
        return NULL;
}

/* ---- the host's apt sources -------------------------------------------- */

/* A deb entry with one URI and its suites (space separated). */
struct source {
        char uri[512];
        char suites[256];
        char keyring[PATH_MAX];
};

static bool suite_listed(const char *suites, const char *suite)
{
        size_t n = strlen(suite);

        for (const char *p = suites; (p = strstr(p, suite)); p += n)
                if ((p == suites || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
                        return true;
        return false;
}

/* The main archive of a distribution: a suite without "-security",
 * "-updates", "/updates" or "-backports". */
static bool has_main_suite(const char *suites)
{
        _cleanup_free_ char *copy = strdup(suites);
        char *save = NULL;

        if (!copy)
                return false;
        for (char *p = strtok_r(copy, " ", &save); p; p = strtok_r(NULL, " ", &save))
                if (!strchr(p, '-') && !strchr(p, '/'))
                        return true;
        return false;
}

/* Rank: 2 = lists the wanted suite, 1 = a main archive, 0 = unusable. */
static int rank(const struct source *s, const char *suite)
{
        if (!valid_mirror(s->uri))
                return JAULA_EXIT_OK;
        if (suite_listed(s->suites, suite))
                return JAULA_EXIT_USAGE;
        return has_main_suite(s->suites) ? 1 : 0;
}

static void consider(const struct source *s, const char *suite, const char *file,
                     struct source *best, int *best_rank, char *best_file, size_t fsize)
{
        int r = rank(s, suite);

        if (r > *best_rank) {
                *best = *s;
                *best_rank = r;
                snprintf(best_file, fsize, "%s", file);
        }
}

static char *trim(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
                *--e = '\0';
        return s;
}

/* One-line format: "deb [opt=val …] URI SUITE COMPONENT…". */
static void scan_list_file(const char *file, const char *suite, struct source *best, int *best_rank,
                           char *best_file, size_t fsize)
{
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!f)
                return;
        while (getline(&line, &cap, f) > 0) {
                struct source s = { 0 };
                char *p = trim(line), *save = NULL, *tok;

                if (strncmp(p, "deb", 3) || (p[3] != ' ' && p[3] != '\t'))
                        continue;
                p = trim(p + 3);
                if (*p == '[') {
                        char *end = strchr(p, ']');
                        char *kr;
                        if (!end)
                                continue;
                        *end = '\0';
                        kr = strstr(p, "signed-by=");
                        if (kr) {
                                kr += 10;
                                snprintf(s.keyring, sizeof s.keyring, "%.*s", (int) strcspn(kr, " \t"), kr);
                        }
                        p = trim(end + 1);
                }
                tok = strtok_r(p, " \t", &save);
                if (!tok)
                        continue;
                snprintf(s.uri, sizeof s.uri, "%s", tok);
                tok = strtok_r(NULL, " \t", &save);
                if (!tok)
                        continue;
                snprintf(s.suites, sizeof s.suites, "%s", tok);
                consider(&s, suite, file, best, best_rank, best_file, fsize);
        }
}

/* deb822: stanzas separated by blank lines; Types, URIs, Suites,
 * Enabled, Signed-By (a path, or an inline key on continuation lines). */
static void scan_sources_file(const char *file, const char *suite, struct source *best,
                              int *best_rank, char *best_file, size_t fsize)
{
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        _cleanup_free_ char *line = NULL;
        char types[128] = "", uris[1024] = "", suites[256] = "", keyring[PATH_MAX] = "";
        bool enabled = true, more = true;
        size_t cap = 0;

        if (!f)
                return;
        while (more) {
                char *p, *colon;

                more = getline(&line, &cap, f) > 0;
                p = more ? line : (char *) "";
                if (*p == '#')
                        continue;
                if (*trim(p) == '\0') {
                        /* end of a stanza */
                        if (enabled && suite_listed(types, "deb") && uris[0] && suites[0]) {
                                char *save = NULL;
                                for (char *u = strtok_r(uris, " \t", &save); u; u = strtok_r(NULL, " \t", &save)) {
                                        struct source s = { 0 };
                                        snprintf(s.uri, sizeof s.uri, "%s", u);
                                        snprintf(s.suites, sizeof s.suites, "%s", suites);
                                        if (keyring[0] == '/')
                                                snprintf(s.keyring, sizeof s.keyring, "%s", keyring);
                                        consider(&s, suite, file, best, best_rank, best_file, fsize);
                                }
                        }
                        types[0] = uris[0] = suites[0] = keyring[0] = '\0';
                        enabled = true;
                        continue;
                }
                if (*p == ' ' || *p == '\t')
                        continue; /* continuation (an inline key) */
                colon = strchr(p, ':');
                if (!colon)
                        continue;
                *colon = '\0';
                char *val = trim(colon + 1);
                if (!strcasecmp(p, "Types"))
                        snprintf(types, sizeof types, "%s", val);
                else if (!strcasecmp(p, "URIs"))
                        snprintf(uris, sizeof uris, "%s", val);
                else if (!strcasecmp(p, "Suites"))
                        snprintf(suites, sizeof suites, "%s", val);
                else if (!strcasecmp(p, "Enabled"))
                        enabled = strcasecmp(val, "no") && strcasecmp(val, "false") && strcmp(val, "0");
                else if (!strcasecmp(p, "Signed-By"))
                        snprintf(keyring, sizeof keyring, "%s", val);
        }
}

/* The mirror of the host's apt sources that serves SUITE (or else the
 * first main archive), so a rootfs comes from where the host's packages
 * come from. */
static void host_mirror(struct mkroot_opts *o)
{
        static struct source best;
        static char best_file[PATH_MAX];
        int best_rank = 0;
        glob_t g;

        scan_list_file("/etc/apt/sources.list", o->suite, &best, &best_rank, best_file, sizeof best_file);
        if (glob("/etc/apt/sources.list.d/*.list", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++)
                        scan_list_file(g.gl_pathv[i], o->suite, &best, &best_rank, best_file, sizeof best_file);
                globfree(&g);
        }
        if (glob("/etc/apt/sources.list.d/*.sources", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++)
                        scan_sources_file(g.gl_pathv[i], o->suite, &best, &best_rank, best_file,
                                          sizeof best_file);
                globfree(&g);
        }
        if (best_rank == 0) {
                o->mirror = DEFAULT_MIRROR;
                snprintf(o->mirror_src, sizeof o->mirror_src, "built-in default");
                return;
        }
        o->mirror = best.uri;
        o->mirror_from_host = true;
        snprintf(o->mirror_src, sizeof o->mirror_src, "%s", best_file);
        /* debootstrap verifies with the keyring the host trusts for that
         * source, when it names one by path. */
        if (!o->keyring && best.keyring[0] == '/' && access(best.keyring, R_OK) == 0)
                o->keyring = best.keyring;
}

static const char *host_codename(void)
{
        static char codename[64];
        _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!f)
                return NULL;
        while (getline(&line, &cap, f) > 0) {
                char *v;
                if (strncmp(line, "VERSION_CODENAME=", 17))
                        continue;
                v = trim(line + 17);
                if (*v == '"' || *v == '\'') {
                        v++;
                        v[strcspn(v, "\"'")] = '\0';
                }
                snprintf(codename, sizeof codename, "%s", v);
                return valid_word(codename, "-") ? codename : NULL;
        }
        return NULL;
}

/* ---- the target directory ---------------------------------------------- */

static int dir_is_empty(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *e;
        int r = 1;

        if (!d)
                return -errno;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                        r = 0;
                        break;
                }
        closedir(d);
        return r;
}

/* --force empties only what mkroot or debootstrap made: a record, a
 * dpkg database, or debootstrap's work directory (a failed run). */
static bool looks_like_rootfs(const char *dir)
{
        static const char *marks[] = { RECORD_NAME, "var/lib/dpkg/status", "debootstrap/debootstrap.log",
                                       "debootstrap/debpaths" };
        char path[PATH_MAX * 2];

        for (size_t i = 0; i < ELEMENTSOF(marks); i++) {
                snprintf(path, sizeof path, "%s/%s", dir, marks[i]);
                if (access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

/* A mount point at or below DIR (a failed debootstrap can leave /proc
 * mounted in the target): emptying DIR must not reach into it. */
static bool mounted_below(const char *dir, char *ret, size_t size)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, n = strlen(dir);

        if (!f)
                return false;
        while (getline(&line, &cap, f) > 0) {
                char *save = NULL, *mp = NULL;
                char *tok = strtok_r(line, " ", &save);
                for (int i = 0; tok && i < 4; i++)
                        mp = tok = strtok_r(NULL, " ", &save);
                if (mp && !strncmp(mp, dir, n) && (mp[n] == '/' || mp[n] == '\0')) {
                        snprintf(ret, size, "%s", mp);
                        return true;
                }
        }
        return false;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        if (ftw->level == 0)
                return JAULA_EXIT_OK; /* keep DIR itself */
        if (remove(path) < 0) {
                fprintf(stderr, "jaula mkroot: removing '%s': %s\n", path, strerror(errno));
                return -1;
        }
        return JAULA_EXIT_OK;
}

static int empty_dir(const char *dir)
{
        char mp[PATH_MAX];

        if (mounted_below(dir, mp, sizeof mp) && strcmp(mp, dir)) {
                fprintf(stderr, "jaula mkroot: '%s' is mounted inside '%s'; unmount it first\n", mp, dir);
                return -EBUSY;
        }
        /* FTW_PHYS: never follow a symlink out of DIR; FTW_MOUNT: never
         * leave DIR's file system. */
        return nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : -EIO;
}

/* DIR made absolute and checked: never "/".  Its parent may be missing
 * (a fresh install has no /var/lib/jaula/rootfs): the deepest existing
 * ancestor is resolved, the missing names below it are kept as given and
 * must be plain names (no "." or ".."), and make_parents creates them once
 * every other check has passed. */
static int resolve_target(const char *arg, struct mkroot_opts *o)
{
        char parent[PATH_MAX], try[PATH_MAX], real[PATH_MAX];
        _cleanup_free_ char *copy = strdup(arg);
        const char *missing = "";
        char *slash, *base;
        size_t keep;

        if (!copy)
                return -ENOMEM;
        for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
                copy[n - 1] = '\0';
        slash = strrchr(copy, '/');
        if (!slash) {
                snprintf(parent, sizeof parent, ".");
                base = copy;
        } else {
                *slash = '\0';
                snprintf(parent, sizeof parent, "%s", slash == copy ? "/" : copy);
                base = slash + 1;
        }
        if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
                fprintf(stderr, "jaula mkroot: '%s': name a directory to create or fill\n", arg);
                return -EINVAL;
        }
        /* Walk up to the deepest ancestor that exists: parent[0..keep). */
        for (keep = strlen(parent);;) {
                char *up, *name;

                snprintf(try, sizeof try, "%.*s", (int) keep, parent);
                if (realpath(keep ? try : ".", real))
                        break;
                if (errno != ENOENT || !keep) {
                        fprintf(stderr, "jaula mkroot: '%s': %s\n", try, strerror(errno));
                        return -errno;
                }
                up = strrchr(try, '/');
                name = up ? up + 1 : try;
                if (!strcmp(name, ".") || !strcmp(name, "..")) {
                        fprintf(stderr, "jaula mkroot: '%s': '.' or '..' below a missing directory\n",
                                arg);
                        return -EINVAL;
                }
                keep = up ? (size_t) (up - try) : 0;
                missing = parent + keep + (up ? 1 : 0);
                if (up == try) /* "/name": the root exists */
                        keep = 1;
        }
        if (snprintf(o->dir, sizeof o->dir, "%s/%s%s%s", strcmp(real, "/") ? real : "", missing,
                     *missing ? "/" : "", base) >= (int) sizeof o->dir)
                return -ENAMETOOLONG;
        return JAULA_EXIT_OK;
}

/* Create the missing parents of o->dir: root's, mode 0755 whatever the
 * umask, like the directories the package ships. */
static int make_parents(const char *dir)
{
        char path[PATH_MAX];
        struct stat st;

        snprintf(path, sizeof path, "%s", dir);
        for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = '\0';
                if (mkdir(path, 0755) == 0) {
                        if (chown(path, 0, 0) < 0 || chmod(path, 0755) < 0) {
                                fprintf(stderr, "jaula mkroot: '%s': %s\n", path, strerror(errno));
                                return -errno;
                        }
                        printf("jaula mkroot: created '%s'\n", path);
                } else if (errno != EEXIST || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        fprintf(stderr, "jaula mkroot: creating '%s': %s\n", path,
                                errno == EEXIST ? "not a directory" : strerror(errno));
                        return -ENOTDIR;
                }
                *p = '/';
        }
        return JAULA_EXIT_OK;
}

/* ---- running helpers ---------------------------------------------------- */

static const char *find_tool(const char *name)
{
        static const char *dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
        static char path[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(path, sizeof path, "%s/%s", dirs[i], name);
                if (access(path, X_OK) == 0)
                        return path;
        }
        return NULL;
}

/* execve argv[0] (an absolute path) with a small fixed environment plus
 * the proxy settings; wait for it.  Returns its exit status, or -errno. */
static int run(char *const argv[])
{
        static const char *pass[] = { "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY",
                                      "HTTPS_PROXY", "NO_PROXY", "TERM" };
        char *envp[ELEMENTSOF(pass) + 4];
        size_t n = 0;
        int status;
        pid_t pid;

        envp[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        envp[n++] = "LC_ALL=C.UTF-8";
        envp[n++] = "DEBIAN_FRONTEND=noninteractive";
        for (size_t i = 0; i < ELEMENTSOF(pass); i++) {
                char *v = getenv(pass[i]);
                if (v) {
                        char *kv;
                        if (asprintf(&kv, "%s=%s", pass[i], v) < 0)
                                return -ENOMEM;
                        envp[n++] = kv; /* freed at exit */
                }
        }
        envp[n] = NULL;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execve(argv[0], argv, envp);
                fprintf(stderr, "jaula mkroot: %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

/* dpkg in debootstrap's second stage fsyncs every file it unpacks, which
 * dominates a build on slow disks; a half-built rootfs is worthless
 * anyway (the record file is written last), so let dpkg skip the fsyncs
 * while we build and sync the file system once at the end. */
static void unsafe_io(const char *dir, bool on)
{
        static const char *const dirs[] = { "etc", "etc/dpkg", "etc/dpkg/dpkg.cfg.d" };
        char path[PATH_MAX * 2];
        int fd;

        if (!on) {
                snprintf(path, sizeof path, "%s/etc/dpkg/dpkg.cfg.d/jaula-mkroot-unsafe-io", dir);
                unlink(path);
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        syncfs(fd);
                        close(fd);
                }
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(path, sizeof path, "%s/%s", dir, dirs[i]);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return;
        }
        snprintf(path, sizeof path, "%s/etc/dpkg/dpkg.cfg.d/jaula-mkroot-unsafe-io", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
                if (write(fd, "force-unsafe-io\n", 16) != 16) {
                        /* only slower without it */
                }
                close(fd);
        }
}

/* ---- after debootstrap ------------------------------------------------- */

static int unlink_glob(const char *dir, const char *pattern)
{
        char pat[PATH_MAX * 2];
        glob_t g;
        int n = 0;

        snprintf(pat, sizeof pat, "%s/%s", dir, pattern);
        if (glob(pat, GLOB_NOSORT, NULL, &g) != 0)
                return JAULA_EXIT_OK;
        for (size_t i = 0; i < g.gl_pathc; i++)
                n += unlink(g.gl_pathv[i]) == 0;
        globfree(&g);
        return n;
}

/* What apt-get clean would do, plus the package lists debootstrap left. */
static void clean_cache(const char *dir)
{
        int n = unlink_glob(dir, "var/cache/apt/archives/*.deb");

        n += unlink_glob(dir, "var/cache/apt/archives/partial/*.deb");
        unlink_glob(dir, "var/cache/apt/*.bin");
        unlink_glob(dir, "var/lib/apt/lists/*_Packages");
        unlink_glob(dir, "var/lib/apt/lists/*_InRelease");
        unlink_glob(dir, "var/lib/apt/lists/*_Release*");
        unlink_glob(dir, "var/lib/apt/lists/debootstrap.invalid_*");
        printf("jaula mkroot: removed %d cached package file%s\n", n, n == 1 ? "" : "s");
}

static long count_packages(const char *dir)
{
        char path[PATH_MAX * 2];
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        long n = 0;

        snprintf(path, sizeof path, "%s/var/lib/dpkg/status", dir);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (getline(&line, &cap, f) > 0)
                n += !strcmp(line, "Status: install ok installed\n");
        return n;
}

/* Each tool that sshd runs for a file transfer, where it runs it. */
static int verify_transfer_tools(const char *dir, const struct mkroot_opts *o)
{
        static const struct {
                const char *pkg, *path, *what;
        } tools[] = {
                { "openssh-sftp-server", "usr/lib/openssh/sftp-server", "sftp and scp" },
                { "rsync", "usr/bin/rsync", "rsync" },
        };
        int bad = 0;

        for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
                char path[PATH_MAX * 2];
                char pkglist[1030];

                snprintf(pkglist, sizeof pkglist, ",%s,", o->include);
                if (!strstr(pkglist, tools[i].pkg))
                        continue;
                snprintf(path, sizeof path, "%s/%s", dir, tools[i].path);
                if (access(path, X_OK) == 0) {
                        printf("jaula mkroot: %s: /%s\n", tools[i].what, tools[i].path);
                } else {
                        fprintf(stderr, "jaula mkroot: /%s is missing from the rootfs (%s will not work)\n",
                                tools[i].path, tools[i].what);
                        bad++;
                }
        }
        return bad ? -ENOENT : 0;
}

/* The x86 architecture dpkg in the new rootfs was built for ("i386",
 * "amd64"), or NULL for another machine or an unreadable file. */
static const char *rootfs_x86_arch(const char *dir)
{
        char path[PATH_MAX * 2];
        unsigned char h[20];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof path, "%s/usr/bin/dpkg", dir);
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        /* e_ident (16 bytes), e_type (2), e_machine (2, little endian) */
        if (fd < 0 || pread(fd, h, sizeof h, 0) != (ssize_t) sizeof h || memcmp(h, "\177ELF", 4) != 0)
                return NULL;
        if (h[4] == 1 && h[18] == 3 && h[19] == 0)
                return "i386";
        if (h[4] == 2 && h[18] == 62 && h[19] == 0)
                return "amd64";
        return NULL;
}

/* An i386 build must hold i386 programs: a mirror or binfmt handler that
 * put amd64 ones there would give a rootfs whose record lies, and a jail
 * whose filter does not match its programs. */
static int verify_arch(const char *dir, const char *arch)
{
        const char *found;

        if (strcmp(arch, "i386") != 0 && strcmp(arch, "amd64") != 0)
                return 0;
        found = rootfs_x86_arch(dir);
        if (found && strcmp(found, arch) == 0) {
                printf("jaula mkroot: %s programs (/usr/bin/dpkg is %s)\n", arch,
                       strcmp(arch, "i386") == 0 ? "ELF 32-bit, Intel 80386" : "ELF 64-bit, x86-64");
                return 0;
        }
        if (found)
                fprintf(stderr, "jaula mkroot: --arch %s, but /usr/bin/dpkg in '%s' is an %s program\n",
                        arch, dir, found);
        else
                fprintf(stderr, "jaula mkroot: --arch %s, but /usr/bin/dpkg in '%s' is not an x86 ELF program\n",
                        arch, dir);
        return -ENOEXEC;
}

static int write_record(const struct mkroot_opts *o, long packages, const char *image)
{
        char path[PATH_MAX * 2], date[32], buf[4096];
        time_t now = time(NULL);
        struct tm tm;
        int fd, len;

        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
        len = snprintf(buf, sizeof buf,
                       "# How this rootfs was built (jaula mkroot).\n"
                       "suite=%s\n"
                       "arch=%s\n"
                       "variant=%s\n"
                       "include=%s\n"
                       "packages=%ld\n"
                       "mirror=%s\n"
                       "date=%s\n"
                       "%s%s%s",
                       o->suite, o->arch, o->variant, o->include, packages, o->mirror, date,
                       image ? "image=" : "", image ? image : "", image ? "\n" : "");
        if (len < 0 || len >= (int) sizeof buf)
                return -E2BIG;
        snprintf(path, sizeof path, "%s/%s", o->dir, RECORD_NAME);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (write(fd, buf, len) != len) {
                int r = neg_errno();
                close(fd);
                return r;
        }
        return close(fd) < 0 ? -errno : 0;
}

static int make_image(const struct mkroot_opts *o, char *img, size_t size)
{
        char tmp[PATH_MAX + 32];
        const char *mksquashfs = find_tool("mksquashfs");
        int r;

        if (!mksquashfs) {
                fprintf(stderr, "jaula mkroot: --image needs mksquashfs (apt-get install squashfs-tools)\n");
                return -ENOENT;
        }
        snprintf(img, size, "%s.squashfs", o->dir);
        snprintf(tmp, sizeof tmp, "%s.jaula-tmp", img);
        if (access(img, F_OK) == 0 && !o->force) {
                fprintf(stderr, "jaula mkroot: '%s' exists (use --force to replace it)\n", img);
                return -EEXIST;
        }
        char *argv[] = { (char *) mksquashfs, (char *) o->dir, tmp, "-noappend", "-no-xattrs", NULL };
        printf("jaula mkroot: writing the squashfs image '%s'\n", img);
        unlink(tmp);
        r = run(argv);
        if (r != 0) {
                unlink(tmp);
                fprintf(stderr, "jaula mkroot: mksquashfs failed (status %d)\n", r);
                return -EIO;
        }
        if (rename(tmp, img) < 0) {
                r = -errno;
                unlink(tmp);
                return r;
        }
        return JAULA_EXIT_OK;
}

/* ---- the command ------------------------------------------------------- */

static void usage(FILE *f)
{
        fputs("Usage: jaula mkroot [OPTION]... DIR\n"
              "Build a jail rootfs in DIR with debootstrap.\n"
              "\n"
              "  --suite SUITE      distribution release (default: the host's, else " DEFAULT_SUITE ")\n"
              "  --arch ARCH        architecture (default: the host's; i386 on amd64 works\n"
              "                     when the kernel runs 32-bit programs)\n"
              "  --variant VARIANT  debootstrap variant (default: minbase)\n"
              "  --include PKGS     more packages, comma separated (repeatable); always\n"
              "                     included: " DEFAULT_INCLUDE "\n"
              "  --mirror URL       package mirror (default: from the host's apt sources)\n"
              "  --keyring FILE     keyring to verify the mirror with\n"
              "  --cache-dir DIR    keep downloaded packages in DIR (debootstrap --cache-dir)\n"
              "  --image            also write DIR.squashfs (mksquashfs)\n"
              "  --force            empty DIR first when it holds an earlier rootfs (never\n"
              "                     crossing into another file system); replace an image\n"
              "\n"
              "Exit status: 0 built, 2 usage error, 5 failed (nothing is removed: see\n"
              "DIR/debootstrap/debootstrap.log, and rerun with --force).\n",
              f);
}

int cmd_mkroot(int argc, char **argv)
{
        enum { O_SUITE = 1000, O_ARCH, O_VARIANT, O_INCLUDE, O_MIRROR, O_KEYRING, O_CACHE, O_IMAGE, O_FORCE };
        static const struct option opts[] = {
                { "suite", required_argument, NULL, O_SUITE },
                { "arch", required_argument, NULL, O_ARCH },
                { "variant", required_argument, NULL, O_VARIANT },
                { "include", required_argument, NULL, O_INCLUDE },
                { "mirror", required_argument, NULL, O_MIRROR },
                { "keyring", required_argument, NULL, O_KEYRING },
                { "cache-dir", required_argument, NULL, O_CACHE },
                { "image", no_argument, NULL, O_IMAGE },
                { "force", no_argument, NULL, O_FORCE },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct mkroot_opts o = { .variant = "minbase" };
        const char *debootstrap, *native;
        char arg_arch[32], arg_variant[32], arg_keyring[PATH_MAX + 16], arg_include[1100],
                arg_cache[PATH_MAX + 16], img[PATH_MAX + 16];
        char *dargv[12];
        size_t n = 0;
        bool had_image = false;
        struct stat st;
        long packages;
        int ch, r;

        if (add_packages(&o, DEFAULT_INCLUDE) < 0)
                return JAULA_EXIT_FAILURE;
        optind = 0;
        while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
                switch (ch) {
                case O_SUITE:
                        o.suite = optarg;
                        break;
                case O_ARCH:
                        o.arch = optarg;
                        break;
                case O_VARIANT:
                        o.variant = optarg;
                        break;
                case O_INCLUDE:
                        if (add_packages(&o, optarg) < 0) {
                                fprintf(stderr, "jaula mkroot: --include '%s': not a list of package names\n", optarg);
                                return JAULA_EXIT_USAGE;
                        }
                        break;
                case O_MIRROR:
                        o.mirror = optarg;
                        break;
                case O_KEYRING:
                        o.keyring = optarg;
                        break;
                case O_CACHE:
                        o.cache_dir = optarg;
                        break;
                case O_IMAGE:
                        o.image = true;
                        break;
                case O_FORCE:
                        o.force = true;
                        break;
                case 'h':
                        usage(stdout);
                        return JAULA_EXIT_OK;
                default:
                        usage(stderr);
                        return JAULA_EXIT_USAGE;
                }
        }
        if (argc - optind != 1) {
                fprintf(stderr, "jaula mkroot: expected one DIR\n");
                usage(stderr);
                return JAULA_EXIT_USAGE;
        }

        if (!o.suite)
                o.suite = host_codename();
        if (!o.suite)
                o.suite = DEFAULT_SUITE;
        native = native_arch();
        if (!o.arch)
                o.arch = native;
        if (!o.arch) {
                fprintf(stderr, "jaula mkroot: cannot tell this host's architecture; give --arch\n");
                return JAULA_EXIT_USAGE;
        }
        if (!valid_word(o.suite, "-") || !valid_word(o.arch, "") || !valid_word(o.variant, "-")) {
                fprintf(stderr, "jaula mkroot: suite, arch and variant are lower-case names\n");
                return JAULA_EXIT_USAGE;
        }
        if (o.mirror && !valid_mirror(o.mirror)) {
                fprintf(stderr, "jaula mkroot: --mirror '%s': expected an http://, https:// or file:/// URL\n",
                        o.mirror);
                return JAULA_EXIT_USAGE;
        }
        if ((o.keyring && o.keyring[0] != '/') || (o.cache_dir && o.cache_dir[0] != '/')) {
                fprintf(stderr, "jaula mkroot: --keyring and --cache-dir take absolute paths\n");
                return JAULA_EXIT_USAGE;
        }
        if (resolve_target(argv[optind], &o) < 0)
                return JAULA_EXIT_USAGE;
        if (geteuid() != 0) {
                fprintf(stderr, "jaula mkroot: must be run as root\n");
                return JAULA_EXIT_FAILURE;
        }

        /* A foreign architecture fails late in debootstrap's second stage
         * (its programs cannot run); say why before downloading. */
        if (native && strcmp(o.arch, native)) {
                char why[200];

                if (!(strcmp(native, "amd64") == 0 && strcmp(o.arch, "i386") == 0)) {
                        fprintf(stderr, "jaula mkroot: --arch %s: this %s host cannot run %s programs\n",
                                o.arch, native, o.arch);
                        return JAULA_EXIT_FAILURE;
                }
                if (!cli_kernel_runs_i386(why, sizeof why)) {
                        fprintf(stderr, "jaula mkroot: --arch i386: %s\n", why);
                        return JAULA_EXIT_FAILURE;
                }
        }

        if (stat(o.dir, &st) == 0) {
                if (!S_ISDIR(st.st_mode)) {
                        fprintf(stderr, "jaula mkroot: '%s' exists and is not a directory\n", o.dir);
                        return JAULA_EXIT_FAILURE;
                }
                r = dir_is_empty(o.dir);
                if (r < 0) {
                        fprintf(stderr, "jaula mkroot: '%s': %s\n", o.dir, strerror(-r));
                        return JAULA_EXIT_FAILURE;
                }
                if (r == 0 && !o.force) {
                        fprintf(stderr, "jaula mkroot: '%s' is not empty (use --force to empty it first)\n", o.dir);
                        return JAULA_EXIT_FAILURE;
                }
                if (r == 0 && !looks_like_rootfs(o.dir)) {
                        fprintf(stderr, "jaula mkroot: '%s' holds something else than a rootfs; "
                                        "--force empties only a rootfs (or a failed debootstrap)\n", o.dir);
                        return JAULA_EXIT_FAILURE;
                }
                if (r == 0) {
                        printf("jaula mkroot: emptying '%s'\n", o.dir);
                        if (empty_dir(o.dir) < 0)
                                return JAULA_EXIT_FAILURE;
                }
        } else if (errno != ENOENT) {
                fprintf(stderr, "jaula mkroot: '%s': %s\n", o.dir, strerror(errno));
                return JAULA_EXIT_FAILURE;
        } else if (make_parents(o.dir) < 0) {
                return JAULA_EXIT_FAILURE;
        } else if (mkdir(o.dir, 0755) < 0 || chmod(o.dir, 0755) < 0) {
                /* (chmod: the jail's / must be traversable whatever our umask) */
                fprintf(stderr, "jaula mkroot: creating '%s': %s\n", o.dir, strerror(errno));
                return JAULA_EXIT_FAILURE;
        }

        if (!o.mirror)
                host_mirror(&o);
        else
                snprintf(o.mirror_src, sizeof o.mirror_src, "--mirror");
        debootstrap = find_tool("debootstrap");
        if (!debootstrap) {
                fprintf(stderr, "jaula mkroot: debootstrap is not installed (apt-get install debootstrap)\n");
                return JAULA_EXIT_FAILURE;
        }

        snprintf(arg_arch, sizeof arg_arch, "--arch=%s", o.arch);
        snprintf(arg_variant, sizeof arg_variant, "--variant=%s", o.variant);
        snprintf(arg_include, sizeof arg_include, "--include=%s", o.include);
        dargv[n++] = (char *) debootstrap;
        dargv[n++] = arg_arch;
        dargv[n++] = arg_variant;
        dargv[n++] = arg_include;
        if (o.keyring) {
                snprintf(arg_keyring, sizeof arg_keyring, "--keyring=%s", o.keyring);
                dargv[n++] = arg_keyring;
        }
        if (o.cache_dir) {
                if (mkdir(o.cache_dir, 0755) < 0 && errno != EEXIST) {
                        fprintf(stderr, "jaula mkroot: creating '%s': %s\n", o.cache_dir, strerror(errno));
                        return JAULA_EXIT_FAILURE;
                }
                snprintf(arg_cache, sizeof arg_cache, "--cache-dir=%s", o.cache_dir);
                dargv[n++] = arg_cache;
        }
        dargv[n++] = (char *) o.suite;
        dargv[n++] = o.dir;
        dargv[n++] = (char *) o.mirror;
        dargv[n] = NULL;

        printf("jaula mkroot: %s %s %s into '%s' from %s (%s), with %s\n", o.suite, o.arch, o.variant,
               o.dir, o.mirror, o.mirror_src, o.include);
        unsafe_io(o.dir, true);
        r = run(dargv);
        unsafe_io(o.dir, false);
        if (r != 0) {
                fprintf(stderr, "jaula mkroot: debootstrap failed (status %d); its log is '%s/debootstrap/debootstrap.log'\n",
                        r, o.dir);
                return JAULA_EXIT_FAILURE;
        }

        clean_cache(o.dir);
        if (verify_arch(o.dir, o.arch) < 0 || verify_transfer_tools(o.dir, &o) < 0)
                return JAULA_EXIT_FAILURE;
        packages = count_packages(o.dir);
        if (o.image) {
                /* The record goes into the image too: write it first. */
                snprintf(img, sizeof img, "%s.squashfs", o.dir);
                r = write_record(&o, packages, img);
                if (r == 0)
                        r = make_image(&o, img, sizeof img);
                had_image = r == 0;
        } else {
                r = write_record(&o, packages, NULL);
        }
        if (r < 0) {
                if (r != -EIO && r != -ENOENT && r != -EEXIST)
                        fprintf(stderr, "jaula mkroot: %s\n", strerror(-r));
                return JAULA_EXIT_FAILURE;
        }

        printf("jaula mkroot: done: '%s' (%ld packages), recorded in '%s/%s'\n", o.dir, packages, o.dir,
               RECORD_NAME);
        if (had_image)
                printf("jaula mkroot: image: '%s'\n", img);
        printf("jaula mkroot: use it in a profile's rootfs with path = \"%s\"; type = \"%s\"; arch = \"%s\";\n",
               had_image ? img : o.dir, had_image ? "squashfs" : "directory", o.arch);
        if (strcmp(o.arch, "i386") == 0 && native && strcmp(native, "amd64") == 0)
                printf("jaula mkroot: with arch = \"i386\" the jail's seccomp filter covers the i386 "
                       "system call ABI too, with the same rules; x32 stays refused\n");
        return JAULA_EXIT_OK;
}
