/* i18n.h -- gettext for messages and narration.  _() translates now, N_()
 * marks a string for the catalog and leaves it for a later _(). */
#ifndef CORO_I18N_H
#define CORO_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
