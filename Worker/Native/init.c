/* The container's init: PID 1 of the new namespaces. Prepares the root filesystem from the
 * plan's steps, waits for the shim's go-ahead, forks the user process, then reaps zombies
 * and forwards signals until the user process exits, and exits with its status. */
#include "ck.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char setup_error[1024];

#define FAIL(...)                                                   \
    do {                                                            \
        snprintf(setup_error, sizeof(setup_error), __VA_ARGS__);    \
        return -1;                                                  \
    } while (0)

/* The image is untrusted: a symlink in it must never lead a mount, mkdir or mknod out of
 * the rootfs onto the host. Every path inside the container is resolved with
 * openat2(RESOLVE_IN_ROOT) against the rootfs, and the kernel call then uses the
 * resulting descriptor (through /proc/self/fd). */
static int root_fd = -1;

static int open_in_root(const char *path, int flags)
{
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    while (*path == '/')
        path++;
    return (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
}

static int mkdir_in_root(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    size_t len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        buf[i] = 0;
        int fd = open_in_root(buf, O_PATH | O_DIRECTORY);
        if (fd >= 0) {
            close(fd);
        } else if (errno == ENOENT) {
            char *slash = strrchr(buf, '/');
            *slash = 0;
            int parent = open_in_root(buf, O_PATH | O_DIRECTORY);
            *slash = '/';
            if (parent < 0)
                return -1;
            int rc = mkdirat(parent, slash + 1, 0755);
            close(parent);
            if (rc != 0 && errno != EEXIST)
                return -1;
        } else {
            return -1;
        }
        if (i < len)
            buf[i] = '/';
    }
    return 0;
}

/* The directory holding path (created if needed), resolved in the root; *base gets the last name. */
static int parent_in_root(const char *path, char *base, size_t baselen)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || !slash[1]) {
        errno = EINVAL;
        return -1;
    }
    snprintf(base, baselen, "%s", slash + 1);
    *slash = 0;
    if (*dir && mkdir_in_root(dir) != 0)
        return -1;
    return open_in_root(dir, O_PATH | O_DIRECTORY);
}

