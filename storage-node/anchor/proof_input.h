/*
 * Reading anchoring proofs the way auditors hand them over: one proof per
 * line (psql -At, the usual export), one JSON array of proofs, or proofs
 * one after another, possibly pretty-printed (anchor/proof's own output);
 * and C2SP tlog-proof bundles (proof_bundle.h), one after another or
 * between proofs one per line, each handed on as the JSON proof it holds.
 * Every value is handed on with the line it starts at, including the ones
 * that are not JSON, so a report can name each by its true line and no
 * proof after a bad one goes unchecked (docs/anchoring.md, "cairn audit").
 */
#ifndef CAIRN_PROOF_INPUT_H
#define CAIRN_PROOF_INPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* One value read: line is where it starts (1-based). p is the value
 * (borrowed for the call; any JSON, not only objects), or NULL when the
 * text there is not JSON, and then why says why (borrowed). */
typedef void (*proof_input_fn)(void *arg, unsigned long line, json_t *p, const char *why);

/* Every value in `in`, in order, through fn. One proof per line is read a
 * line at a time, in constant memory; as soon as a value spans lines (or
 * the input opens with '['), the rest is read whole. After text that is
 * not JSON, reading goes on at the next line (one per line) or the next
 * line that opens with '{' (other layouts). Returns 0, or an errno value
 * when reading failed (the values before were handed on). */
int proof_input_read(FILE *in, proof_input_fn fn, void *arg);

/* The same over a buffer (b, len bytes: borrowed) that starts at line
 * first, in the other layouts: an array, or values one after another. */
void proof_input_values(const char *b, size_t len, unsigned long first, proof_input_fn fn, void *arg);

#endif
