/* exec: runs one more command in a running container. Enters the namespaces of its init,
 * joins its cgroups, forks into its pid namespace and applies the same security as the
 * container's own process. Stdio passes through from the worker; with a tty the helper
 * opens a pty in the container's devpts and relays between it and its own stdio. */
#include "ck.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* cgroup after the cgroup join below (its root is then the container's cgroup); mnt last. */
static const char *const Namespaces[] = {"ipc", "uts", "net", "pid", "cgroup", "mnt"};
#define NNAMESPACES (int)(sizeof(Namespaces) / sizeof(Namespaces[0]))

static void relay(int from, int to, int *open_flag)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        *open_flag = 0;
        return;
    }
    write_all(to, buf, (size_t)n);
}

int exec_main(const char *plan_path)
{
    static struct plan plan;
    char err[1024];
    if (plan_load(plan_path, &plan, err, sizeof(err)) != 0)
        ck_fatal("%s", err);
    if (plan.target_pid <= 0 || plan.argv.count == 0)
        ck_fatal("exec plan %s needs target-pid and at least one arg", plan_path);

    int nsfd[NNAMESPACES];
    for (int i = 0; i < NNAMESPACES; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", plan.target_pid, Namespaces[i]);
        nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (nsfd[i] < 0)
            ck_fatal("open %s: %s", path, strerror(errno));
    }
    for (int i = 0; i < plan.cgroup_procs.count; i++) {
        int fd = open(plan.cgroup_procs.items[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || dprintf(fd, "%d", getpid()) < 0)
            ck_fatal("join cgroup %s: %s", plan.cgroup_procs.items[i], strerror(errno));
        close(fd);
    }
    /* mnt last: it also moves our root and cwd into the container. */
    for (int i = 0; i < NNAMESPACES; i++) {
        if (setns(nsfd[i], 0) != 0)
            ck_fatal("setns %s of pid %d: %s", Namespaces[i], plan.target_pid, strerror(errno));
        close(nsfd[i]);
    }
    int slave = -1, master = -1;
    if (plan.tty) {
        master = open_container_pty(&slave, err, sizeof(err));
        if (master < 0)
            ck_fatal("%s", err);
        struct winsize ws = {plan.win_rows, plan.win_cols, 0, 0};
        if (plan.win_rows && plan.win_cols && ioctl(master, TIOCSWINSZ, &ws) != 0)
            ck_fatal("set the pty size: %s", strerror(errno));
    }

    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    pid_t child = fork();
    if (child < 0)
        ck_fatal("fork: %s", strerror(errno));
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        setsid();
        if (slave >= 0) {
            if (ioctl(slave, TIOCSCTTY, 0) != 0)
                exit_with_message(-1, 126, "set controlling terminal: %s", strerror(errno));
            for (int i = 0; i < 3; i++)
                dup2(slave, i);
            close(slave);
        }
        apply_rlimits(&plan);
        become_container_process(&plan, -1);
    }
    if (slave >= 0)
        close(slave);

    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    int in_open = master >= 0, out_open = master >= 0;
    for (;;) {
        struct pollfd fds[3] = {{sfd, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}, {out_open ? master : -1, POLLIN, 0}};
        if (poll(fds, 3, -1) < 0 && errno != EINTR)
            ck_fatal("poll: %s", strerror(errno));
        if (fds[1].revents)
            relay(0, master, &in_open);
        if (fds[2].revents)
            relay(master, 1, &out_open);
        if (fds[0].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD)
                kill(child, (int)si.ssi_signo);
            int status;
            if (waitpid(child, &status, WNOHANG) == child) {
                /* Whatever the command wrote last is still in the pty. */
                while (out_open) {
                    struct pollfd p = {master, POLLIN, 0};
                    if (poll(&p, 1, 50) <= 0)
                        break;
                    relay(master, 1, &out_open);
                }
                return status_to_exit_code(status);
            }
        }
    }
}
