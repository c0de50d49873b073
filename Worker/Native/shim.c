/* The shim: one per container, detached from the worker so that containers survive a worker
 * restart. It clones the container's init into new namespaces, reports to the worker on its
 * stdin/stdout (the start handshake), then copies the container's output into JSON-lines
 * logs and to attached clients, and records the exit. */
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
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define PARTIAL_LINE 16384
#define FRAME_HEADER 5

enum { STREAM_STDOUT = 1, STREAM_STDERR = 2 };
enum { CLIENT_STDIN = 0, CLIENT_CLOSE_STDIN = 1, CLIENT_RESIZE = 2 };

struct log_writer {
    const char *path;
    long long max_size;
    int max_files;
    int fd;
    long long size;
};

struct stream {
    int fd;
    const char *name;
    int id;
    char line[PARTIAL_LINE];
    size_t used;
};

struct client {
    int fd;
    unsigned char buf[FRAME_HEADER + 65536];
    size_t used;
};

static struct log_writer logw = {.fd = -1};
static struct client clients[MAX_CLIENTS];
static int stdin_fd = -1;   /* the container's stdin (pipe write end or pty master) */
static int pty_master = -1;

/* ---- the start handshake with the worker (our stdin/stdout) ---- */

static void report(const char *fmt, const char *arg)
{
    char buf[1200];
    int n = snprintf(buf, sizeof(buf), fmt, arg);
    for (char *p = buf; p < buf + n - 1; p++)
        if (*p == '\n')
            *p = ' ';
    write_all(1, buf, (size_t)n);
}

static int wait_for_go(void)
{
    char buf[8];
    size_t used = 0;
    while (used < 3) {
        ssize_t n = read(0, buf + used, 3 - used);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return -1;
        }
        used += (size_t)n;
    }
    return memcmp(buf, "go\n", 3) == 0 ? 0 : -1;
}

/* ---- JSON-lines logs, Docker's json-file format, rotated by size ---- */

static void log_open(void)
{
    logw.fd = open(logw.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st;
    logw.size = logw.fd >= 0 && fstat(logw.fd, &st) == 0 ? st.st_size : 0;
}

static void log_rotate(void)
{
    char from[4096], to[4096];
    close(logw.fd);
    if (logw.max_files <= 1) {
        /* One file: start it over, as Docker does with max-file=1. */
        logw.fd = open(logw.path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
        logw.size = 0;
        return;
    }
    for (int i = logw.max_files - 1; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof(from), "%s", logw.path);
        else
            snprintf(from, sizeof(from), "%s.%d", logw.path, i - 1);
        snprintf(to, sizeof(to), "%s.%d", logw.path, i);
        rename(from, to);
    }
    log_open();
}

static void log_entry(const struct stream *s, const char *data, size_t len)
{
    if (!logw.path || len == 0)
        return;
    static char line[PARTIAL_LINE * 6 + 128];
    char now[40];
    format_time_now(now, sizeof(now));
    size_t n = (size_t)snprintf(line, sizeof(line), "{\"log\":\"");
    n += json_escape(data, len, line + n);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", s->name, now);
    if (logw.max_size > 0 && logw.size > 0 && logw.size + (long long)n > logw.max_size)
        log_rotate();
    if (logw.fd >= 0 && write_all(logw.fd, line, n) == 0)
        logw.size += (long long)n;
}

/* One log entry per line, as Docker; a line longer than PARTIAL_LINE is split. */
static void log_data(struct stream *s, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        if (take > PARTIAL_LINE - s->used)
            take = PARTIAL_LINE - s->used;
        memcpy(s->line + s->used, data, take);
        s->used += take;
        data += take;
        len -= take;
        if (s->line[s->used - 1] == '\n' || s->used == PARTIAL_LINE) {
            log_entry(s, s->line, s->used);
            s->used = 0;
        }
    }
}

/* ---- attach clients: frames of [type u8][length u32 big-endian][payload] ---- */

static void client_close(struct client *c)
{
    close(c->fd);
    c->fd = -1;
    c->used = 0;
}

static void broadcast(int stream_id, const char *data, size_t len)
{
    unsigned char header[FRAME_HEADER] = {(unsigned char)stream_id, (unsigned char)(len >> 24),
                                          (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd < 0)
            continue;
        /* A client too slow to keep up is dropped rather than stalling the container's output. */
        struct iovec iov[2] = {{header, FRAME_HEADER}, {(void *)data, len}};
        ssize_t n = writev(clients[i].fd, iov, 2);
        if (n != (ssize_t)(FRAME_HEADER + len))
            client_close(&clients[i]);
    }
}

static void client_frame(unsigned char type, const unsigned char *payload, size_t len)
{
    if (type == CLIENT_STDIN && stdin_fd >= 0) {
        write_all(stdin_fd, payload, len);
    } else if (type == CLIENT_CLOSE_STDIN && stdin_fd >= 0 && pty_master < 0) {
        close(stdin_fd);
        stdin_fd = -1;
    } else if (type == CLIENT_RESIZE && pty_master >= 0 && len == 4) {
        struct winsize ws = {(unsigned short)(payload[0] << 8 | payload[1]), (unsigned short)(payload[2] << 8 | payload[3]), 0, 0};
        ioctl(pty_master, TIOCSWINSZ, &ws);
    }
}

