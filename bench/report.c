/* The readable report on stdout, and the figures it shares with the JSON
 * and the plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "vk/vk_session.h" /* the kernel variant each layer runs */

double *bench_sorted_field(const bench *b, int field, size_t *count)
{
	double *v = malloc((b->n ? b->n : 1) * sizeof(*v));
	size_t n = 0;

	*count = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < b->n; i++) {
		const bench_sample *s = &b->samples[i];

		switch (field) {
		case BENCH_F_HOST:
			v[n++] = (double)s->host_ns;
			break;
		case BENCH_F_GPU:
			if (s->gpu_ns != BENCH_NONE)
				v[n++] = (double)s->gpu_ns;
			break;
		case BENCH_F_OVERHEAD:
			if (s->gpu_ns != BENCH_NONE)
				v[n++] = (double)s->host_ns - (double)s->gpu_ns;
			break;
		case BENCH_F_LATE_MISSED:
			if (s->missed)
				v[n++] = (double)s->late_ns;
			break;
		case BENCH_F_START:
			if (b->opt.period_ms > 0.0)
				v[n++] = (double)s->wake_ns;
			break;
		case BENCH_F_WAKE:
			if (b->opt.period_ms > 0.0 && !s->queued)
				v[n++] = (double)s->wake_ns;
			break;
		case BENCH_F_RESPONSE:
			if (b->opt.period_ms > 0.0)
				v[n++] = (double)s->response_ns;
			break;
		}
	}
	if (n == 0) {
		free(v);
		return NULL;
	}
	rfx_bench_sort(v, n);
	*count = n;
	return v;
}

void bench_early_stop(const double *sorted, size_t n, double p,
                      double confidence, bench_early *out)
{
	out->p = p;
	out->confidence = confidence;
	out->min_samples = rfx_bench_early_stop_min_samples(p, confidence);
	out->rank = rfx_bench_early_stop_rank(n, p, confidence);
	out->value = out->rank ? sorted[out->rank - 1] : NAN;
}

static const bench *sort_ctx;