/* A bind mount of a file needs a file to mount on; everything else a directory. */
static int make_mount_target(const struct step *s)
{
    int fd = open_in_root(s->target, O_PATH);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    struct stat st;
    if ((s->flags & MS_BIND) && stat(s->source, &st) == 0 && !S_ISDIR(st.st_mode)) {
        char base[256];
        int parent = parent_in_root(s->target, base, sizeof(base));
        if (parent < 0)
            return -1;
        /* O_PATH parents cannot create files: reopen the parent as a real directory. */
        int dir = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        close(parent);
        if (dir < 0)
            return -1;
        fd = openat(dir, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        close(dir);
        if (fd < 0)
            return -1;
        close(fd);
        return 0;
    }
    return mkdir_in_root(s->target);
}

static int mount_on(const char *target, const char *source, const char *fstype, unsigned long flags, const char *data)
{
    int fd = open_in_root(target, O_PATH);
    if (fd < 0)
        return -1;
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    int rc = mount(source, proc, fstype, flags, data);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static int do_mount(const struct step *s)
{
    if (make_mount_target(s) != 0)
        FAIL("create mount point %s: %s", s->target, strerror(errno));
    /* A bind mount ignores most flags until it is remounted. */
    unsigned long first = s->flags & MS_BIND ? (s->flags & (MS_BIND | MS_REC)) : s->flags;
    if (mount_on(s->target, s->source, s->fstype, first, s->data) != 0)
        FAIL("mount %s on %s (%s): %s", s->source, s->target, s->fstype, strerror(errno));
    /* Resolved again, so that the remount reaches the new mount rather than what it covers. */
    unsigned long extra = s->flags & ~(MS_BIND | MS_REC | MS_PRIVATE | MS_SLAVE | MS_SHARED);
    if ((s->flags & MS_BIND) && extra && mount_on(s->target, NULL, NULL, MS_BIND | MS_REMOUNT | extra, NULL) != 0)
        FAIL("remount %s with flags %lu: %s", s->target, extra, strerror(errno));
    unsigned long propagation = s->flags & (MS_PRIVATE | MS_SLAVE | MS_SHARED);
    if (propagation && mount_on(s->target, NULL, NULL, propagation | (s->flags & MS_REC), NULL) != 0)
        FAIL("set propagation of %s: %s", s->target, strerror(errno));
    return 0;
}

static int run_steps(const struct plan *plan)
{
    char base[256];
    for (int i = 0; i < plan->nsteps; i++) {
        const struct step *s = &plan->steps[i];
        if (s->kind == STEP_MOUNT) {
            if (do_mount(s) != 0)
                return -1;
            continue;
        }
        int parent = parent_in_root(s->target, base, sizeof(base));
        if (parent < 0)
            FAIL("resolve %s: %s", s->target, strerror(errno));
        int dir = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        close(parent);
        if (dir < 0)
            FAIL("open parent of %s: %s", s->target, strerror(errno));
        unlinkat(dir, base, 0);
        int rc;
        if (s->kind == STEP_MKNOD) {
            mode_t type = s->node_type == 'b' ? S_IFBLK : S_IFCHR;
            rc = mknodat(dir, base, type | s->mode, makedev(s->major, s->minor));
            /* The umask must not narrow the plan's mode. */
            if (rc == 0)
                rc = fchmodat(dir, base, s->mode, 0);
        } else {
            rc = symlinkat(s->source, dir, base);
        }
        int e = errno;
        close(dir);
        if (rc != 0)
            FAIL("create %s: %s", s->target, strerror(e));
    }
    return 0;
}

static int enter_rootfs(const struct plan *plan)
{
    /* Nothing we mount may leak back into the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        FAIL("make / private: %s", strerror(errno));
    /* pivot_root needs the new root to be a mount point. */
    if (mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0)
        FAIL("bind rootfs %s: %s", plan->rootfs, strerror(errno));
    root_fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        FAIL("open rootfs %s: %s", plan->rootfs, strerror(errno));
    int rc = run_steps(plan);
    close(root_fd);
    if (rc != 0)
        return -1;
    if (chdir(plan->rootfs) != 0)
        FAIL("chdir %s: %s", plan->rootfs, strerror(errno));
    /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it
     * leaves the new root alone without needing a directory for the old root. */
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        FAIL("pivot_root %s: %s", plan->rootfs, strerror(errno));
    if (umount2(".", MNT_DETACH) != 0)
        FAIL("detach old root: %s", strerror(errno));
    if (chdir("/") != 0)
        FAIL("chdir /: %s", strerror(errno));
    return 0;
}

static int mask_paths(const struct plan *plan)
{
    for (int i = 0; i < plan->masked.count; i++) {
        const char *path = plan->masked.items[i];
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        int rc = S_ISDIR(st.st_mode)
            ? mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
            : mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (rc != 0)
            FAIL("mask %s: %s", path, strerror(errno));
    }
    return 0;
}

static int readonly_paths(const struct plan *plan)
{
    for (int i = 0; i < plan->readonly.count; i++) {
        const char *path = plan->readonly.items[i];
        struct statvfs sv;
        if (statvfs(path, &sv) != 0)
            continue;
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0)
            FAIL("bind %s read-only: %s", path, strerror(errno));
        /* A remount must repeat the locked flags it keeps. */
        unsigned long keep = 0;
        if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
        if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) != 0)
            FAIL("remount %s read-only: %s", path, strerror(errno));
    }
    return 0;
}

static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        FAIL("socket for lo: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(fd);
    if (rc != 0)
        FAIL("bring lo up: %s", strerror(e));
    return 0;
}

