# no-criterion.sh -- stands in for the test suite when configure found no
# Criterion: `make check` must fail rather than pass with the engine untested.
echo "coro-learn: the engine's tests need Criterion, which configure did not find."
echo "Install it (Debian: apt-get install libcriterion-dev), then run ./configure and make check again."
exit 1
