/* jaula.c — admin command (placeholder). */
#include <stdio.h>

int main(void)
{
        fputs("jaula: no commands yet\n", stderr);
        return 2;
}
