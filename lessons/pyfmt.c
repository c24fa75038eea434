/* pyfmt.c -- Python's formatting of numbers, for lessons that print them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "lesson.h"

char *py_round(double x, int ndigits)
{
	/* round() rounds the exact binary value correctly, as printf does;
	 * print() then shows the repr of the resulting float. */
	char buf[64];
	snprintf(buf, sizeof buf, "%.*f", ndigits, x);
	return value_repr(value_float(strtod(buf, NULL)));
}
