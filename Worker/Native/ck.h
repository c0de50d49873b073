/* ck-init: the container helper of ClusterKit. It executes a plan computed by the worker
 * (C#) and holds no policy of its own; see docs/adr/0001-native-container-helper.md. */
#ifndef CK_H
#define CK_H

#define _GNU_SOURCE
#include <linux/filter.h>
#include <stdint.h>
#include <sys/types.h>

enum step_kind { STEP_MOUNT, STEP_MKNOD, STEP_SYMLINK };

struct step {
    enum step_kind kind;
    char *source;          /* mount source; symlink target */
    char *target;          /* path inside the container */
    char *fstype;
    unsigned long flags;
    char *data;
    char node_type;        /* 'c' or 'b' */
    unsigned major, minor, mode;
};

struct ck_rlimit {
    int resource;
    unsigned long long soft, hard;
};

struct strv {
    char **items;
    int count;
};

struct plan {
    char *rootfs;
    char *hostname;
    int new_network;
    int tty;
    unsigned short win_rows, win_cols; /* exec with tty: the pty's size before the command starts; 0 = unset */
    int open_stdin;
    int readonly_rootfs;
    int no_new_privileges;
    int cgroup_namespace;
    struct strv cgroup_procs;
    struct step *steps;
    int nsteps;
    struct strv masked;
    struct strv readonly;
    struct ck_rlimit *rlimits;
    int nrlimits;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    int have_caps;
    uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
    struct sock_filter *filter;
    int nfilter;
    struct strv env;
    char *cwd;
    struct strv argv;
    char *log_path;
    long long log_max_size;
    int log_max_files;
    char *state_dir;
    char *attach_socket;
    int target_pid;
};

/* main.c: the command line's memory, rewritten by the container's init. */
extern char *ck_argv_area;
extern size_t ck_argv_len;

/* plan.c */
int plan_load(const char *path, struct plan *plan, char *err, size_t errlen);

/* util.c */
void ck_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int write_all(int fd, const void *buf, size_t len);
int write_file_atomic(const char *dir, const char *name, const char *content, size_t len);
void format_time_now(char *buf, size_t len);
size_t json_escape(const char *in, size_t len, char *out);
int send_msg(int sock, const char *msg, int fd_to_pass);
ssize_t recv_msg(int sock, char *buf, size_t len, int *fd_received);
const char *env_lookup(const struct plan *plan, const char *key);

/* security.c: the last steps of a container process: user, capabilities, seccomp, cwd, exec. */
void apply_rlimits(const struct plan *plan);
void become_container_process(const struct plan *plan, int error_fd) __attribute__((noreturn));
void exit_with_message(int error_fd, int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

/* init.c */
int init_main(const struct plan *plan, int sync_fd, int stdio[3]) __attribute__((noreturn));

/* shim.c, exec.c */
int shim_main(const char *plan_path);
int exec_main(const char *plan_path);

/* tty.c */
int open_container_pty(int *slave_fd, char *err, size_t errlen);
int status_to_exit_code(int status);

#endif
