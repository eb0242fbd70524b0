/* confine.c — PLACEHOLDER until the confinement step lands: refuses. */
#include <errno.h>

#include "jaula/confine.h"

JAULA_EXPORT int jaula_confine(const struct jaula_spec *spec, struct jaula_err *err)
{
        return jaula_err_set(err, -ENOSYS, "confinement is not implemented yet");
}
