/*
 * Kernel tuning: which variant each layer runs on this device.
 *
 * Layers with several kernel variants (ops.h: rfx_vk_layer_variants())
 * take the fastest measured on the device, not a fixed order: what is
 * fastest differs between lavapipe, desktop GPUs, Mali and Adreno. The
 * first session of a model on a device measures; the choice goes into a
 * small text file next to the pipeline cache, keyed by device, driver
 * version and model, and later sessions read it and measure nothing.
 *
 * Measuring builds the session once per round, round r running every
 * layer's r-th candidate (a layer with fewer takes its first), and times
 * each layer with the per-dispatch profile (timestamps after every
 * dispatch): a network with at most five variants per layer is tuned in
 * five builds whatever its depth. Each round runs once unmeasured (drivers
 * compile a pipeline at its first dispatch), then in pairs of runs with
 * round 0 (the default order), which stays built: a candidate is judged
 * by its time over the default's in the same minutes (measure()), so a
 * machine whose speed drifts between rounds does not pick for it. The
 * winners then run together in one more round, and a layer whose winner
 * does not win again keeps its default. Rounds stop when the next would
 * overrun the budget.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/context.h"
#include "vk/pipeline_cache.h"
#include "vk/session_priv.h"
#include "vk/vk_session.h"

#define DEFAULT_BUDGET_MS 10000u
#define MAX_TUNE_FILE (1u << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t budget_ms(const rfx_session_options *opt)
{
	const char *e = getenv("RFX_TUNE_BUDGET_MS");
	char *end;

	if (opt->tune_budget_ms)
		return opt->tune_budget_ms;
	if (e && *e) {
		unsigned long v = strtoul(e, &end, 10);
		if (*end == '\0' && v <= 3600000)
			return (uint32_t)v;
	}
	return DEFAULT_BUDGET_MS;
}

/* FNV-1a over the capabilities the kernels were built for and every
 * layer's candidate kernels, in order: a library with other kernels (a new
 * variant, another default order), or a session with the packed dot
 * product turned off (RFX_NO_INT_DOT: same names, other code), has chosen
 * among other candidates, so its file must not be read as this one's. */
static uint64_t candidates_hash(const rfx_session *s)
{
	const rfx_graph *g = &s->model->graph;
	rfx_vk_caps caps = rfx_vk_device_caps(s->model->ctx);
	uint64_t h = 0xcbf29ce484222325ull;
	int bits[4] = {caps.int8, caps.int_dot, caps.texel, caps.texel_i8};

	for (int i = 0; i < 4; i++)
		h = (h ^ (uint8_t)(bits[i] != 0)) * 0x100000001b3ull;

	for (uint32_t l = 0; l < g->n_layers; l++) {
		const char *names[RFX_VK_MAX_VARIANTS];
		uint32_t n = rfx_vk_layer_variants(g, &g->layers[l], &caps, names,
						   RFX_VK_MAX_VARIANTS);
		for (uint32_t i = 0; i <= n; i++) /* the layer's end counts too */
			for (const char *c = i < n ? names[i] : ";"; *c; c++)
				h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	}
	return h;
}

/* The longest line of a tuning file, its header included (the header is
 * built and read in buffers of this size, so it cannot outgrow them). */
#define TUNE_LINE 160

/* The first line of a tuning file: what it is valid for (the device and
 * driver, the model, the candidate kernels). */
static void header(rfx_context *ctx, const rfx_session *s, char *out,
                   size_t len)
{
	const rfx_model *m = s->model;
	VkPhysicalDeviceProperties p;

	vkGetPhysicalDeviceProperties(ctx->vk.phys, &p);
	snprintf(out, len, "reflex-tune 1 device %04x:%04x driver %08x model "
		 "%016llx layers %u kernels %016llx\n", p.vendorID, p.deviceID,
		 p.driverVersion, (unsigned long long)m->id, m->graph.n_layers,
		 (unsigned long long)candidates_hash(s));
}

static int tune_path(rfx_context *ctx, const rfx_model *m,
                     const rfx_session_options *opt, char *out, size_t len)
{
	char p[560];

	if (opt->no_pipeline_cache ||
	    !rfx_vk_pipeline_cache_path(ctx, opt->pipeline_cache_path, p, sizeof(p)))
		return 0;
	return snprintf(out, len, "%s.%016llx.tune", p,
			(unsigned long long)m->id) < (int)len;
}

static int variant_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct layer_choice *)0)->name))
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_')
			return 0;
	return 1;
}

