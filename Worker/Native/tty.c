#include "ck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Opens a pty pair from the devpts instance mounted at /dev/pts of the current root, so
 * that the slave's name (/dev/pts/N) is valid inside the container. */
int open_container_pty(int *slave_fd, char *err, size_t errlen)
{
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) {
        snprintf(err, errlen, "open /dev/pts/ptmx: %s", strerror(errno));
        return -1;
    }
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) != 0) {
        snprintf(err, errlen, "unlock pty: %s", strerror(errno));
        close(master);
        return -1;
    }
    *slave_fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (*slave_fd < 0) {
        snprintf(err, errlen, "open pty slave: %s", strerror(errno));
        close(master);
        return -1;
    }
    return master;
}

/* Docker's convention: a normal exit keeps its code, a death by signal n becomes 128+n. */
int status_to_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}
