/* i18n.h -- choosing the language of messages and narration (en or zh).
 *
 * i18n_init() sets the locale and binds the message catalog; after it, _()
 * (src/i18n.h) translates.  It must run before the first _() call: gettext
 * reads the environment it changes once.
 */
#ifndef CORO_CLI_I18N_H
#define CORO_CLI_I18N_H

/* lang: "en", "zh", or NULL to follow the environment (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG).  Chinese needs a UTF-8 locale: when the environment
 * has none (LC_ALL=C), C.UTF-8 is used for the run.  LC_NUMERIC stays "C"
 * so numbers print as Python prints them. */
void i18n_init(const char *lang);

/* The language messages actually come out in: "zh" when the Chinese catalog
 * was found and is in use, else "en".  A static string. */
const char *i18n_lang(void);

/* 1 if lang is a language i18n_init accepts ("en", "zh"). */
int i18n_valid(const char *lang);

#endif