static void client_read(struct client *c)
{
    ssize_t n = read(c->fd, c->buf + c->used, sizeof(c->buf) - c->used);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        client_close(c);
        return;
    }
    c->used += (size_t)n;
    while (c->used >= FRAME_HEADER) {
        size_t len = (size_t)c->buf[1] << 24 | (size_t)c->buf[2] << 16 | (size_t)c->buf[3] << 8 | c->buf[4];
        if (len > sizeof(c->buf) - FRAME_HEADER) {
            client_close(c);
            return;
        }
        if (c->used < FRAME_HEADER + len)
            return;
        client_frame(c->buf[0], c->buf + FRAME_HEADER, len);
        memmove(c->buf, c->buf + FRAME_HEADER + len, c->used - FRAME_HEADER - len);
        c->used -= FRAME_HEADER + len;
    }
}

static int listen_attach(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path))
        return -1;
    strcpy(addr.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 8) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    chmod(path, 0600);
    return fd;
}

static void accept_client(int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd < 0) {
            clients[i].fd = fd;
            clients[i].used = 0;
            return;
        }
    }
    close(fd);
}

/* ---- output and exit ---- */

/* Returns 0 at EOF (or EIO on a pty whose last slave closed). */
static int pump(struct stream *s)
{
    char buf[65536];
    ssize_t n = read(s->fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0) {
        if (s->used) {
            log_entry(s, s->line, s->used);
            s->used = 0;
        }
        close(s->fd);
        s->fd = -1;
        return 0;
    }
    log_data(s, buf, (size_t)n);
    broadcast(s->id, buf, (size_t)n);
    return 1;
}

static void write_exit(const struct plan *plan, int status, const char *started, const char *error)
{
    char finished[40], body[4096], escaped[6 * 1024 + 1];
    format_time_now(finished, sizeof(finished));
    size_t elen = strlen(error);
    if (elen > 1024)
        elen = 1024;
    escaped[json_escape(error, elen, escaped)] = 0;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    int n = snprintf(body, sizeof(body),
                     "{\"exitCode\":%d,\"signal\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"error\":\"%s\"}\n",
                     status_to_exit_code(status), sig, started, finished, escaped);
    write_file_atomic(plan->state_dir, "exit", body, (size_t)n);
}

static void redirect_to_null(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return;
    for (int i = 0; i < 3; i++)
        dup2(null, i);
    close(null);
}

