#include "ck.h"

#include <stdio.h>
#include <string.h>

char *ck_argv_area;
size_t ck_argv_len;

int main(int argc, char **argv)
{
    /* Remembered so that the container's init can hide the host paths in its command line. */
    ck_argv_area = argv[0];
    ck_argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
    if (argc == 3 && strcmp(argv[1], "shim") == 0)
        return shim_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "exec") == 0)
        return exec_main(argv[2]);
    fprintf(stderr, "usage: ck-init shim PLAN_FILE | ck-init exec PLAN_FILE\n");
    return 2;
}
