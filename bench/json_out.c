/*
 * The --json file: every figure of the report, plus the raw per-frame
 * samples, so any statistic can be recomputed. Times are integer or
 * fractional nanoseconds ("_ns"); a figure that was not measured is null.
 * bench/README.md lists the fields.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "json.h"
#include "vk/vk_session.h" /* which layers run fused */

static void summary(bench_json *j, const char *key, const double *v, size_t n)
{
	rfx_bench_summary s;

	if (!v) {
		bench_json_null(j, key);
		return;
	}
	rfx_bench_summarize(v, n, &s);
	bench_json_object(j, key);
	bench_json_u64(j, "n", s.n);
	bench_json_f64(j, "min", s.min);
	bench_json_f64(j, "p50", s.p50);
	bench_json_f64(j, "p90", s.p90);
	bench_json_f64(j, "p99", s.p99);
	bench_json_f64(j, "p99_9", s.p999);
	bench_json_f64(j, "max", s.max);
	bench_json_f64(j, "mean", s.mean);
	bench_json_f64(j, "stddev", s.stddev);
	bench_json_f64(j, "jitter", s.jitter);
	bench_json_end(j);
}

static void early(bench_json *j, const char *key, const double *v, size_t n,
                  double p, double conf)
{
	bench_early e;

	bench_early_stop(v, n, p, conf, &e);
	bench_json_object(j, key);
	bench_json_f64(j, "percentile", p * 100.0);
	bench_json_f64(j, "confidence", conf);
	bench_json_u64(j, "samples", n);
	bench_json_u64(j, "min_samples", e.min_samples);
	if (e.rank) {
		bench_json_u64(j, "rank", e.rank);
		bench_json_f64(j, "upper_bound_ns", e.value);
	} else {
		bench_json_null(j, "rank");
		bench_json_null(j, "upper_bound_ns");
	}
	bench_json_end(j);
}

static void hist(bench_json *j, const char *key, const double *v, size_t n)
{
	rfx_bench_hist h;

	if (!v || rfx_bench_hist_init(&h, v, n, 200) != 0) {
		bench_json_null(j, key);
		return;
	}
	bench_json_object(j, key);
	bench_json_f64(j, "lo_ns", h.lo);
	bench_json_f64(j, "width_ns", h.width);
	bench_json_array_inline(j, "counts");
	for (uint32_t i = 0; i < h.n_bins; i++)
		bench_json_u64(j, NULL, h.counts[i]);
	bench_json_end(j);
	bench_json_end(j);
	rfx_bench_hist_finish(&h);
}

static void tensors(bench_json *j, const char *key, const rfx_graph *g,
                    const uint32_t *idx, uint32_t n)
{
	bench_json_array(j, key);
	for (uint32_t i = 0; i < n; i++) {
		const rfx_tensor *t = &g->tensors[idx[i]];

		bench_json_object(j, NULL);
		bench_json_str(j, "name", t->name);
		bench_json_str(j, "dtype", rfx_dtype_name(t->dtype));
		bench_json_array_inline(j, "dims");
		for (uint32_t d = 0; d < t->rank; d++)
			bench_json_u64(j, NULL, t->dims[d]);
		bench_json_end(j);
		bench_json_end(j);
	}
	bench_json_end(j);
}

static void write_host(bench_json *j)
{
	struct utsname un;
	double load[3];
	char host[128] = "";
	char date[40] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	bench_json_str(j, "date", date);
	bench_json_object(j, "host");
	gethostname(host, sizeof(host) - 1);
	bench_json_str(j, "hostname", host);
	if (uname(&un) == 0) {
		bench_json_str(j, "kernel", un.release);
		bench_json_str(j, "machine", un.machine);
	} else {
		bench_json_null(j, "kernel");
		bench_json_null(j, "machine");
	}
	bench_json_i64(j, "cpus_online", sysconf(_SC_NPROCESSORS_ONLN));
	if (getloadavg(load, 3) == 3) {
		bench_json_array_inline(j, "load_average");
		for (int i = 0; i < 3; i++)
			bench_json_f64(j, NULL, load[i]);
		bench_json_end(j);
	} else {
		bench_json_null(j, "load_average");
	}
	bench_json_end(j);
}