int shim_main(const char *plan_path)
{
    static struct plan plan;
    char err[1024];
    if (plan_load(plan_path, &plan, err, sizeof(err)) != 0) {
        report("error %s\n", err);
        return 1;
    }
    if (!plan.state_dir || !plan.rootfs || plan.argv.count == 0) {
        report("error %s\n", "plan needs state, rootfs and at least one arg");
        return 1;
    }
    /* Our own session and process group: signals to the worker's group do not reach us. */
    setsid();
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;

    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    int child_stdio[3] = {null, null, null};
    if (!plan.tty) {
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
            report("error pipe: %s\n", strerror(errno));
            return 1;
        }
        child_stdio[1] = out[1];
        child_stdio[2] = errp[1];
        if (plan.open_stdin) {
            if (pipe2(in, O_CLOEXEC) != 0) {
                report("error pipe: %s\n", strerror(errno));
                return 1;
            }
            child_stdio[0] = in[0];
        }
    }
    int sync[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) != 0) {
        report("error socketpair: %s\n", strerror(errno));
        return 1;
    }

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    if (plan.new_network)
        flags |= CLONE_NEWNET;
    /* A raw clone behaves like fork (same stack, copied) but into new namespaces; the
     * helper is single-threaded, so this is safe. */
    pid_t init = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (init < 0) {
        report("error clone: %s\n", strerror(errno));
        return 1;
    }
    if (init == 0) {
        close(sync[0]);
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        init_main(&plan, sync[1], child_stdio);
    }
    close(sync[1]);
    if (in[0] >= 0) close(in[0]);
    if (out[1] >= 0) close(out[1]);
    if (errp[1] >= 0) close(errp[1]);

    char started[40] = "";
    char msg[1100];
    /* Listening before the start is reported: a client may attach as soon as StartAsync returns. */
    int listen_fd = plan.attach_socket ? listen_attach(plan.attach_socket) : -1;
    snprintf(msg, sizeof(msg), "%d", init);
    report("pid %s\n", msg);

    /* The cgroup join comes after the pid report: moving a task between v1 cgroups waits for
     * an RCU grace period (milliseconds), which now overlaps the worker's network wiring and
     * init's root filesystem setup. init cannot exec before "go", which follows the join. */
    for (int i = 0; i < plan.cgroup_procs.count; i++) {
        int fd = open(plan.cgroup_procs.items[i], O_WRONLY | O_CLOEXEC);
        char pid[16];
        int n = snprintf(pid, sizeof(pid), "%d", init);
        if (fd < 0 || write(fd, pid, (size_t)n) != n) {
            snprintf(err, sizeof(err), "join cgroup %s: %s", plan.cgroup_procs.items[i], strerror(errno));
            int status = 0;
            kill(init, SIGKILL);
            waitpid(init, &status, 0);
            write_exit(&plan, status, started, err);
            if (listen_fd >= 0)
                unlink(plan.attach_socket);
            report("error %s\n", err);
            return 1;
        }
        close(fd);
    }

    /* init prepares the root filesystem while the worker wires the network. */
    int received = -1;
    if (recv_msg(sync[0], msg, sizeof(msg), &received) <= 0 || strncmp(msg, "ready", 5) != 0) {
        const char *reason = strncmp(msg, "error ", 6) == 0 ? msg + 6 : "container init died during setup";
        int status = 0;
        kill(init, SIGKILL);
        waitpid(init, &status, 0);
        write_exit(&plan, status, started, reason);
        if (listen_fd >= 0)
            unlink(plan.attach_socket);
        report("error %s\n", reason);
        return 1;
    }
    pty_master = received;
    if (wait_for_go() != 0) {
        /* The worker gave up (or died) before the start: nothing must run. */
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        if (listen_fd >= 0)
            unlink(plan.attach_socket);
        return 1;
    }
    format_time_now(started, sizeof(started));
    send_msg(sync[0], "go", -1);
    char pidline[128];
    int n = snprintf(pidline, sizeof(pidline), "%d %d %s\n", getpid(), init, started);
    write_file_atomic(plan.state_dir, "pid", pidline, (size_t)n);
    const char *exec_error = "";
    if (recv_msg(sync[0], msg, sizeof(msg), NULL) <= 0) {
        exec_error = "container init died before the user process started";
        report("error %s\n", exec_error);
    } else if (strncmp(msg, "failed ", 7) == 0) {
        exec_error = msg + 7;
        report("failed %s\n", exec_error);
    } else {
        report("started %s\n", started);
    }
    close(sync[0]);
    redirect_to_null();
    if (null >= 0) close(null);

    logw.path = plan.log_path;
    logw.max_size = plan.log_max_size;
    logw.max_files = plan.log_max_files;
    if (logw.path)
        log_open();

    static struct stream streams[2];
    int nstreams = 0;
    if (pty_master >= 0) {
        streams[nstreams++] = (struct stream){.fd = pty_master, .name = "stdout", .id = STREAM_STDOUT};
        if (plan.open_stdin)
            stdin_fd = pty_master;
    } else {
        streams[nstreams++] = (struct stream){.fd = out[0], .name = "stdout", .id = STREAM_STDOUT};
        streams[nstreams++] = (struct stream){.fd = errp[0], .name = "stderr", .id = STREAM_STDERR};
        stdin_fd = in[1];
    }
    if (stdin_fd >= 0 && stdin_fd != pty_master)
        fcntl(stdin_fd, F_SETFL, O_NONBLOCK);

    /* Clients that connected while the worker wired the container (run attaches before the
     * start) take part from the first byte: accept them before any output is pumped. */
    if (listen_fd >= 0)
        for (int i = 0; i < MAX_CLIENTS; i++)
            accept_client(listen_fd);

    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    int exited = 0, status = 0;
    struct timespec deadline = {0, 0};

    for (;;) {
        struct pollfd fds[4 + MAX_CLIENTS];
        int nfds = 0, open_streams = 0;
        for (int i = 0; i < nstreams; i++) {
            fds[nfds++] = (struct pollfd){streams[i].fd, POLLIN, 0};
            if (streams[i].fd >= 0)
                open_streams++;
        }
        if (exited && open_streams == 0)
            break;
        fds[nfds++] = (struct pollfd){exited ? -1 : sfd, POLLIN, 0};
        fds[nfds++] = (struct pollfd){listen_fd, POLLIN, 0};
        for (int i = 0; i < MAX_CLIENTS; i++)
            fds[nfds++] = (struct pollfd){clients[i].fd, POLLIN, 0};
        int timeout = -1;
        if (exited) {
            /* Processes that inherited the output die with the namespace; wait a little for EOF. */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long ms = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
            if (ms <= 0)
                break;
            timeout = (int)ms;
        }
        if (poll(fds, (nfds_t)nfds, timeout) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < nstreams; i++)
            if (streams[i].fd >= 0 && fds[i].revents)
                pump(&streams[i]);
        if (!exited && fds[nstreams].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) > 0) {
            }
            if (waitpid(init, &status, WNOHANG) == init) {
                exited = 1;
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += 2;
            }
        }
        if (fds[nstreams + 1].revents)
            accept_client(listen_fd);
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (clients[i].fd >= 0 && fds[nstreams + 2 + i].revents)
                client_read(&clients[i]);
    }
    for (int i = 0; i < nstreams; i++)
        if (streams[i].fd >= 0 && streams[i].used)
            log_entry(&streams[i], streams[i].line, streams[i].used);
    write_exit(&plan, status, started, exec_error);
    if (listen_fd >= 0)
        unlink(plan.attach_socket);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
            client_close(&clients[i]);
    return 0;
}
