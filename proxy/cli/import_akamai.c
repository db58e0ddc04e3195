/*
 * import_akamai.c - placeholder until the Akamai importer lands.
 */
#include "cli/import.h"

int
import_akamai(struct im_model *m, const struct import_opts *o,
    struct es_err *err)
{
	(void)m;
	(void)o;
	return es_errf(err, "--akamai: not yet");
}