/* Reads a tuning file into choice: 1 when it is valid for this device and
 * model, 0 when missing, -1 when damaged (the file is untrusted: any line
 * that is not "<layer> <variant>" rejects it whole). A variant that is not
 * a candidate of its layer any more is ignored later (plan_variant()). */
static int read_file(const char *path, const char *hdr, uint32_t n_layers,
                     struct layer_choice *choice)
{
	FILE *f = fopen(path, "rb");
	char line[TUNE_LINE];
	int ok = 1;
	size_t total = 0;

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f) || strcmp(line, hdr) != 0)
		ok = -1;
	while (ok == 1 && fgets(line, sizeof(line), f)) {
		unsigned long l;
		char name[32], *end;
		total += strlen(line);
		if (total > MAX_TUNE_FILE || !strchr(line, '\n')) {
			ok = -1;
			break;
		}
		l = strtoul(line, &end, 10);
		if (end == line || *end != ' ' || l >= n_layers ||
		    sscanf(end + 1, "%31s", name) != 1 || !variant_name_ok(name) ||
		    strlen(end + 1) != strlen(name) + 1) {
			ok = -1;
			break;
		}
		memcpy(choice[l].name, name, strlen(name) + 1);
	}
	fclose(f);
	return ok;
}

static void write_file(rfx_context *ctx, const char *path, const char *hdr,
                       const struct layer_choice *choice, uint32_t n_layers)
{
	size_t cap = strlen(hdr) + (size_t)n_layers * 40 + 1, len;
	char *buf = malloc(cap);

	if (!buf)
		return;
	len = (size_t)snprintf(buf, cap, "%s", hdr);
	for (uint32_t l = 0; l < n_layers; l++)
		if (choice[l].name[0])
			len += (size_t)snprintf(buf + len, cap - len, "%u %s\n", l,
						choice[l].name);
	rfx_vk_cache_write(ctx, path, buf, len, "kernel tuning file");
	free(buf);
}

/* A session for one round: `choice` (NULL: the default order), built for
 * profiling, run once unmeasured (drivers compile a pipeline at its first
 * dispatch). */
static rfx_status round_open(rfx_session *s, const rfx_session_options *opt,
                             const struct layer_choice *choice, rfx_session *t,
                             uint64_t *ns)
{
	rfx_session_options o = *opt;
	rfx_status st;

	*t = (rfx_session){.model = s->model};
	o.profile = 1;
	o.gpu_timing = 0;
	o.no_warmup = 1;
	o.golden_check = 0;
	o.frame_format = RFX_PIXEL_NONE;
	if ((st = rfx_vk_session_build(t, &o, choice, 0)) != RFX_OK)
		return st;
	st = rfx_vk_session_profile(t, ns, s->model->graph.n_layers, NULL);
	if (st != RFX_OK)
		rfx_vk_session_destroy(t);
	return st;
}

#define MAX_PAIRS 5

/* The median of a[0..n) (n <= MAX_PAIRS), sorting a. */
static double median(double *a, int n)
{
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && a[k] < a[k - 1]; k--) {
			double x = a[k];
			a[k] = a[k - 1];
			a[k - 1] = x;
		}
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

/*
 * Profiles t against base in pairs of runs, in alternating order (a
 * driver's background work after the new session's compilation, such as
 * writing its shader cache, fades while they run): three, up to five
 * while cheap against the budget; the deadline may cut a round to one
 * pair (the overrun is one pair). med[l]: the median over the pairs of
 * layer l's time in t over its time in base in the same pair.
 */
static rfx_status pair_ratios(rfx_session *base, rfx_session *t, uint32_t n,
                              uint64_t start, uint64_t budget_ns,
                              uint64_t *t0, uint64_t *tr, double *med)
{
	uint64_t m0 = now_ns();
	int pairs = 0;
	rfx_status st = RFX_OK;

	while (st == RFX_OK && pairs < MAX_PAIRS) {
		uint64_t *a = t0 + (size_t)pairs * n, *b = tr + (size_t)pairs * n;
		int swap = pairs % 2;
		st = rfx_vk_session_profile(swap ? t : base, swap ? b : a, n, NULL);
		if (st == RFX_OK)
			st = rfx_vk_session_profile(swap ? base : t, swap ? a : b, n, NULL);
		if (st == RFX_OK)
			pairs++;
		if (now_ns() - start > budget_ns)
			break;
		if (pairs >= 3 && now_ns() - m0 > budget_ns / 8)
			break;
	}
	for (uint32_t l = 0; l < n; l++) {
		double q[MAX_PAIRS];
		for (int k = 0; k < pairs; k++) {
			uint64_t x = t0[(size_t)k * n + l], y = tr[(size_t)k * n + l];
			q[k] = x ? (double)y / (double)x : 1.0;
		}
		med[l] = pairs ? median(q, pairs) : 1.0;
	}
	return st;
}