static void write_options(bench_json *j, const bench_options *o)
{
	bench_json_object(j, "options");
	bench_json_str(j, "backend", o->backend == RFX_BACKEND_CPU ? "cpu" : "vulkan");
	bench_json_str(j, "device", o->device);
	bench_json_u64(j, "warmup", o->warmup);
	bench_json_u64_or_null(j, "iterations", o->iterations ? o->iterations : BENCH_NONE);
	if (o->duration_s > 0.0)
		bench_json_f64(j, "duration_s", o->duration_s);
	else
		bench_json_null(j, "duration_s");
	bench_json_f64(j, "period_ms", o->period_ms);
	bench_json_f64(j, "deadline_ms", o->deadline_ms);
	bench_json_f64(j, "confidence", o->confidence);
	bench_json_bool(j, "per_layer", o->per_layer);
	bench_json_u64(j, "profile_runs", o->profile_runs);
	bench_json_bool(j, "rt", o->rt);
	bench_json_i64(j, "rt_priority", o->rt_priority);
	bench_json_i64(j, "cpu", o->cpu);
	bench_json_bool(j, "no_pipeline_cache", o->no_pipeline_cache);
	bench_json_str(j, "pipeline_cache", o->pipeline_cache);
	bench_json_bool(j, "validation", o->validation);
	bench_json_end(j);
}

static void write_device(bench_json *j, const bench *b)
{
	const rfx_device_info *d = &b->device;
	char v[32];

	if (!b->have_device) {
		bench_json_null(j, "device");
		return;
	}
	bench_json_object(j, "device");
	bench_json_str(j, "name", d->name);
	bench_json_u64(j, "index", d->index);
	bench_json_i64(j, "type", d->type);
	bench_json_u64(j, "vendor_id", d->vendor_id);
	bench_json_u64(j, "device_id", d->device_id);
	snprintf(v, sizeof(v), "%u.%u.%u", d->api_version >> 22,
		 (d->api_version >> 12) & 0x3ff, d->api_version & 0xfff);
	bench_json_str(j, "api_version", v);
	bench_json_str(j, "driver_name", d->driver_name);
	bench_json_str(j, "driver_info", d->driver_info);
	bench_json_u64(j, "driver_version", d->driver_version);
	bench_json_bool(j, "timestamps", d->timestamps);
	bench_json_f64(j, "timestamp_period_ns", d->timestamp_period_ns);
	bench_json_end(j);
}

static void write_model(bench_json *j, const bench *b)
{
	const rfx_graph *g = &b->model->graph;
	char hex[24];
	uint64_t macs = 0;
	uint32_t count[3] = {0, 0, 0};

	for (uint32_t i = 0; i < g->n_layers; i++) {
		bench_work w;

		bench_layer_work(g, &g->layers[i], &w);
		macs += w.macs;
		count[0] += g->layers[i].precision == RFX_DTYPE_F32;
		count[1] += g->layers[i].precision == RFX_DTYPE_F16;
		count[2] += g->layers[i].precision == RFX_DTYPE_I8;
	}
	bench_json_object(j, "model");
	bench_json_str(j, "path", b->opt.model);
	bench_json_u64(j, "file_bytes", b->file_bytes);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)b->fnv1a64);
	bench_json_str(j, "fnv1a64", hex);
	snprintf(hex, sizeof(hex), "%08x", b->crc32);
	bench_json_str(j, "crc32", hex);
	bench_json_str(j, "precision", bench_model_precision(g));
	bench_json_object(j, "layer_precisions");
	bench_json_u64(j, "fp32", count[0]);
	bench_json_u64(j, "fp16", count[1]);
	bench_json_u64(j, "int8", count[2]);
	bench_json_end(j);
	bench_json_u64(j, "layers", g->n_layers);
	bench_json_u64(j, "tensors", g->n_tensors);
	bench_json_u64(j, "macs", macs);
	bench_json_str(j, "converter", g->meta.converter);
	bench_json_str(j, "source_name", g->meta.source_name);
	if (g->meta.source_hash) {
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)g->meta.source_hash);
		bench_json_str(j, "source_fnv1a64", hex);
	} else {
		bench_json_null(j, "source_fnv1a64");
	}
	tensors(j, "inputs", g, g->inputs, g->n_inputs);
	tensors(j, "outputs", g, g->outputs, g->n_outputs);
	bench_json_end(j);
}