static int by_time(const void *a, const void *b)
{
	uint64_t x = sort_ctx->layer_ns[*(const uint32_t *)a];
	uint64_t y = sort_ctx->layer_ns[*(const uint32_t *)b];

	if (x != y)
		return x < y ? 1 : -1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

uint32_t *bench_layers_by_time(const bench *b)
{
	uint32_t nl = b->model->graph.n_layers;
	uint32_t *order;

	if (!b->layer_ns)
		return NULL;
	order = malloc((nl ? nl : 1) * sizeof(*order));
	if (!order)
		return NULL;
	for (uint32_t i = 0; i < nl; i++)
		order[i] = i;
	sort_ctx = b;
	qsort(order, nl, sizeof(*order), by_time);
	return order;
}

uint64_t bench_gpu_median(const bench *b)
{
	size_t n;
	double *g = bench_sorted_field(b, BENCH_F_GPU, &n);
	uint64_t m = BENCH_NONE;

	if (g)
		m = (uint64_t)llround(rfx_bench_percentile(g, n, 0.5));
	free(g);
	return m;
}

static const char *device_type(int t)
{
	static const char *names[] = {"other", "integrated GPU", "discrete GPU",
				      "virtual GPU", "CPU"};
	return t >= 0 && t <= 4 ? names[t] : "other";
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void cold_line(FILE *f, const char *what, uint64_t ns)
{
	if (ns == BENCH_NONE)
		fprintf(f, "  %-40s %12s\n", what, "-");
	else
		fprintf(f, "  %-40s %12.3f\n", what, ms(ns));
}

static void report_cold(const bench *b, FILE *f)
{
	static const char *variant[] = {"empty pipeline cache", "warm pipeline cache",
					"no pipeline cache"};
	const bench_cold *c = &b->cold;
	int vk = b->opt.backend == RFX_BACKEND_VULKAN;
	char what[80];

	fprintf(f, "\ncold start (one process, phases in order)          ms\n");
	cold_line(f, "context creation", c->context_ns);
	cold_line(f, vk ? "model load: read, validate, upload"
			: "model load: read, validate", c->load_ns);
	cold_line(f, "  read alone (re-timed, page cache warm)", c->read_ns);
	cold_line(f, "  validation alone (re-timed)", c->validate_ns);
	if (vk && c->read_ns != BENCH_NONE && c->validate_ns != BENCH_NONE &&
	    c->load_ns > c->read_ns + c->validate_ns)
		cold_line(f, "  weight upload (load - read - validate)",
			  c->load_ns - c->read_ns - c->validate_ns);
	for (int v = 0; v < BENCH_CACHE_COUNT; v++) {
		if (c->create_ns[v] == BENCH_NONE)
			continue;
		snprintf(what, sizeof(what), "session creation, %s",
			 vk ? variant[v] : "CPU");
		cold_line(f, what, c->create_ns[v]);
		if (vk)
			fprintf(f, "    kernels: %s\n", c->tuned[v] == 1 ?
				"measured now (kernel tuning, included above)" :
				c->tuned[v] == 2 ? "from the tuning file" :
				"the default order");
		snprintf(what, sizeof(what), "  then its first run");
		cold_line(f, what, c->first_run_ns[v]);
	}
	cold_line(f, "main() to first result", c->main_to_first_ns);
	if (c->process_to_first_ns != BENCH_NONE)
		fprintf(f, "  %-40s %12.3f  (+-%.0f ms: kernel start time)\n",
			"process start to first result", ms(c->process_to_first_ns),
			ms(c->process_resolution_ns));
	if (!vk)
		return;
	if (b->opt.no_pipeline_cache)
		fprintf(f, "  (--no-pipeline-cache: the measured session has no cache)\n");
	else if (b->opt.pipeline_cache)
		fprintf(f, "  (the measured session used %s, which %s; Mesa's shader\n"
			"  cache was left as it is; the other variants ran after it in\n"
			"  this process)\n", c->cache_path,
			c->cache_existed ? "existed: a warm start" : "did not exist yet");
	else
		fprintf(f, "  (the first session started with an empty pipeline cache and\n"
			"  %s Mesa shader cache; the warm one reused the cache file it\n"
			"  wrote; both later variants ran in the same process, so the\n"
			"  driver's in-memory state was warm for them)\n",
			c->driver_cache_fresh ? "an empty" : "the MESA_SHADER_CACHE_DIR");
}

static void summary_row(FILE *f, const char *what, const double *v, size_t n,
                        double unit)
{
	rfx_bench_summary s;

	if (!v) {
		fprintf(f, "  %-12s %s\n", what, "n/a");
		return;
	}
	rfx_bench_summarize(v, n, &s);
	fprintf(f, "  %-12s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n",
		what, s.min / unit, s.p50 / unit, s.p90 / unit, s.p99 / unit,
		s.p999 / unit, s.max / unit, s.mean / unit, s.stddev / unit,
		s.jitter / unit);
}

static void early_line(FILE *f, const char *name, const double *v, size_t n,
                       double p, double conf, double unit, const char *u)
{
	bench_early e;

	bench_early_stop(v, n, p, conf, &e);
	if (e.rank)
		fprintf(f, "  %s <= %.3f %s (sample %llu of %zu, sorted)\n", name,
			e.value / unit, u, (unsigned long long)e.rank, n);
	else
		fprintf(f, "  %s: needs at least %llu frames, have %zu\n", name,
			(unsigned long long)e.min_samples, n);
}

static void report_steady(const bench *b, FILE *f)
{
	const bench_options *o = &b->opt;
	size_t nh, ng, no, nl, nw, nr;
	double *host = bench_sorted_field(b, BENCH_F_HOST, &nh);
	double *gpu = bench_sorted_field(b, BENCH_F_GPU, &ng);
	double *over = bench_sorted_field(b, BENCH_F_OVERHEAD, &no);
	double *late = bench_sorted_field(b, BENCH_F_LATE_MISSED, &nl);
	double *wake = bench_sorted_field(b, BENCH_F_WAKE, &nw);
	double *resp = bench_sorted_field(b, BENCH_F_RESPONSE, &nr);
	double unit = host && rfx_bench_percentile(host, nh, 0.5) < 1e6 ? 1e3 : 1e6;
	const char *u = unit == 1e3 ? "us" : "ms";
	char title[32];

	fprintf(f, "\nsteady state: %s, %zu frames in %.2f s after %llu warm-up "
		"runs (ended by %s)\n",
		o->period_ms > 0.0 ? "periodic" : "back to back", b->n,
		(double)b->loop_ns / 1e9, (unsigned long long)b->warmup_done,
		b->stop_reason ? b->stop_reason : "-");
	fprintf(f, "  %-12s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "", "min", "p50",
		"p90", "p99", "p99.9", "max", "mean", "stddev", "jitter");
	snprintf(title, sizeof(title), "host (%s)", u);
	summary_row(f, title, host, nh, unit);
	snprintf(title, sizeof(title), "gpu (%s)", u);
	summary_row(f, title, gpu, ng, unit);
	snprintf(title, sizeof(title), "host-gpu(%s)", u);
	summary_row(f, title, over, no, unit);
	fprintf(f, "  host: submit to fence collected; gpu: timestamps around the whole\n"
		"  command buffer; percentiles interpolate between closest ranks\n");
	if (host) {
		fprintf(f, "early stopping, %.4g%% confidence, frames taken as independent:\n",
			o->confidence * 100.0);
		early_line(f, "true p90   ", host, nh, 0.90, o->confidence, unit, u);
		early_line(f, "true p99.9 ", host, nh, 0.999, o->confidence, unit, u);
	}
	if (o->deadline_ms > 0.0) {
		fprintf(f, "deadline %.3f ms after the %s: %llu missed (%.3f%%)",
			o->deadline_ms, o->period_ms > 0.0 ? "arrival" : "submit",
			(unsigned long long)b->misses,
			b->n ? 100.0 * (double)b->misses / (double)b->n : 0.0);
		if (late)
			fprintf(f, ", late by p50 %.3f / p99 %.3f / max %.3f ms",
				rfx_bench_percentile(late, nl, 0.5) / 1e6,
				rfx_bench_percentile(late, nl, 0.99) / 1e6, late[nl - 1] / 1e6);
		fprintf(f, "; %llu more collected OK but after it\n",
			(unsigned long long)b->late_after_ok);
	}
	if (o->period_ms > 0.0 && resp) {
		fprintf(f, "period %.3f ms: %llu frames arrived while the previous one "
			"ran (%llu of them overwritten by a newer one)\n", o->period_ms,
			(unsigned long long)(b->frames_queued + b->frames_dropped),
			(unsigned long long)b->frames_dropped);
		if (wake)
			fprintf(f, "  OS wake-up late (frames that found the loop idle): "
				"p50 %.3f / p99 %.3f / max %.3f ms\n",
				rfx_bench_percentile(wake, nw, 0.5) / 1e6,
				rfx_bench_percentile(wake, nw, 0.99) / 1e6, wake[nw - 1] / 1e6);
		fprintf(f, "  arrival to result: p50 %.3f / p99 %.3f / max %.3f ms\n",
			rfx_bench_percentile(resp, nr, 0.5) / 1e6,
			rfx_bench_percentile(resp, nr, 0.99) / 1e6, resp[nr - 1] / 1e6);
	}
	free(host);
	free(gpu);
	free(over);
	free(late);
	free(wake);
	free(resp);
}

static void rt_item(FILE *f, const char *what, int err, const char *why)
{
	if (err)
		fprintf(f, "  %s: REFUSED (%s)%s%s\n", what, strerror(err),
			why ? "; " : "", why ? why : "");
	else
		fprintf(f, "  %s: done\n", what);
}

static void report_rt(const bench *b, FILE *f)
{
	const bench_rt *rt = &b->rt;
	char what[64], why[96];

	if (!rt->requested)
		return;
	fprintf(f, "real-time setup (measured loop only; the run went on regardless):\n");
	if (rt->memlock_limit == UINT64_MAX)
		snprintf(why, sizeof(why), "RLIMIT_MEMLOCK unlimited");
	else
		snprintf(why, sizeof(why), "RLIMIT_MEMLOCK %llu bytes",
			 (unsigned long long)rt->memlock_limit);
	rt_item(f, "mlockall(MCL_CURRENT | MCL_FUTURE)", rt->mlock_err, why);
	snprintf(what, sizeof(what), "SCHED_FIFO priority %d", rt->priority);
	snprintf(why, sizeof(why), "needs CAP_SYS_NICE or RLIMIT_RTPRIO >= %d, which is %lld",
		 rt->priority, rt->rtprio_limit == UINT64_MAX ? -1LL
							 : (long long)rt->rtprio_limit);
	rt_item(f, what, rt->fifo_err, why);
	snprintf(what, sizeof(what), "affinity to CPU %d", rt->cpu);
	rt_item(f, what, rt->affinity_err, NULL);
}

static void report_layers(const bench *b, FILE *f)
{
	const rfx_graph *g = &b->model->graph;
	uint32_t *order;
	uint64_t sum = 0, whole = b->profile_whole_ns;

	if (!b->opt.per_layer)
		return;
	if (!b->layer_ns) {
		fprintf(f, "\nper layer: none (%s)\n", b->profile_note);
		return;
	}
	for (uint32_t i = 0; i < g->n_layers; i++)
		sum += b->layer_ns[i];
	fprintf(f, "\nper layer (profiling command buffer, mean of %u runs): sum %.3f ms",
		b->profile_runs_done, ms(sum));
	if (whole != BENCH_NONE && whole)
		fprintf(f, ",\n  %.1f%% of the whole production command buffer's GPU time "
			"(%.3f ms,\n  mean of %u runs interleaved with the profiling ones)",
			100.0 * (double)sum / (double)whole, ms(whole),
			b->profile_whole_runs);
	if (!isnan(b->profile_pair_ratio_p50))
		fprintf(f, "; run by run, the median pair gives %.1f%%",
			100.0 * b->profile_pair_ratio_p50);
	fprintf(f, "\n  %4s %10s %10s %6s %-18s %-18s %-5s %9s %8s  %s\n", "#",
		"mean(ms)", "min(ms)", "%", "op", "output", "prec", "G(FL)OP/s",
		"GB/s", "layer");
	order = bench_layers_by_time(b);
	for (uint32_t r = 0; order && r < g->n_layers; r++) {
		const rfx_layer *l = &g->layers[order[r]];
		const rfx_tensor *y = &g->tensors[l->outputs[0]];
		uint64_t t = b->layer_ns[order[r]];
		char op[48], shape[48] = "", gops[16] = "-", gbs[16] = "-";
		bench_work w;
		size_t used = 0;

		bench_layer_work(g, l, &w);
		bench_layer_op(l, op, sizeof(op));
		for (uint32_t d = 0; d < y->rank && used < sizeof(shape); d++)
			used += (size_t)snprintf(shape + used, sizeof(shape) - used, "%s%u",
						 d ? "x" : "", y->dims[d]);
		if (t && w.ops > 0.0)
			snprintf(gops, sizeof(gops), "%.2f%s", w.ops / (double)t,
				 w.integer ? "i" : "");
		if (t)
			snprintf(gbs, sizeof(gbs), "%.2f", w.bytes / (double)t);
		const char *variant = rfx_vk_session_layer_variant(b->session, order[r]);
		uint32_t into = rfx_vk_session_layer_fused_into(b->session, order[r]);
		char kernel[160] = "";
		if (into != order[r])
			snprintf(kernel, sizeof(kernel), " [fused into %s]",
				 g->layers[into].name);
		else if (*variant)
			snprintf(kernel, sizeof(kernel), " [%s]", variant);
		fprintf(f, "  %4u %10.4f %10.4f %6.2f %-18s %-18s %-5s %9s %8s  %s%s\n",
			order[r], ms(t), ms(b->layer_min_ns[order[r]]),
			sum ? 100.0 * (double)t / (double)sum : 0.0, op, shape,
			bench_precision_name(l->precision), gops, gbs, l->name,
			kernel);
	}
	free(order);
	fprintf(f, "  (G(FL)OP/s and GB/s at the mean time: 2 ops per MAC of conv/fc,\n"
		"  one op per element elsewhere, 'i' int8 ops; every tensor read and\n"
		"  written once)\n");
}

void bench_report(const bench *b, FILE *f)
{
	const rfx_graph *g = &b->model->graph;
	struct utsname un;
	double load[3] = {0, 0, 0};
	char host[128] = "?";

	fprintf(f, "rfx-bench %s: %s\n", BENCH_VERSION, b->opt.model);
	fprintf(f, "  model: %u layers, %s, %llu bytes, FNV-1a 64 %016llx, CRC-32 %08x\n",
		g->n_layers, bench_model_precision(g), (unsigned long long)b->file_bytes,
		(unsigned long long)b->fnv1a64, b->crc32);
	if (b->have_device)
		fprintf(f, "  device: %s (%s), driver %s %s, Vulkan %u.%u.%u\n",
			b->device.name, device_type(b->device.type), b->device.driver_name,
			b->device.driver_info, b->device.api_version >> 22,
			(b->device.api_version >> 12) & 0x3ff, b->device.api_version & 0xfff);
	else
		fprintf(f, "  device: the CPU reference executor\n");
	gethostname(host, sizeof(host) - 1);
	if (uname(&un) != 0)
		strcpy(un.release, "?");
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = NAN;
	fprintf(f, "  host: %s, Linux %s, %ld CPUs online, load average %.2f %.2f %.2f\n",
		host, un.release, sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
	report_cold(b, f);
	report_steady(b, f);
	report_rt(b, f);
	fprintf(f, "memory: device arena %.2f MiB for %.2f MiB of activation tensors, "
		"weights %.2f MiB; host RSS %.1f MiB (peak %.1f MiB)\n",
		(double)b->stats.arena_bytes / 1048576.0,
		(double)b->stats.tensor_bytes / 1048576.0,
		(double)b->stats.weight_bytes / 1048576.0,
		(double)b->rss_bytes / 1048576.0, (double)b->hwm_bytes / 1048576.0);
	if (b->opt.backend == RFX_BACKEND_VULKAN)
		fprintf(f, "recorded: %u dispatches, %u barriers, %u pipelines\n",
			b->stats.dispatches, b->stats.barriers, b->stats.pipelines);
	if (b->validation_messages)
		fprintf(f, "validation layer: %u warnings or errors\n",
			b->validation_messages);
	report_layers(b, f);
}