/* A candidate wins below this score (the default's is 1): what measures
 * within 3 % of the default is noise here. */
#define WIN 0.97

/* Layers whose best score so far is a candidate's, not the default's. */
static uint32_t winners(const double *score, uint32_t n)
{
	uint32_t won = 0;

	for (uint32_t l = 0; l < n; l++)
		won += score[l] < 1.0;
	return won;
}

/*
 * Measures within `budget` ms. Round 0 (the default order) stays built
 * for the whole measurement; each later round r is profiled in turn with
 * it, run for run, and a layer's candidate scores the median, over those
 * pairs, of its time over round 0's in the same pair. A machine that
 * slows down or speeds up between rounds (other load, clock changes) then
 * moves both sides of each ratio alike instead of deciding which variant
 * wins, and one disturbed pair does not decide either. A layer keeps the
 * candidate of the lowest score, taken only below WIN. Then, where the
 * budget allows, a confirmation round runs every winner at once against
 * round 0 again, and a layer whose winner does not win again keeps its
 * default: a disturbed minute made a kernel 40 % slower win one round
 * (resnet18's 56x56 layers on F(2x2) instead of F(4x4)). Rounds stop
 * when the next, and the confirmation once a layer has a winner, would
 * overrun the budget.
 */
static rfx_status measure(rfx_session *s, const rfx_session_options *opt,
                          uint32_t budget, struct layer_choice *best)
{
	rfx_context *ctx = s->model->ctx;
	uint32_t n = s->model->graph.n_layers, rounds = 1, r = 0, won = 0;
	uint64_t budget_ns = (uint64_t)budget * 1000000u, start = now_ns();
	/* ns: one run; t0, tr: per pair, each layer's time in round 0 and r. */
	uint64_t *ns = calloc((1 + 2 * MAX_PAIRS) * (size_t)(n ? n : 1), sizeof(*ns));
	uint64_t *t0 = ns + n, *tr = ns + (1 + MAX_PAIRS) * (size_t)n;
	double *score = calloc(n ? n : 1, sizeof(*score));
	double *med = calloc(n ? n : 1, sizeof(*med));
	struct layer_cands *cands = calloc(n ? n : 1, sizeof(*cands));
	struct layer_choice *try = calloc(n ? n : 1, sizeof(*try));
	struct layer_choice *def = calloc(n ? n : 1, sizeof(*def));
	rfx_session base, t;
	uint64_t last = 0; /* the last round's time */
	rfx_status st = RFX_E_OUT_OF_MEMORY;

	if (!ns || !score || !med || !cands || !try || !def)
		goto out;
	if ((st = round_open(s, opt, NULL, &base, ns)) != RFX_OK)
		goto out;
	memcpy(cands, base.vk->cands, n * sizeof(*cands));
	last = now_ns() - start;
	for (uint32_t l = 0; l < n; l++) {
		const char *v = rfx_vk_session_layer_variant(&base, l);
		if (cands[l].n > rounds)
			rounds = cands[l].n;
		score[l] = 1.0;
		if (v[0] && cands[l].n >= 2)
			snprintf(best[l].name, sizeof(best[l].name), "%s", v);
	}
	memcpy(def, best, n * sizeof(*def));
	for (r = 1; r < rounds; r++) {
		uint64_t r0 = now_ns();
		/* Stop before a round the budget cannot hold, judged by the
		 * last one's time (each round builds, compiles and profiles),
		 * with room left to confirm the winners so far: a later
		 * round's candidates come later in the device's order. */
		won = winners(score, n);
		if (r0 - start + last * (won ? 2 : 1) > budget_ns)
			break;
		for (uint32_t l = 0; l < n; l++)
			snprintf(try[l].name, sizeof(try[l].name), "%s",
				 cands[l].n == 0 ? "" :
				 cands[l].name[r < cands[l].n ? r : 0]);
		if ((st = round_open(s, opt, try, &t, ns)) != RFX_OK)
			break;
		st = pair_ratios(&base, &t, n, start, budget_ns, t0, tr, med);
		for (uint32_t l = 0; st == RFX_OK && l < n; l++) {
			const char *v = rfx_vk_session_layer_variant(&t, l);
			if (!v[0] || cands[l].n < 2 || r >= cands[l].n)
				continue;
			if (med[l] < WIN && med[l] < score[l]) {
				score[l] = med[l];
				snprintf(best[l].name, sizeof(best[l].name), "%s", v);
			}
		}
		rfx_vk_session_destroy(&t);
		if (st != RFX_OK)
			break;
		last = now_ns() - r0;
	}
	won = winners(score, n);
	if (st == RFX_OK && won && now_ns() - start + last <= budget_ns) {
		rfx_status cst = round_open(s, opt, best, &t, ns);
		if (cst == RFX_OK) {
			cst = pair_ratios(&base, &t, n, start, budget_ns, t0, tr, med);
			rfx_vk_session_destroy(&t);
		}
		/* Winners that fail to build or run together are not kept. */
		if (cst != RFX_OK)
			rfx_log(ctx, RFX_LOG_WARNING, "kernel tuning: the winners "
				"together failed (%s): every layer keeps its "
				"default", rfx_status_str(cst));
		for (uint32_t l = 0; l < n; l++) {
			if (score[l] >= 1.0 || (cst == RFX_OK && med[l] < WIN))
				continue;
			if (cst == RFX_OK)
				rfx_log(ctx, RFX_LOG_INFO, "kernel tuning: layer %u "
					"keeps %s (%s scored %.2f, then %.2f)", l,
					def[l].name, best[l].name, score[l], med[l]);
			best[l] = def[l];
			won--;
		}
	} else if (st == RFX_OK && won) {
		rfx_log(ctx, RFX_LOG_INFO, "kernel tuning: no budget left to "
			"confirm %u layers' choices", won);
	}
	if (st != RFX_OK) {
		/* A variant this device cannot build or run: keep what was
		 * measured, say so, and let the session go on. */
		rfx_log(ctx, RFX_LOG_WARNING, "kernel tuning stopped at round "
			"%u: %s", r + 1, rfx_status_str(st));
		st = RFX_OK;
	} else if (r < rounds) {
		rfx_log(ctx, RFX_LOG_INFO, "kernel tuning: the budget (%u ms) "
			"allowed %u of %u rounds; the rest keep their default",
			budget, r, rounds);
	}
	rfx_log(ctx, RFX_LOG_DEBUG, "kernel tuning: %u rounds in %.0f ms, %u "
		"layers off their default", r, (double)(now_ns() - start) / 1e6,
		won);
	rfx_vk_session_destroy(&base);
out:
	free(ns);
	free(score);
	free(med);
	free(cands);
	free(try);
	free(def);
	return st;
}