static void write_cold(bench_json *j, const bench *b)
{
	static const char *keys[] = {"empty_cache", "warm_cache", "no_cache"};
	const bench_cold *c = &b->cold;
	uint64_t upload = BENCH_NONE;

	if (b->opt.backend == RFX_BACKEND_VULKAN && c->read_ns != BENCH_NONE &&
	    c->validate_ns != BENCH_NONE && c->load_ns > c->read_ns + c->validate_ns)
		upload = c->load_ns - c->read_ns - c->validate_ns;
	bench_json_object(j, "cold_start");
	bench_json_u64(j, "context_create_ns", c->context_ns);
	bench_json_u64(j, "model_load_ns", c->load_ns);
	bench_json_bool(j, "model_load_includes_upload",
			b->opt.backend == RFX_BACKEND_VULKAN);
	bench_json_u64_or_null(j, "read_retimed_ns", c->read_ns);
	bench_json_u64_or_null(j, "validate_retimed_ns", c->validate_ns);
	bench_json_u64_or_null(j, "upload_by_difference_ns", upload);
	bench_json_object(j, "session");
	for (int v = 0; v < BENCH_CACHE_COUNT; v++) {
		bench_json_object(j, keys[v]);
		bench_json_u64_or_null(j, "create_ns", c->create_ns[v]);
		bench_json_u64_or_null(j, "first_run_ns", c->first_run_ns[v]);
		bench_json_str(j, "kernels", c->tuned[v] == 1 ? "tuned" :
			       c->tuned[v] == 2 ? "tuning_file" : "default");
		bench_json_end(j);
	}
	bench_json_end(j);
	bench_json_u64(j, "main_to_first_result_ns", c->main_to_first_ns);
	bench_json_u64_or_null(j, "process_start_to_first_result_ns",
			       c->process_to_first_ns);
	bench_json_u64_or_null(j, "process_start_resolution_ns",
			       c->process_to_first_ns == BENCH_NONE ? BENCH_NONE
								     : c->process_resolution_ns);
	bench_json_bool(j, "driver_shader_cache_fresh", c->driver_cache_fresh);
	bench_json_str(j, "pipeline_cache_file", b->opt.pipeline_cache);
	bench_json_bool(j, "pipeline_cache_file_existed", c->cache_existed);
	bench_json_end(j);
}

static void write_steady(bench_json *j, const bench *b)
{
	const bench_options *o = &b->opt;
	size_t nh, ng, no, nl, nw, nr;
	double *host = bench_sorted_field(b, BENCH_F_HOST, &nh);
	double *gpu = bench_sorted_field(b, BENCH_F_GPU, &ng);
	double *over = bench_sorted_field(b, BENCH_F_OVERHEAD, &no);
	double *late = bench_sorted_field(b, BENCH_F_LATE_MISSED, &nl);
	double *wake = bench_sorted_field(b, BENCH_F_WAKE, &nw);
	double *resp = bench_sorted_field(b, BENCH_F_RESPONSE, &nr);
	size_t ns;
	double *start = bench_sorted_field(b, BENCH_F_START, &ns);

	bench_json_object(j, "steady_state");
	bench_json_str(j, "mode", o->period_ms > 0.0 ? "periodic" : "back_to_back");
	bench_json_u64(j, "warmup_runs", b->warmup_done);
	bench_json_u64(j, "frames", b->n);
	bench_json_u64(j, "wall_ns", b->loop_ns);
	bench_json_str(j, "ended_by", b->stop_reason);
	bench_json_str(j, "percentile_rule", "linear between closest ranks (type 7)");
	bench_json_str(j, "stddev_rule", "sample (n - 1)");
	summary(j, "host_latency_ns", host, nh);
	summary(j, "gpu_time_ns", gpu, ng);
	summary(j, "host_minus_gpu_ns", over, no);
	bench_json_object(j, "early_stopping");
	early(j, "p90", host, host ? nh : 0, 0.90, o->confidence);
	early(j, "p99_9", host, host ? nh : 0, 0.999, o->confidence);
	bench_json_end(j);
	hist(j, "histogram_host_ns", host, nh);
	if (o->deadline_ms > 0.0) {
		bench_json_object(j, "deadline");
		bench_json_f64(j, "deadline_ms", o->deadline_ms);
		bench_json_str(j, "from", o->period_ms > 0.0 ? "arrival" : "submit");
		bench_json_u64(j, "misses", b->misses);
		bench_json_f64(j, "miss_rate", b->n ? (double)b->misses / (double)b->n : 0.0);
		bench_json_u64(j, "late_after_ok", b->late_after_ok);
		summary(j, "lateness_ns", late, nl);
		bench_json_end(j);
	} else {
		bench_json_null(j, "deadline");
	}
	if (o->period_ms > 0.0) {
		bench_json_object(j, "periodic");
		bench_json_f64(j, "period_ms", o->period_ms);
		bench_json_u64(j, "frames_queued", b->frames_queued);
		bench_json_u64(j, "frames_dropped", b->frames_dropped);
		summary(j, "wake_late_ns", wake, nw);
		summary(j, "arrival_to_submit_ns", start, ns);
		summary(j, "arrival_to_result_ns", resp, nr);
		bench_json_end(j);
	} else {
		bench_json_null(j, "periodic");
	}
	bench_json_end(j);
	free(host);
	free(gpu);
	free(over);
	free(late);
	free(wake);
	free(resp);
	free(start);
}

