/* jailsh.c — setuid-root login shell (placeholder: refuses every login). */
#include <stdio.h>

int main(void)
{
        fputs("jailsh: not implemented yet; login refused\n", stderr);
        return 1;
}