/* Whether any layer has a choice to make on this device. */
static int tunable(const rfx_session *s)
{
	const rfx_graph *g = &s->model->graph;
	rfx_vk_caps caps = rfx_vk_device_caps(s->model->ctx);

	for (uint32_t l = 0; l < g->n_layers; l++) {
		const char *names[RFX_VK_MAX_VARIANTS];
		if (rfx_vk_layer_variants(g, &g->layers[l], &caps, names,
					  RFX_VK_MAX_VARIANTS) > 1)
			return 1;
	}
	return 0;
}

rfx_status rfx_vk_tune(rfx_session *s, const rfx_session_options *opt,
                       struct layer_choice **choice, int *tuned)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	const char *forced = getenv("RFX_FORCE_VARIANT");
	char path[640], hdr[TUNE_LINE];
	int have_path, r;
	uint32_t budget = budget_ms(opt);
	struct layer_choice *c;
	rfx_status st;

	*choice = NULL;
	*tuned = 0;
	if (opt->tune == RFX_TUNE_OFF || (forced && *forced) || !tunable(s))
		return RFX_OK;
	if (!(c = calloc(g->n_layers ? g->n_layers : 1, sizeof(*c))))
		return RFX_E_OUT_OF_MEMORY;
	header(ctx, s, hdr, sizeof(hdr));
	have_path = tune_path(ctx, s->model, opt, path, sizeof(path));
	if (have_path && opt->tune != RFX_TUNE_ALWAYS) {
		r = read_file(path, hdr, g->n_layers, c);
		if (r == 1) {
			*choice = c;
			*tuned = 2;
			return RFX_OK;
		}
		if (r < 0) {
			rfx_log(ctx, RFX_LOG_INFO, "kernel tuning file %s is not "
				"for this device and model or is damaged: "
				"measuring again", path);
			memset(c, 0, (g->n_layers ? g->n_layers : 1) * sizeof(*c));
		}
	}
	if (budget == 0 || !ctx->vk.info.timestamps) {
		free(c);
		return RFX_OK;
	}
	st = measure(s, opt, budget, c);
	if (st != RFX_OK) {
		free(c);
		return st;
	}
	if (have_path)
		write_file(ctx, path, hdr, c, g->n_layers);
	*choice = c;
	*tuned = 1;
	return RFX_OK;
}