static void write_layers(bench_json *j, const bench *b)
{
	const rfx_graph *g = &b->model->graph;
	uint64_t sum = 0, whole = b->profile_whole_ns;
	uint32_t *order;

	if (!b->layer_ns) {
		if (b->opt.per_layer) {
			bench_json_object(j, "per_layer");
			bench_json_str(j, "unavailable", b->profile_note);
			bench_json_end(j);
		} else {
			bench_json_null(j, "per_layer");
		}
		return;
	}
	for (uint32_t i = 0; i < g->n_layers; i++)
		sum += b->layer_ns[i];
	bench_json_object(j, "per_layer");
	bench_json_u64(j, "profile_runs", b->profile_runs_done);
	bench_json_u64(j, "sum_ns", sum);
	bench_json_u64(j, "profile_total_ns", b->profile_total_ns);
	bench_json_str(j, "statistic", "mean (sums add up); median and min per layer too");
	bench_json_u64_or_null(j, "whole_command_buffer_interleaved_mean_ns", whole);
	bench_json_u64(j, "whole_command_buffer_runs", b->profile_whole_runs);
	bench_json_u64_or_null(j, "steady_state_gpu_p50_ns", bench_gpu_median(b));
	if (whole != BENCH_NONE && whole)
		bench_json_f64(j, "sum_over_whole", (double)sum / (double)whole);
	else
		bench_json_null(j, "sum_over_whole");
	bench_json_f64(j, "pair_ratio_p50", b->profile_pair_ratio_p50);
	bench_json_u64_or_null(j, "run_sum_p50_ns", b->profile_total_p50_ns);
	bench_json_u64_or_null(j, "whole_command_buffer_interleaved_p50_ns",
			       b->profile_whole_p50_ns);
	bench_json_array_inline(j, "run_sum_ns");
	for (uint32_t r = 0; r < b->profile_runs_done; r++)
		bench_json_u64(j, NULL, b->profile_run_total_ns[r]);
	bench_json_end(j);
	bench_json_array_inline(j, "run_whole_ns");
	for (uint32_t r = 0; r < b->profile_runs_done; r++)
		bench_json_u64_or_null(j, NULL, b->profile_run_whole_ns[r]);
	bench_json_end(j);
	bench_json_array(j, "layers");
	order = bench_layers_by_time(b);
	for (uint32_t r = 0; order && r < g->n_layers; r++) {
		const rfx_layer *l = &g->layers[order[r]];
		const rfx_tensor *x = &g->tensors[l->inputs[0]];
		const rfx_tensor *y = &g->tensors[l->outputs[0]];
		uint64_t t = b->layer_ns[order[r]];
		char op[48];
		bench_work w;

		bench_layer_work(g, l, &w);
		bench_layer_op(l, op, sizeof(op));
		bench_json_object(j, NULL);
		bench_json_u64(j, "index", order[r]);
		bench_json_str(j, "name", l->name);
		bench_json_str(j, "op", op);
		bench_json_array_inline(j, "input_shape");
		for (uint32_t d = 0; d < x->rank; d++)
			bench_json_u64(j, NULL, x->dims[d]);
		bench_json_end(j);
		bench_json_array_inline(j, "output_shape");
		for (uint32_t d = 0; d < y->rank; d++)
			bench_json_u64(j, NULL, y->dims[d]);
		bench_json_end(j);
		bench_json_str(j, "precision", bench_precision_name(l->precision));
		bench_json_u64(j, "time_ns", t);
		bench_json_u64(j, "median_ns", b->layer_median_ns[order[r]]);
		bench_json_u64(j, "min_ns", b->layer_min_ns[order[r]]);
		bench_json_f64(j, "percent", sum ? 100.0 * (double)t / (double)sum : 0.0);
		bench_json_u64(j, "macs", w.macs);
		bench_json_f64(j, "ops", w.ops);
		bench_json_bool(j, "integer_ops", w.integer);
		bench_json_f64(j, "bytes", w.bytes);
		if (t && w.ops > 0.0)
			bench_json_f64(j, "gops_per_s", w.ops / (double)t);
		else
			bench_json_null(j, "gops_per_s");
		if (t)
			bench_json_f64(j, "gbytes_per_s", w.bytes / (double)t);
		else
			bench_json_null(j, "gbytes_per_s");
		/* A layer whose work runs in another's dispatch (time 0). */
		uint32_t into = rfx_vk_session_layer_fused_into(b->session, order[r]);
		if (into != order[r])
			bench_json_str(j, "fused_into", g->layers[into].name);
		else
			bench_json_null(j, "fused_into");
		bench_json_end(j);
	}
	free(order);
	bench_json_end(j);
	bench_json_end(j);
}

