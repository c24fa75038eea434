#!/bin/sh
# install.sh -- `make install` puts the program, its manual page and the
# Chinese catalog where they belong, the installed program runs and finds
# its catalog, and `make uninstall` takes every file away again.  Both into
# a staging directory (DESTDIR), so nothing on the machine changes.
#
# Run it from a built build directory:  sh ../tests/install.sh
# (.ci/run does).  MAKE names the make to use.
set -u

# lib.sh's pass/fail/check/finish; it wants the built binary named.
CORO_LEARN=${CORO_LEARN:-$PWD/coro-learn}
export CORO_LEARN
. "$(dirname "$0")/lib.sh"

MAKE=${MAKE:-make}
stage=$lib_tmp/stage
mkdir "$stage"

# installed SUFFIX: the one installed file whose path ends with SUFFIX.
installed() {
	find "$stage" -type f -path "*$1" | head -1
}

if ! $MAKE -s install DESTDIR="$stage" >"$lib_tmp/make.log" 2>&1; then
	fail "make install DESTDIR=..." "$(cat "$lib_tmp/make.log")"
	finish
fi
pass "make install DESTDIR=..."

bin=$(installed /bin/coro-learn)
man=$(installed /man/man1/coro-learn.1)
mo=$(installed /locale/zh_CN/LC_MESSAGES/coro-learn.mo)
check "the program is installed in bin/" test -n "$bin" -a -x "$bin"
check "the manual page is installed in man/man1/" test -n "$man"
check "the Chinese catalog is installed in locale/zh_CN/LC_MESSAGES/" test -n "$mo"
if [ -n "$bin" ]; then
	check "the installed program runs" sh -c '"$1" --version | grep -q "^coro-learn "' sh "$bin"
	if [ -n "$mo" ]; then
		# The staged catalog stands in for the installed one.
		locales=${mo%/zh_CN/LC_MESSAGES/coro-learn.mo}
		check "the installed program speaks Chinese with the installed catalog" \
			sh -c 'CORO_LEARN_LOCALEDIR="$2" LC_ALL=C "$1" --lang zh list | LC_ALL=C grep -q "$(printf "\350\257\276")"' \
			sh "$bin" "$locales"
	fi
fi
if [ -n "$man" ] && command -v man >/dev/null 2>&1; then
	check "the installed manual page renders" \
		sh -c 'MANWIDTH=80 man -l "$1" 2>/dev/null | grep -q "coro-learn"' sh "$man"
fi
nfiles=$(find "$stage" -type f | wc -l)
check "make install installs 3 files (it installed $nfiles)" test "$nfiles" = 3

if ! $MAKE -s uninstall DESTDIR="$stage" >"$lib_tmp/make.log" 2>&1; then
	fail "make uninstall DESTDIR=..." "$(cat "$lib_tmp/make.log")"
else
	pass "make uninstall DESTDIR=..."
fi
left=$(find "$stage" -type f)
if [ -z "$left" ]; then
	pass "make uninstall removes every installed file"
else
	fail "make uninstall removes every installed file" "left: $(echo $left)"
fi

finish
