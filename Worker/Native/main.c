#include "ck.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "shim") == 0)
        return shim_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "exec") == 0)
        return exec_main(argv[2]);
    fprintf(stderr, "usage: ck-init shim PLAN_FILE | ck-init exec PLAN_FILE\n");
    return 2;
}
