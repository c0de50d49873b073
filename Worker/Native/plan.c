/* Parses the plan file: one directive per line, fields separated by tabs; a backslash
 * escapes \\ \t \n inside a field. The first line is "ck-plan 1". */
#include "ck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 8

static void *grow(void *items, int count, size_t size)
{
    /* Plans hold tens of entries: one realloc per entry is cheap enough. One spare slot
     * keeps string vectors NULL-terminated. */
    items = realloc(items, (size_t)(count + 1) * size);
    if (!items)
        ck_fatal("out of memory");
    return items;
}

static void strv_push(struct strv *v, char *s)
{
    v->items = grow(v->items, v->count + 1, sizeof(char *));
    v->items[v->count++] = s;
    v->items[v->count] = NULL;
}

static void unescape(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *out++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
}

static int parse_ull(const char *s, int base, unsigned long long *value)
{
    char *end;
    errno = 0;
    *value = strtoull(s, &end, base);
    return errno == 0 && end != s && *end == 0 ? 0 : -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_filter(const char *hex, struct plan *plan)
{
    size_t len = strlen(hex);
    if (len == 0 || len % 16 != 0)
        return -1;
    plan->nfilter = (int)(len / 16);
    plan->filter = calloc((size_t)plan->nfilter, sizeof(struct sock_filter));
    unsigned char *bytes = (unsigned char *)plan->filter;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        bytes[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static int parse_groups(char *list, struct plan *plan)
{
    if (!*list)
        return 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        unsigned long long g;
        if (parse_ull(tok, 10, &g) != 0)
            return -1;
        plan->groups = grow(plan->groups, plan->ngroups + 1, sizeof(gid_t));
        plan->groups[plan->ngroups++] = (gid_t)g;
    }
    return 0;
}

static struct step *add_step(struct plan *plan, enum step_kind kind)
{
    plan->steps = grow(plan->steps, plan->nsteps + 1, sizeof(struct step));
    struct step *s = &plan->steps[plan->nsteps++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    return s;
}

#define NEED(n)                                                                 \
    do {                                                                        \
        if (nf != (n)) {                                                        \
            snprintf(err, errlen, "plan line %d: %s needs %d fields, got %d",   \
                     lineno, f[0], (n) - 1, nf - 1);                            \
            return -1;                                                          \
        }                                                                       \
    } while (0)

static int parse_line(struct plan *plan, char **f, int nf, int lineno, char *err, size_t errlen)
{
    const char *d = f[0];
    unsigned long long a, b, c;
    if (!strcmp(d, "rootfs")) {
        NEED(2); plan->rootfs = f[1];
    } else if (!strcmp(d, "hostname")) {
        NEED(2); plan->hostname = f[1];
    } else if (!strcmp(d, "network")) {
        NEED(2); plan->new_network = !strcmp(f[1], "new");
    } else if (!strcmp(d, "tty")) {
        NEED(2); plan->tty = !strcmp(f[1], "1");
    } else if (!strcmp(d, "winsize")) {
        NEED(3);
        if (parse_ull(f[1], 10, &a) || parse_ull(f[2], 10, &b) || a > 0xffff || b > 0xffff)
            goto bad;
        plan->win_rows = (unsigned short)a; plan->win_cols = (unsigned short)b;
    } else if (!strcmp(d, "stdin")) {
        NEED(2); plan->open_stdin = !strcmp(f[1], "1");
    } else if (!strcmp(d, "readonly-rootfs")) {
        NEED(2); plan->readonly_rootfs = !strcmp(f[1], "1");
    } else if (!strcmp(d, "no-new-privileges")) {
        NEED(2); plan->no_new_privileges = !strcmp(f[1], "1");
    } else if (!strcmp(d, "cgroup-namespace")) {
        NEED(2); plan->cgroup_namespace = !strcmp(f[1], "1");
    } else if (!strcmp(d, "cgroup-procs")) {
        NEED(2); strv_push(&plan->cgroup_procs, f[1]);
    } else if (!strcmp(d, "mount")) {
        NEED(6);
        if (parse_ull(f[4], 10, &a) != 0)
            goto bad;
        struct step *s = add_step(plan, STEP_MOUNT);
        s->source = f[1]; s->target = f[2]; s->fstype = f[3]; s->flags = (unsigned long)a;
        s->data = *f[5] ? f[5] : NULL;
    } else if (!strcmp(d, "mknod")) {
        NEED(6);
        if ((f[2][0] != 'c' && f[2][0] != 'b') || parse_ull(f[3], 10, &a) || parse_ull(f[4], 10, &b) || parse_ull(f[5], 8, &c))
            goto bad;
        struct step *s = add_step(plan, STEP_MKNOD);
        s->target = f[1]; s->node_type = f[2][0]; s->major = (unsigned)a; s->minor = (unsigned)b; s->mode = (unsigned)c;
    } else if (!strcmp(d, "symlink")) {
        NEED(3);
        struct step *s = add_step(plan, STEP_SYMLINK);
        s->source = f[1]; s->target = f[2];
    } else if (!strcmp(d, "masked")) {
        NEED(2); strv_push(&plan->masked, f[1]);
    } else if (!strcmp(d, "readonly")) {
        NEED(2); strv_push(&plan->readonly, f[1]);
    } else if (!strcmp(d, "rlimit")) {
        NEED(4);
        if (parse_ull(f[1], 10, &a) || parse_ull(f[2], 10, &b) || parse_ull(f[3], 10, &c))
            goto bad;
        plan->rlimits = grow(plan->rlimits, plan->nrlimits + 1, sizeof(struct ck_rlimit));
        plan->rlimits[plan->nrlimits++] = (struct ck_rlimit){(int)a, b, c};
    } else if (!strcmp(d, "user")) {
        NEED(3);
        if (parse_ull(f[1], 10, &a) || parse_ull(f[2], 10, &b))
            goto bad;
        plan->uid = (uid_t)a; plan->gid = (gid_t)b;
    } else if (!strcmp(d, "groups")) {
        NEED(2);
        if (parse_groups(f[1], plan))
            goto bad;
    } else if (!strcmp(d, "caps")) {
        NEED(6);
        unsigned long long v[5];
        for (int i = 0; i < 5; i++)
            if (parse_ull(f[i + 1], 16, &v[i]))
                goto bad;
        plan->have_caps = 1;
        plan->cap_bounding = v[0]; plan->cap_effective = v[1]; plan->cap_permitted = v[2];
        plan->cap_inheritable = v[3]; plan->cap_ambient = v[4];
    } else if (!strcmp(d, "seccomp")) {
        NEED(2);
        if (parse_filter(f[1], plan))
            goto bad;
    } else if (!strcmp(d, "env")) {
        NEED(2); strv_push(&plan->env, f[1]);
    } else if (!strcmp(d, "cwd")) {
        NEED(2); plan->cwd = f[1];
    } else if (!strcmp(d, "arg")) {
        NEED(2); strv_push(&plan->argv, f[1]);
    } else if (!strcmp(d, "log")) {
        NEED(4);
        if (parse_ull(f[2], 10, &a) || parse_ull(f[3], 10, &b))
            goto bad;
        plan->log_path = f[1]; plan->log_max_size = (long long)a; plan->log_max_files = (int)b;
    } else if (!strcmp(d, "state")) {
        NEED(2); plan->state_dir = f[1];
    } else if (!strcmp(d, "attach")) {
        NEED(2); plan->attach_socket = f[1];
    } else if (!strcmp(d, "target-pid")) {
        NEED(2);
        if (parse_ull(f[1], 10, &a))
            goto bad;
        plan->target_pid = (int)a;
    } else if (!strcmp(d, "label")) {
        /* Read by the worker only (for example the cgroup name after a restart). */
    } else {
        snprintf(err, errlen, "plan line %d: unknown directive '%s'", lineno, d);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "plan line %d: malformed value in '%s'", lineno, d);
    return -1;
}

int plan_load(const char *path, struct plan *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof(*plan));
    plan->cwd = "/";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "open plan %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc((size_t)st.st_size + 1);
    ssize_t total = 0;
    while (total < st.st_size) {
        ssize_t n = read(fd, text + total, (size_t)(st.st_size - total));
        if (n <= 0)
            break;
        total += n;
    }
    close(fd);
    text[total] = 0;

    int lineno = 0;
    char *next;
    for (char *line = text; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        if (lineno == 1) {
            if (strcmp(line, "ck-plan 1") != 0) {
                snprintf(err, errlen, "plan %s: first line is '%s', expected 'ck-plan 1'", path, line);
                return -1;
            }
            continue;
        }
        if (!*line)
            continue;
        char *f[MAX_FIELDS];
        int nf = 0;
        for (char *p = line; p && nf < MAX_FIELDS; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
        for (int i = 0; i < nf; i++)
            unescape(f[i]);
        if (parse_line(plan, f, nf, lineno, err, errlen))
            return -1;
    }
    if (plan->argv.count == 0 && plan->target_pid == 0 && plan->rootfs == NULL) {
        snprintf(err, errlen, "plan %s: no rootfs, target-pid or arg directive", path);
        return -1;
    }
    return 0;
}

const char *env_lookup(const struct plan *plan, const char *key)
{
    size_t klen = strlen(key);
    for (int i = plan->env.count - 1; i >= 0; i--)
        if (!strncmp(plan->env.items[i], key, klen) && plan->env.items[i][klen] == '=')
            return plan->env.items[i] + klen + 1;
    return NULL;
}
