/* i18n.c -- locale and message catalog set-up for the command line.
 *
 * Two facts of glibc's gettext shape this file.  It ignores LANGUAGE while the
 * message locale is "C" or "POSIX", so asking for Chinese under LC_ALL=C (or
 * with zh_CN.UTF-8 not installed, which leaves the locale at "C") must also
 * switch to a UTF-8 locale that exists everywhere: C.UTF-8.  And it only
 * looks under the directory bound for the domain, which is LOCALEDIR once
 * installed; a binary run from the build tree finds its catalog in the
 * build tree's locale/ copy instead.
 */
#include <config.h>

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../i18n.h"
#include "i18n.h"

static const char *active_lang = "en";

int i18n_valid(const char *lang)
{
	return lang && (!strcmp(lang, "en") || !strcmp(lang, "zh"));
}

static int is_c_locale(const char *name)
{
	return !name || !*name || !strcmp(name, "C") || !strcmp(name, "POSIX");
}

/* The language the environment asks for, read the way gettext reads it:
 * the message locale (LC_ALL, then LC_MESSAGES, then LANG) decides, and a
 * LANGUAGE list overrides it only when that locale is not C.  Unlike
 * gettext, this does not need the locale to be installed: LANG=zh_CN.UTF-8
 * on a machine without that locale still means Chinese. */
static const char *env_lang(void)
{
	const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	const char *loc = NULL, *list;
	size_t i;

	for (i = 0; i < sizeof vars / sizeof vars[0] && !loc; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			loc = v;
	}
	if (is_c_locale(loc))
		return "en";
	list = getenv("LANGUAGE");
	while (list && *list) {
		size_t n = strcspn(list, ":");
		if (n >= 2 && !strncmp(list, "zh", 2))
			return "zh";
		if ((n >= 2 && !strncmp(list, "en", 2)) || (n == 1 && *list == 'C'))
			return "en";
		list += n + (list[n] == ':');
	}
	return !strncmp(loc, "zh", 2) ? "zh" : "en";
}

/* gettext translates only when the message locale is not C; the terminal
 * shows Chinese only in a UTF-8 locale. */
static int locale_fits_chinese(void)
{
	const char *codeset = nl_langinfo(CODESET);

	if (is_c_locale(setlocale(LC_MESSAGES, NULL)))
		return 0;
	return codeset && (!strcasecmp(codeset, "UTF-8") || !strcasecmp(codeset, "utf8"));
}

static int has_catalog(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/zh_CN/LC_MESSAGES/%s.mo", dir, PACKAGE);
	return access(path, R_OK) == 0;
}

void i18n_init(const char *lang)
{
	const char *dir = getenv("CORO_LEARN_LOCALEDIR");
	const char *header;

	setlocale(LC_ALL, "");
	if (!i18n_valid(lang))
		lang = env_lang();

	if (!strcmp(lang, "zh")) {
		static const char *const utf8[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};
		size_t i;
		setenv("LANGUAGE", "zh_CN", 1);
		for (i = 0; i < sizeof utf8 / sizeof utf8[0] && !locale_fits_chinese(); i++)
			setlocale(LC_ALL, utf8[i]);
	} else {
		/* No catalog is named "en": every message stays as written,
		 * even under LANG=zh_CN.UTF-8. */
		setenv("LANGUAGE", "en", 1);
	}
	/* Python prints 0.5, never 0,5: numbers follow the C locale. */
	setlocale(LC_NUMERIC, "C");

	if (!dir || !*dir)
		dir = !strcmp(lang, "zh") && !has_catalog(LOCALEDIR) ? BUILD_LOCALEDIR : LOCALEDIR;
	bindtextdomain(PACKAGE, dir);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);

	/* gettext("") is the catalog's header when a catalog is in use. */
	header = gettext("");
	active_lang = !strcmp(lang, "zh") && header && strstr(header, "Language: zh") ? "zh" : "en";
}

const char *i18n_lang(void)
{
	return active_lang;
}
