/* The last steps of every container process (the user process and exec'd commands):
 * groups, gid, uid, capabilities, no_new_privs, seccomp, cwd, exec. */
#include "ck.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void exit_with_message(int error_fd, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (error_fd >= 0)
        (void)!write(error_fd, msg, strlen(msg));
    /* The container's stderr, so the reason also lands in the container's log. */
    dprintf(2, "ck-init: %s\n", msg);
    _exit(code);
}

void apply_rlimits(const struct plan *plan)
{
    for (int i = 0; i < plan->nrlimits; i++) {
        struct rlimit rl = {(rlim_t)plan->rlimits[i].soft, (rlim_t)plan->rlimits[i].hard};
        if (setrlimit(plan->rlimits[i].resource, &rl) != 0)
            ck_fatal("setrlimit %d: %s", plan->rlimits[i].resource, strerror(errno));
    }
}

static void install_seccomp(const struct plan *plan, int error_fd)
{
    struct sock_fprog prog = {(unsigned short)plan->nfilter, plan->filter};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        exit_with_message(error_fd, 126, "seccomp: %s", strerror(errno));
}

static void set_capabilities(const struct plan *plan, int error_fd)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {
        {(uint32_t)plan->cap_effective, (uint32_t)plan->cap_permitted, (uint32_t)plan->cap_inheritable},
        {(uint32_t)(plan->cap_effective >> 32), (uint32_t)(plan->cap_permitted >> 32), (uint32_t)(plan->cap_inheritable >> 32)},
    };
    if (syscall(SYS_capset, &header, data) != 0)
        exit_with_message(error_fd, 126, "capset: %s", strerror(errno));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap < 64; cap++)
        if ((plan->cap_ambient >> cap) & 1)
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
                exit_with_message(error_fd, 126, "ambient capability %d: %s", cap, strerror(errno));
}

static void drop_bounding(const struct plan *plan, int error_fd)
{
    /* PR_CAPBSET_READ fails past the kernel's last capability. */
    for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
        if (!((plan->cap_bounding >> cap) & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            exit_with_message(error_fd, 126, "drop bounding capability %d: %s", cap, strerror(errno));
}

static void exec_command(const struct plan *plan, int error_fd) __attribute__((noreturn));
static void exec_command(const struct plan *plan, int error_fd)
{
    /* ck-worker runs with umask 077 (its files are root-only); the container's own processes get
       the conventional 022, as under Docker, so what they create is what the image expects. */
    umask(022);
    const char *cmd = plan->argv.items[0];
    if (strchr(cmd, '/')) {
        execve(cmd, plan->argv.items, plan->env.items);
        int e = errno;
        exit_with_message(error_fd, e == ENOENT ? 127 : 126, "exec: \"%s\": %s", cmd, strerror(e));
    }
    const char *path = env_lookup(plan, "PATH");
    if (!path)
        path = DEFAULT_PATH;
    int denied = 0;
    char full[4096];
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        int dirlen = (int)(end - p);
        snprintf(full, sizeof(full), "%.*s%s%s", dirlen, p, dirlen ? "/" : "", cmd);
        execve(full, plan->argv.items, plan->env.items);
        int e = errno;
        /* As execvp: a candidate that is missing is skipped, one that exists but cannot be
         * executed is remembered; any other error (E2BIG, ENOEXEC, ENOMEM, ETXTBSY...) is the
         * answer, not "not found". */
        if (e == EACCES)
            denied = 1;
        else if (e != ENOENT && e != ENOTDIR && e != ESTALE && e != ENODEV && e != ETIMEDOUT)
            exit_with_message(error_fd, 126, "exec: \"%s\": %s", cmd, strerror(e));
        if (!*end)
            break;
        p = end;
    }
    if (denied)
        exit_with_message(error_fd, 126, "exec: \"%s\": permission denied", cmd);
    exit_with_message(error_fd, 127, "exec: \"%s\": executable file not found in $PATH", cmd);
}

/* Nothing but 0, 1 and 2 crosses into the container's process: whatever descriptors the
 * worker inherited from whoever started it (a shell's 10 or 255, a test runner's pipes) are
 * closed at exec. The error pipe is close-on-exec already, so it still reports a failed exec. */
static void close_inherited_descriptors(int error_fd)
{
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    DIR *fds = opendir("/proc/self/fd");
    if (!fds)
        exit_with_message(error_fd, 126, "list descriptors to close: %s", strerror(errno));
    int own = dirfd(fds);
    for (struct dirent *entry; (entry = readdir(fds)) != NULL;) {
        int fd = atoi(entry->d_name);
        if (fd > 2 && fd != own)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(fds);
}

void become_container_process(const struct plan *plan, int error_fd)
{
    close_inherited_descriptors(error_fd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);

    /* Without no_new_privs only a CAP_SYS_ADMIN holder may install a filter, so it goes in
     * before the capabilities are dropped; the filter allows every call that follows. */
    if (plan->nfilter > 0 && !plan->no_new_privileges)
        install_seccomp(plan, error_fd);
    if (plan->have_caps) {
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
            exit_with_message(error_fd, 126, "keepcaps: %s", strerror(errno));
        drop_bounding(plan, error_fd);
    }
    if (setgroups((size_t)plan->ngroups, plan->groups) != 0)
        exit_with_message(error_fd, 126, "setgroups: %s", strerror(errno));
    if (setresgid(plan->gid, plan->gid, plan->gid) != 0)
        exit_with_message(error_fd, 126, "setresgid %u: %s", plan->gid, strerror(errno));
    if (setresuid(plan->uid, plan->uid, plan->uid) != 0)
        exit_with_message(error_fd, 126, "setresuid %u: %s", plan->uid, strerror(errno));
    if (plan->have_caps) {
        set_capabilities(plan, error_fd);
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    }
    if (plan->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        exit_with_message(error_fd, 126, "no_new_privs: %s", strerror(errno));
    if (chdir(plan->cwd) != 0)
        exit_with_message(error_fd, 126, "chdir to cwd \"%s\": %s", plan->cwd, strerror(errno));
    if (plan->nfilter > 0 && plan->no_new_privileges)
        install_seccomp(plan, error_fd);
    exec_command(plan, error_fd);
}
