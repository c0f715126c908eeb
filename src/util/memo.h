/* memo.h — a small, bounded cache for the results of a pure function of a byte string.
 *
 * Making a hundred thousand notices repeats the same paragraphs in every letter: wrapping them
 * and encoding them as quoted-printable gives the same bytes each time. A memo keeps the result
 * for a key (the input bytes) so the work is done once per run; the lookup compares the whole
 * key, so a hit returns exactly what the function would have computed, never a near match.
 *
 * Ownership: the memo copies keys and values into its own memory; a value returned by memo_get
 * stays valid until the next memo_put or memo_free on the same memo. Not thread-safe: one memo
 * per thread. Bounded: MEMO_SLOTS entries, keys and values up to MEMO_MAX_ITEM bytes each
 * (larger ones are not kept); a full set evicts its least recently used entry.
 * Leaf module: libc only. */
#ifndef KT_MEMO_H
#define KT_MEMO_H
#include <stddef.h>
#include <stdint.h>

#define MEMO_SLOTS 1024 /* 256 sets of 4 */
#define MEMO_MAX_ITEM 65536

struct memo;

struct memo *memo_new(void); /* NULL when out of memory */
void memo_free(struct memo *m);

/* A hash of KEY for the calls below: of the whole key up to 63 bytes, of its length and eight
 * words spread over it beyond (constant time; lookups compare whole keys anyway). */
uint64_t memo_hash(const void *key, size_t n);

/* The value kept for KEY (N bytes, hash H = memo_hash(KEY, N)), its length in *VLEN; NULL if
 * none. */
const char *memo_get(struct memo *m, const void *key, size_t n, uint64_t h, size_t *vlen);

/* Keep VAL (VLEN bytes) for KEY. Returns 0, or -1 (out of memory or too large: nothing kept,
 * which only costs the next lookup a miss). */
int memo_put(struct memo *m, const void *key, size_t n, uint64_t h, const void *val, size_t vlen);

/* lookups and hits so far (for tests and measurements) */
void memo_stats(const struct memo *m, uint64_t *lookups, uint64_t *hits);
#endif