static void write_rt(bench_json *j, const bench_rt *rt)
{
	bench_json_object(j, "rt");
	bench_json_bool(j, "requested", rt->requested);
	if (rt->requested) {
		bench_json_str(j, "mlockall", rt->mlock_err ? strerror(rt->mlock_err) : "ok");
		bench_json_str(j, "sched_fifo", rt->fifo_err ? strerror(rt->fifo_err) : "ok");
		bench_json_i64(j, "priority", rt->priority);
		bench_json_str(j, "affinity", rt->affinity_err ? strerror(rt->affinity_err) : "ok");
		bench_json_i64(j, "cpu", rt->cpu);
		bench_json_u64_or_null(j, "rlimit_memlock", rt->memlock_limit);
		bench_json_u64_or_null(j, "rlimit_rtprio", rt->rtprio_limit);
	}
	bench_json_end(j);
}

static void write_samples(bench_json *j, const bench *b)
{
	bench_json_object(j, "samples");
	bench_json_array_inline(j, "host_ns");
	for (size_t i = 0; i < b->n; i++)
		bench_json_u64(j, NULL, b->samples[i].host_ns);
	bench_json_end(j);
	bench_json_array_inline(j, "gpu_ns");
	for (size_t i = 0; i < b->n; i++)
		bench_json_u64_or_null(j, NULL, b->samples[i].gpu_ns);
	bench_json_end(j);
	bench_json_array_inline(j, "missed");
	for (size_t i = 0; i < b->n; i++)
		bench_json_u64(j, NULL, (uint64_t)b->samples[i].missed);
	bench_json_end(j);
	bench_json_end(j);
}

int bench_write_json(const bench *b, const char *path)
{
	FILE *f = fopen(path, "w");
	bench_json j;
	int bad;

	if (!f) {
		perror(path);
		return -1;
	}
	bench_json_init(&j, f);
	bench_json_object(&j, NULL);
	bench_json_str(&j, "tool", "rfx-bench");
	bench_json_str(&j, "version", BENCH_VERSION);
	bench_json_str(&j, "reflex_version", rfx_version_string());
	write_host(&j);
	write_options(&j, &b->opt);
	write_device(&j, b);
	write_model(&j, b);
	write_cold(&j, b);
	write_steady(&j, b);
	write_layers(&j, b);
	bench_json_object(&j, "memory");
	bench_json_u64(&j, "arena_bytes", b->stats.arena_bytes);
	bench_json_u64(&j, "tensor_bytes", b->stats.tensor_bytes);
	bench_json_u64(&j, "weight_bytes", b->stats.weight_bytes);
	bench_json_u64(&j, "host_rss_bytes", b->rss_bytes);
	bench_json_u64(&j, "host_peak_rss_bytes", b->hwm_bytes);
	bench_json_end(&j);
	bench_json_object(&j, "recorded");
	bench_json_u64(&j, "dispatches", b->stats.dispatches);
	bench_json_u64(&j, "barriers", b->stats.barriers);
	bench_json_u64(&j, "pipelines", b->stats.pipelines);
	bench_json_end(&j);
	write_rt(&j, &b->rt);
	bench_json_u64(&j, "validation_messages", b->validation_messages);
	write_samples(&j, b);
	bench_json_end(&j);
	bad = j.err | ferror(f);
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "rfx-bench: writing %s failed\n", path);
		return -1;
	}
	return 0;
}
