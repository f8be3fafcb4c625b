#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# user/lib/ is a library for the programs beside it (cli/, daemon/, hook/)
# and tests/unit: it returns negative errnos and leaves the words and the
# exit status to them. Fails, naming file and line, if a file of user/lib/
#   - includes a header that is not user/lib's own (a program's, say
#     cmd.h, daemon.h: the library must not depend upward), or
#   - calls exit(), _exit(), abort(), perror(), err() or errx(), uses
#     getopt, or writes to stderr.
# Comments are left out of the search; the line numbers stay right.
# Usage: check-layers.sh (from anywhere; `make -C user layers`)
set -uo pipefail

proj=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
lib=$proj/user/lib
failed=0

# Blank the comments of $1, keeping its newlines so line numbers hold.
strip_comments() {
	perl -0777 -pe 's{/\*.*?\*/}{ my $c = $&; $c =~ s/[^\n]//g; $c }gse;
		      s{//[^\n]*}{}g' "$1"
}

for f in "$lib"/*.[ch]; do
	rel=${f#"$proj"/}
	code=$(strip_comments "$f")
	while IFS=: read -r line hdr; do
		[[ -n $hdr && ! -e $lib/$hdr ]] || continue
		echo "$rel:$line: error: includes \"$hdr\", not a header of user/lib"
		failed=1
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' <<<"$code" |
		 sed -E 's/^([0-9]+):.*"([^"]*)".*/\1:\2/')
	while IFS= read -r hit; do
		[[ -n $hit ]] || continue
		echo "$rel:${hit%%:*}: error: the programs print and exit, the library returns -errno:"
		echo "	${hit#*:}"
		failed=1
	done < <(grep -nE '(^|[^[:alnum:]_])(_?exit|abort|perror|errx?|getopt[[:alnum:]_]*)[[:space:]]*\(|getopt\.h|[^[:alnum:]_]stderr([^[:alnum:]_]|$)' <<<"$code")
done

if ((failed)); then
	echo "check-layers: user/lib must not reach up into the programs" >&2
	exit 1
fi
echo "check-layers: user/lib includes only its own headers, prints no error, never exits"
