#!/bin/sh
# install.sh -- `make install` puts the program, its manual page and the
# Chinese catalog where they belong, the installed program runs and finds
# its catalog, and `make uninstall` takes every file away again.  Both into
# a staging directory (DESTDIR), so nothing on the machine changes.
#
# Run it from a built build directory:  sh ../tests/install.sh
# (.ci/run does).  MAKE names the make to use.
set -u

MAKE=${MAKE:-make}
stage=$(mktemp -d "${TMPDIR:-/tmp}/coro-learn-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
npass=0
nfail=0

ok() {
	npass=$((npass + 1))
	printf 'PASS: %s\n' "$1"
}

ko() {
	nfail=$((nfail + 1))
	printf 'FAIL: %s\n' "$1"
}

check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

# installed SUFFIX: the one installed file whose path ends with SUFFIX.
installed() {
	find "$stage" -type f -path "*$1" | head -1
}

if ! $MAKE -s install DESTDIR="$stage" >"$stage.log" 2>&1; then
	ko "make install DESTDIR=..."
	cat "$stage.log"
	rm -f "$stage.log"
	exit 1
fi
ok "make install DESTDIR=..."

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

if ! $MAKE -s uninstall DESTDIR="$stage" >"$stage.log" 2>&1; then
	ko "make uninstall DESTDIR=..."
	cat "$stage.log"
else
	ok "make uninstall DESTDIR=..."
fi
rm -f "$stage.log"
left=$(find "$stage" -type f)
check "make uninstall removes every installed file" test -z "$left"
[ -z "$left" ] || printf '      left: %s\n' $left

printf '%d passed, %d failed\n' "$npass" "$nfail"
[ "$nfail" = 0 ]
