/*
 * driver.c — a standalone main for the fuzz targets in the regular
 * (gcc) suite: replays every file of a seed corpus through
 * LLVMFuzzerTestOneInput, then a bounded number of deterministic mutations
 * of them (bit flips, byte sets, "interesting" integers, truncations,
 * insertions, deletions, splices of two inputs), from a fixed seed. A
 * crash, a sanitizer report or an abort fails the test; the run is
 * reproducible from the printed seed and index.
 *
 *   fuzz_driver_rfx CORPUS_DIR [EXECS [SEED]]
 *
 * Environment: FUZZ_EXECS overrides EXECS (default 20000); FUZZ_DUMP=path
 * writes each input there before it runs (the last one is the culprit of a
 * crash; replay it with libFuzzer or this driver's corpus); FUZZ_SLOW_MS=n
 * names every input that took longer than n ms (and writes it to
 * slow-<index> in the working directory).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

#define FUZZ_MAX_INPUT (1u << 20)

typedef struct input {
	uint8_t *data;
	size_t size;
} input;

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static size_t below(size_t n)
{
	return n ? rnd() % n : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, input *in)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    (size_t)n > FUZZ_MAX_INPUT || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	in->size = (size_t)n;
	in->data = malloc(in->size ? in->size : 1);
	if (!in->data || fread(in->data, 1, in->size, f) != in->size) {
		fclose(f);
		free(in->data);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Every regular file of dir, in strcmp order. */
static int load_corpus(const char *dir, input **out, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				abort();
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	*out = calloc(n ? n : 1, sizeof(**out));
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (read_file(path, &(*out)[*count]) == 0)
			(*count)++;
		else
			fprintf(stderr, "fuzz: skipping %s\n", path);
		free(names[i]);
	}
	free(names);
	return 0;
}

static const int64_t interesting[] = {
	0, 1, -1, 2, 3, 4, 7, 8, 16, 32, 64, 100, 127, 128, 255, 256, 1000,
	1024, 4096, 32767, 32768, 65535, 65536, 0x7fffffff, -0x7fffffffll - 1,
	0xffffffffll, 0x100000000ll, 0x7fffffffffffffffll,
};

/* One mutation of buf[0..*n) (capacity FUZZ_MAX_INPUT), in place. */
static void mutate_once(uint8_t *buf, size_t *n, const input *corpus,
                        size_t count)
{
	size_t len = *n;

	switch (rnd() % 8) {
	case 0: /* bit flip */
		if (len)
			buf[below(len)] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1: /* random byte */
		if (len)
			buf[below(len)] = (uint8_t)rnd();
		break;
	case 2: { /* interesting integer, 1/2/4/8 bytes, little-endian */
		size_t w = (size_t)1 << (rnd() % 4);
		if (len < w)
			break;
		int64_t v = interesting[below(sizeof(interesting) / sizeof(interesting[0]))];
		size_t at = below(len - w + 1);
		for (size_t k = 0; k < w; k++)
			buf[at + k] = (uint8_t)((uint64_t)v >> (8 * k));
		break;
	}
	case 3: /* truncate */
		*n = below(len + 1);
		break;
	case 4: { /* delete a chunk */
		if (!len)
			break;
		size_t at = below(len), k = 1 + below(len - at < 64 ? len - at : 64);
		memmove(buf + at, buf + at + k, len - at - k);
		*n = len - k;
		break;
	}
	case 5: { /* insert random bytes */
		size_t k = 1 + below(16), at = below(len + 1);
		if (len + k > FUZZ_MAX_INPUT)
			break;
		memmove(buf + at + k, buf + at, len - at);
		for (size_t i = 0; i < k; i++)
			buf[at + i] = (uint8_t)rnd();
		*n = len + k;
		break;
	}
	case 6: { /* splice: our head, another input's tail */
		const input *o = &corpus[below(count)];
		size_t at = below(len + 1), from = below(o->size + 1);
		size_t k = o->size - from;
		if (at + k > FUZZ_MAX_INPUT)
			k = FUZZ_MAX_INPUT - at;
		memcpy(buf + at, o->data + from, k);
		*n = at + k;
		break;
	}
	default: { /* copy a chunk within the input */
		if (len < 2)
			break;
		size_t src = below(len), dst = below(len);
		size_t k = 1 + below(len - (src > dst ? src : dst));
		memmove(buf + dst, buf + src, k);
		break;
	}
	}
}

static long slow_ms = -1;

static void run(const uint8_t *data, size_t size, const char *dump, long index)
{
	struct timespec t0, t1;

	if (dump) {
		FILE *f = fopen(dump, "wb");
		if (f) {
			fwrite(data, 1, size, f);
			fclose(f);
		}
	}
	/* An exact-size copy, so reading one byte past the input is caught. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	LLVMFuzzerTestOneInput(copy, size);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(copy);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (slow_ms >= 0 && ms > slow_ms) {
		char name[64];
		snprintf(name, sizeof(name), "slow-%ld", index);
		fprintf(stderr, "fuzz: input %ld (%zu bytes) took %ld ms: %s\n",
			index, size, ms, name);
		FILE *f = fopen(name, "wb");
		if (f) {
			fwrite(data, 1, size, f);
			fclose(f);
		}
	}
}

int main(int argc, char **argv)
{
	input *corpus = NULL;
	size_t count = 0;
	unsigned long execs = 20000;
	unsigned long long seed = 0x5eed;
	const char *env = getenv("FUZZ_EXECS"), *dump = getenv("FUZZ_DUMP");

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [EXECS [SEED]]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		execs = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		seed = strtoull(argv[3], NULL, 0);
	if (env && *env)
		execs = strtoul(env, NULL, 0);
	if ((env = getenv("FUZZ_SLOW_MS")) && *env)
		slow_ms = strtol(env, NULL, 0);
	if (load_corpus(argv[1], &corpus, &count) != 0 || count == 0) {
		fprintf(stderr, "fuzz: no corpus in %s\n", argv[1]);
		return 1;
	}
	for (size_t i = 0; i < count; i++)
		run(corpus[i].data, corpus[i].size, dump, -1 - (long)i);

	uint8_t *buf = malloc(FUZZ_MAX_INPUT);
	if (!buf)
		abort();
	rng_state = seed ? seed : 1;
	for (unsigned long e = 0; e < execs; e++) {
		const input *base = &corpus[below(count)];
		size_t n = base->size;
		memcpy(buf, base->data, n);
		unsigned m = 1 + rnd() % 4;
		for (unsigned k = 0; k < m; k++)
			mutate_once(buf, &n, corpus, count);
		run(buf, n, dump, (long)e);
	}
	printf("fuzz: %zu seeds and %lu mutations (seed %#llx) of %s: no crash\n",
	       count, execs, seed, argv[1]);
	free(buf);
	for (size_t i = 0; i < count; i++)
		free(corpus[i].data);
	free(corpus);
	return 0;
}
