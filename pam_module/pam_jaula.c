/* pam_jaula.c — PAM session module (placeholder until the PAM issue lands:
 * it refuses every session so that a premature install fails closed). */
#include <security/pam_modules.h>

#include "jaula/util.h"

JAULA_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_SESSION_ERR;
}

JAULA_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_SUCCESS;
}