static int prepare(const struct plan *plan)
{
    if (enter_rootfs(plan) != 0 || mask_paths(plan) != 0 || readonly_paths(plan) != 0)
        return -1;
    if (plan->hostname && sethostname(plan->hostname, strlen(plan->hostname)) != 0)
        FAIL("sethostname %s: %s", plan->hostname, strerror(errno));
    if (plan->new_network && loopback_up() != 0)
        return -1;
    if (plan->readonly_rootfs && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
        FAIL("remount / read-only: %s", strerror(errno));
    return 0;
}

static int forwarded(int sig)
{
    return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT || sig == SIGUSR1 ||
           sig == SIGUSR2 || sig == SIGWINCH;
}

static void reap_until_exit(pid_t child, const sigset_t *set) __attribute__((noreturn));
static void reap_until_exit(pid_t child, const sigset_t *set)
{
    for (;;) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == child)
                _exit(status_to_exit_code(status));
        siginfo_t info;
        int sig = sigwaitinfo(set, &info);
        if (sig > 0 && forwarded(sig))
            kill(child, sig);
    }
}

int init_main(const struct plan *plan, int sync_fd, int stdio[3])
{
    /* Inside the container, PID 1 reads "ck-init" rather than the host's paths. */
    memset(ck_argv_area, 0, ck_argv_len);
    memcpy(ck_argv_area, "ck-init", ck_argv_len < 8 ? ck_argv_len : 8);
    /* A container whose shim died has nobody to report its exit: stop it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        if (stdio[i] >= 0 && dup2(stdio[i], i) < 0)
            ck_fatal("dup2: %s", strerror(errno));
    for (int i = 0; i < 3; i++)
        if (stdio[i] > 2)
            close(stdio[i]);

    char msg[1100];
    int master = -1, slave = -1;
    if (prepare(plan) != 0) {
        snprintf(msg, sizeof(msg), "error %s", setup_error);
        send_msg(sync_fd, msg, -1);
        _exit(125);
    }
    if (plan->tty) {
        master = open_container_pty(&slave, setup_error, sizeof(setup_error));
        if (master < 0) {
            snprintf(msg, sizeof(msg), "error %s", setup_error);
            send_msg(sync_fd, msg, -1);
            _exit(125);
        }
    }
    send_msg(sync_fd, "ready", master);
    if (master >= 0)
        close(master);

    if (recv_msg(sync_fd, msg, sizeof(msg), NULL) <= 0 || strcmp(msg, "go") != 0)
        _exit(125);
    /* "go" follows the shim's cgroup join: the namespace's root is the container's own cgroup,
     * so /proc/self/cgroup inside reads "/" instead of the host's path. */
    if (plan->cgroup_namespace && unshare(CLONE_NEWCGROUP) != 0) {
        snprintf(msg, sizeof(msg), "failed cgroup namespace: %s", strerror(errno));
        send_msg(sync_fd, msg, -1);
        _exit(126);
    }
    apply_rlimits(plan);

    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);

    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0)
        ck_fatal("pipe: %s", strerror(errno));
    pid_t child = fork();
    if (child < 0)
        ck_fatal("fork: %s", strerror(errno));
    if (child == 0) {
        close(errpipe[0]);
        close(sync_fd);
        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        setsid();
        if (plan->tty) {
            if (ioctl(slave, TIOCSCTTY, 0) != 0)
                exit_with_message(errpipe[1], 126, "set controlling terminal: %s", strerror(errno));
            for (int i = 0; i < 3; i++)
                dup2(slave, i);
            close(slave);
        }
        become_container_process(plan, errpipe[1]);
    }
    close(errpipe[1]);
    if (slave >= 0)
        close(slave);
    char err[1024];
    ssize_t n, total = 0;
    while ((n = read(errpipe[0], err + total, sizeof(err) - 1 - (size_t)total)) > 0 ||
           (n < 0 && errno == EINTR))
        if (n > 0)
            total += n;
    err[total] = 0;
    close(errpipe[0]);
    if (total > 0)
        snprintf(msg, sizeof(msg), "failed %s", err);
    else
        snprintf(msg, sizeof(msg), "started %d", child);
    send_msg(sync_fd, msg, -1);
    close(sync_fd);
    /* Keep no end of the container's stdio: the shim sees EOF when the last user of it goes. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        for (int i = 0; i < 3; i++)
            dup2(null, i);
        close(null);
    }
    reap_until_exit(child, &set);
}
