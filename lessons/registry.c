/* registry.c -- the ten lessons, in the order of the notes' chapters.
 *
 * Each lesson lives in its own file (NN-topic.c) and exports one const
 * struct lesson; this table is the only place that lists them.  An entry
 * with python == NULL or run == NULL would be shown by `list` as not
 * available yet, and `lesson N` would say so.
 */
#include <config.h>

#include "lesson.h"

extern const struct lesson lesson_01, lesson_02, lesson_03;
extern const struct lesson lesson_04, lesson_05, lesson_06, lesson_07;
extern const struct lesson lesson_08, lesson_09, lesson_10;

const struct lesson *const lesson_registry[] = {
	&lesson_01, &lesson_02, &lesson_03, &lesson_04, &lesson_05,
	&lesson_06, &lesson_07, &lesson_08, &lesson_09, &lesson_10,
};

const size_t lesson_count = sizeof lesson_registry / sizeof lesson_registry[0];

const struct lesson *lesson_find(int number)
{
	size_t i;

	for (i = 0; i < lesson_count; i++)
		if (lesson_registry[i]->number == number)
			return lesson_registry[i];
	return NULL;
}
