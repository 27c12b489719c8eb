#!/usr/bin/env bash
# The layering of storage-node/ is enforced by the build: each folder
# compiles with the -I paths of itself and the folders below it only
# (Makefile, docs/architecture.md). For every layer, a header of its own
# and of every layer below must compile there, and a header of every layer
# above must not be found.
. "$(dirname "$0")/../lib/tap.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
layers=$(make -s --no-print-directory print-NODE_LAYERS)
node=storage-node
# Bottom-up order of the folders, and what each may see.
declare -A dir inc
for l in $layers; do
	d=$(make -s --no-print-directory print-DIR_$l)
	dir[$l]=$node/$d
	inc[$l]=$(make -s --no-print-directory print-INC_$l)
done
# the flags of the libraries the headers use
read -r -a libflags <<<"$(for v in B3_CFLAGS PQ_CFLAGS LLHTTP_CFLAGS; do make -s --no-print-directory print-$v; done | tr '\n' ' ')"
# try LAYER HEADER: 0 if '#include "HEADER"' compiles with LAYER's paths
try() {
	local flags=() p
	for p in ${inc[$1]}; do flags+=("-I$p"); done
	echo "#include \"$2\"" | cc -std=c11 -D_POSIX_C_SOURCE=200809L "${libflags[@]}" \
		"${flags[@]}" -fsyntax-only -x c - 2>/dev/null
}
for l in $layers; do
	[ "$l" = main ] && continue
	hdr=$(cd "${dir[$l]}" && ls *.h | head -1)
	for m in $layers; do
		[ "$m" = main ] && continue
		# does m see l's folder?
		case " ${inc[$m]} " in
		*" ${dir[$l]} "*) try "$m" "$hdr" && ok "$m sees $l ($hdr)" || not_ok "$m sees $l ($hdr)" ;;
		*) try "$m" "$hdr" && not_ok "$m must not see $l ($hdr)" || ok "$m does not see $l ($hdr)" ;;
		esac
	done
done
# The order itself: no layer sees one listed after it.
prev=""
for l in $layers; do
	for p in $prev; do
		case " ${inc[$p]} " in *" ${dir[$l]} "*) not_ok "$p sees $l, above it"; continue 2 ;; esac
	done
	prev="$prev $l"
done
ok "no layer sees one above it"
# A core header is reached by its namespace only: "error.h" is glibc's.
try repo "cairn/error.h" && ok 'core headers as "cairn/..."' || not_ok 'core headers as "cairn/..."'
if try repo "cid.h"; then not_ok 'core headers not without "cairn/"'; else ok 'core headers not without "cairn/"'; fi
