/* anchor-loop: times RUNS runs of an anchor command (crun, runc, unshare) doing the same
 * host-side work as a ClusterKit start: per run a fresh overlay rootfs (upper and work dirs
 * in a new directory, mounted volatile) and freshly written hostname/hosts/resolv.conf files,
 * then the command, then the unmount and a rename of the run's directory to a trash name
 * (ClusterKit deletes removed containers' files in the background; so does the caller here,
 * after the loop). Prints one duration in milliseconds per line.
 *
 *   anchor-loop RUNS [--hide-cgroup-v2] [--tmpfs DIR] [--overlay LOWER MERGED STATEDIR] [--files DIR] -- CMD ARG...
 *
 * "%i" in an argument is replaced by the run number (container names). The loop runs in a
 * private mount namespace of its own, so a failed run leaves no mount behind; with
 * --hide-cgroup-v2 the hybrid host's v2 mount is detached there, as crun and runc prefer v2
 * when they see it and this host's controllers live on v1; --tmpfs mounts a tmpfs at DIR
 * there (the anchors' state and the small files, as ClusterKit's run root). Timing with CLOCK_MONOTONIC in
 * this small static program adds no shell or fork of its own to a sample. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *const file_names[] = {"hostname", "hosts", "resolv.conf"};
static const char *const file_contents[] = {
    "ckb-anchor\n",
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\tckb-anchor\n",
    "nameserver 1.1.1.1\nnameserver 8.8.8.8\n",
};

static void die(const char *what, const char *arg)
{
    fprintf(stderr, "anchor-loop: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A copy of ARG with every "%i" replaced by the run number. */
static char *substitute(const char *arg, int run)
{
    char number[16];
    snprintf(number, sizeof(number), "%d", run);
    size_t len = strlen(arg) + 1;
    for (const char *p = arg; (p = strstr(p, "%i")); p += 2)
        len += strlen(number);
    char *out = malloc(len), *w = out;
    if (!out)
        die("malloc", NULL);
    for (const char *p = arg; *p;) {
        if (p[0] == '%' && p[1] == 'i') {
            w += sprintf(w, "%s", number);
            p += 2;
        } else {
            *w++ = *p++;
        }
    }
    *w = 0;
    return out;
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
        die("write", path);
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: anchor-loop RUNS [--hide-cgroup-v2] [--tmpfs DIR] [--overlay LOWER MERGED STATEDIR] [--files DIR] -- CMD ARG...\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    int hide = 0, i = 2;
    const char *lower = NULL, *merged = NULL, *state = NULL, *files = NULL, *tmpfs = NULL;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--hide-cgroup-v2") == 0) {
            hide = 1;
        } else if (strcmp(argv[i], "--overlay") == 0 && i + 3 < argc) {
            lower = argv[++i];
            merged = argv[++i];
            state = argv[++i];
        } else if (strcmp(argv[i], "--tmpfs") == 0 && i + 1 < argc) {
            tmpfs = argv[++i];
        } else if (strcmp(argv[i], "--files") == 0 && i + 1 < argc) {
            files = argv[++i];
        } else {
            fprintf(stderr, "anchor-loop: unknown option '%s'; allowed: --hide-cgroup-v2, --tmpfs DIR, --overlay LOWER MERGED STATEDIR, --files DIR, --\n", argv[i]);
            return 2;
        }
    }
    if (runs < 1 || i + 1 >= argc) {
        fprintf(stderr, "anchor-loop: RUNS must be at least 1 and a command must follow --\n");
        return 2;
    }
    char **command = argv + i + 1;
    int command_len = argc - i - 1;

    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        die("private mount namespace", NULL);
    if (hide && umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        die("umount", "/sys/fs/cgroup/unified");
    if (tmpfs && mount("tmpfs", tmpfs, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0)
        die("mount tmpfs on", tmpfs);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    char **args = calloc((size_t)command_len + 1, sizeof(char *));
    if (!args)
        die("calloc", NULL);

    for (int run = 1; run <= runs; run++) {
        for (int a = 0; a < command_len; a++)
            args[a] = substitute(command[a], run);

        double start = now_ms();
        char dir[4096], upper[4200], work[4200], options[12800];
        if (lower) {
            snprintf(dir, sizeof(dir), "%s/run-%d", state, run);
            snprintf(upper, sizeof(upper), "%s/upper", dir);
            snprintf(work, sizeof(work), "%s/work", dir);
            if (mkdir(dir, 0711) != 0 || mkdir(upper, 0755) != 0 || mkdir(work, 0700) != 0)
                die("mkdir", dir);
            snprintf(options, sizeof(options), "lowerdir=%s,upperdir=%s,workdir=%s,volatile", lower, upper, work);
            if (mount("overlay", merged, "overlay", 0, options) != 0)
                die("mount overlay on", merged);
        }
        if (files)
            for (size_t f = 0; f < sizeof(file_names) / sizeof(file_names[0]); f++)
                write_file(files, file_names[f], file_contents[f]);

        pid_t pid;
        int status;
        if ((errno = posix_spawnp(&pid, args[0], &actions, NULL, args, environ)) != 0)
            die("spawn", args[0]);
        if (waitpid(pid, &status, 0) != pid)
            die("waitpid", args[0]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "anchor-loop: run %d: %s exited with status %d\n", run, args[0], status);
            return 1;
        }

        if (lower) {
            char trash[4200];
            snprintf(trash, sizeof(trash), "%s/trash-%d", state, run);
            if (umount2(merged, MNT_DETACH) != 0)
                die("umount", merged);
            if (rename(dir, trash) != 0)
                die("rename", dir);
        }
        printf("%.4f\n", now_ms() - start);
        fflush(stdout);
        for (int a = 0; a < command_len; a++)
            free(args[a]);
    }
    return 0;
}
