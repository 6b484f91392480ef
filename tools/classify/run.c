/*
 * The classification run: two sessions of one model, double-buffered, so
 * that while frame N runs on the device, frame N+1 is read, decoded and
 * copied into the other session's mapped frame buffer.
 *
 *   main thread:   next frame from the source (read + decode)
 *                  -> a free session: copy into its frame buffer, set the
 *                     frame size
 *                  -> once the device has finished the previous frame:
 *                     submit                            (job queued)
 *                  -> report finished jobs in order: top-K, annotation
 *   waiter thread: for each queued job in order, rfx_session_wait() until
 *                  the deadline (then on, to collect the frame), and the
 *                  time it finished                    (job done)
 *
 * One frame is on the device at a time, so a frame's latency is its own:
 * the copy into the frame buffer plus submit-to-fence (preprocessing and
 * inference), never time spent queued behind another frame; and the waiter
 * does nothing but wait and read the clock, so host work on other frames
 * does not stretch it. Frames that failed before reaching the device go
 * through the same queue, so every frame is reported in source order.
 *
 * Nothing here drops a frame: a stream is read as fast as the device takes
 * frames. A camera keeps capturing while the run waits, and its source
 * hands out the newest captured frame, counting the older ones it skipped
 * as dropped (source_v4l2.c).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

#define N_SLOTS 2 /* sessions */
#define N_JOBS 8  /* frames between the source and the report */

volatile sig_atomic_t cls_stop;

struct job {
	cls_frame frame;
	int slot;         /* session, or -1: failed before the device */
	uint64_t copy_ns; /* into the mapped frame buffer */
	uint64_t t0, t_done; /* submit, fence seen */
	rfx_status st;    /* submit/wait status */
	int missed;       /* deadline passed before the frame finished */
	int done;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv_main, cv_waiter;
	struct job jobs[N_JOBS];
	uint64_t head, wpos, tail; /* report <= wait <= push, in jobs */
	int quit;
	rfx_session *s[N_SLOTS];
	int busy[N_SLOTS];
	int inflight;              /* jobs submitted, not yet waited for */
	uint64_t deadline_ns;      /* relative; 0: none */
};

struct stats {
	uint64_t frames, ok, failed, missed;
	double *lat_ms;
	size_t n_lat, cap_lat;
	int softmax;
};

static void log_fn(rfx_log_level level, const char *msg, void *user)
{
	(void)user;
	fprintf(stderr, "rfx-classify: reflex %s: %s\n",
		level == RFX_LOG_ERROR ? "error" : "warning", msg);
}

/* ---- engine ------------------------------------------------------------- */

rfx_status cls_engine_open(const cls_options *o, cls_engine *e, char *err,
                           size_t errlen)
{
	rfx_context_options co;
	rfx_tensor_info in, out;
	rfx_device_info di;
	rfx_status st;

	memset(e, 0, sizeof(*e));
	rfx_context_options_default(&co);
	co.backend = o->backend;
	co.device_index = o->device_index;
	co.device_name = o->device_name;
	co.log = log_fn;
	co.log_level = RFX_LOG_WARNING;
	if ((st = rfx_context_create(&co, &e->ctx)) != RFX_OK) {
		snprintf(err, errlen, "cannot create the %s context: %s",
			 o->backend == RFX_BACKEND_CPU ? "CPU" : "Vulkan",
			 rfx_status_str(st));
		return st;
	}
	if (o->backend == RFX_BACKEND_CPU)
		snprintf(e->device, sizeof(e->device), "CPU reference executor");
	else if (rfx_context_device_info(e->ctx, &di) == RFX_OK)
		snprintf(e->device, sizeof(e->device), "%s", di.name);
	if ((st = rfx_model_load_file(e->ctx, o->model_path, &e->model)) != RFX_OK) {
		snprintf(err, errlen, "%s: %s (%s)", o->model_path,
			 rfx_status_str(st), rfx_context_last_error(e->ctx));
		goto fail;
	}
	rfx_model_preprocess(e->model, &e->pp);
	if (rfx_model_input_count(e->model) < 1 ||
	    rfx_model_output_count(e->model) < 1 ||
	    rfx_model_input_info(e->model, 0, &in) != RFX_OK ||
	    rfx_model_output_info(e->model, 0, &out) != RFX_OK) {
		st = RFX_E_UNSUPPORTED;
		snprintf(err, errlen, "%s: no input or output", o->model_path);
		goto fail;
	}
	if (in.rank != 4 || in.dims[0] != 1 || (in.dims[1] != 1 && in.dims[1] != 3)) {
		st = RFX_E_UNSUPPORTED;
		snprintf(err, errlen, "%s: input '%s' is not an image [1, 1 or 3, H, W]",
			 o->model_path, in.name);
		goto fail;
	}
	e->channels = in.dims[1];
	e->in_h = in.dims[2];
	e->in_w = in.dims[3];
	uint64_t n = 1;
	for (uint32_t i = 0; i < out.rank; i++)
		n *= out.dims[i];
	if ((out.dtype != RFX_DTYPE_F32 && out.dtype != RFX_DTYPE_F16) ||
	    n == 0 || n > (1u << 24)) {
		st = RFX_E_UNSUPPORTED;
		snprintf(err, errlen, "%s: output '%s' is not a float score vector",
			 o->model_path, out.name);
		goto fail;
	}
	e->n_classes = (uint32_t)n;
	e->n_labels = rfx_model_label_count(e->model);
	return RFX_OK;
fail:
	cls_engine_close(e);
	return st;
}

void cls_engine_close(cls_engine *e)
{
	rfx_model_destroy(e->model);
	rfx_context_destroy(e->ctx);
	e->model = NULL;
	e->ctx = NULL;
}

/* ---- the waiter --------------------------------------------------------- */

static void *waiter(void *arg)
{
	struct pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->wpos == p->tail && !p->quit)
			pthread_cond_wait(&p->cv_waiter, &p->mu);
		if (p->wpos == p->tail)
			break;
		struct job *j = &p->jobs[p->wpos % N_JOBS];
		pthread_mutex_unlock(&p->mu);
		/* The job is the waiter's until it is marked done. */
		if (j->slot >= 0 && j->st == RFX_OK) {
			rfx_session *s = p->s[j->slot];
			uint64_t dl = p->deadline_ns ? j->t0 + p->deadline_ns : UINT64_MAX;
			rfx_status st = rfx_session_wait(s, dl);
			if (st == RFX_E_DEADLINE) {
				j->missed = 1;
				st = rfx_session_wait(s, UINT64_MAX);
			}
			j->t_done = rfx_time_now_ns();
			j->st = st;
		}
		pthread_mutex_lock(&p->mu);
		if (j->slot >= 0 && j->t0)
			p->inflight--;
		j->done = 1;
		p->wpos++;
		pthread_cond_broadcast(&p->cv_main);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- the report --------------------------------------------------------- */

static float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
	uint32_t bits;
	float f;

	if (e == 0) {
		f = ldexpf((float)m, -24);
		return sign ? -f : f;
	}
	if (e == 31)
		bits = sign | 0x7f800000u | (m << 13);
	else
		bits = sign | ((e + 112) << 23) | (m << 13);
	memcpy(&f, &bits, sizeof(f));
	return f;
}

struct report {
	const cls_options *o;
	cls_engine *e;
	float *scores;
	cls_class *top;
	struct stats st;
};

static const char *label_of(const cls_engine *e, uint32_t i, char *buf, size_t cap)
{
	const char *l = i < e->n_labels ? rfx_model_label(e->model, i) : NULL;

	if (l)
		return l;
	snprintf(buf, cap, "class %u", i);
	return buf;
}

static int add_latency(struct stats *s, double ms)
{
	if (s->n_lat == s->cap_lat) {
		size_t cap = s->cap_lat ? s->cap_lat * 2 : 256;
		double *d = realloc(s->lat_ms, cap * sizeof(*d));
		if (!d)
			return -1;
		s->lat_ms = d;
		s->cap_lat = cap;
	}
	s->lat_ms[s->n_lat++] = ms;
	return 0;
}

static void report_failed(struct report *r, const struct job *j, const char *msg)
{
	r->st.failed++;
	fprintf(stderr, "rfx-classify: %s: %s\n", j->frame.name, msg);
	if (r->o->json) {
		printf("{\"frame\":%llu,\"source\":", (unsigned long long)j->frame.index);
		cls_json_string(stdout, j->frame.name);
		printf(",\"ok\":false,\"error\":");
		cls_json_string(stdout, msg);
		printf("}\n");
	}
}

static void report_job(struct report *r, struct pipe *p, struct job *j)
{
	const cls_options *o = r->o;
	cls_engine *e = r->e;
	char msg[300], lb[32];

	r->st.frames++;
	if (j->frame.status != RFX_OK) {
		report_failed(r, j, j->frame.err);
		return;
	}
	if (j->st != RFX_OK) {
		snprintf(msg, sizeof(msg), "inference failed: %s (%s)",
			 rfx_status_str(j->st), rfx_context_last_error(e->ctx));
		report_failed(r, j, msg);
		return;
	}
	rfx_tensor_info info;
	const void *out = rfx_session_output(p->s[j->slot], 0, &info);
	if (!out) {
		report_failed(r, j, "no output");
		return;
	}
	for (uint32_t i = 0; i < e->n_classes; i++)
		r->scores[i] = info.dtype == RFX_DTYPE_F16 ?
			       half_to_float(((const uint16_t *)out)[i]) :
			       ((const float *)out)[i];
	r->st.softmax = cls_probabilities(r->scores, e->n_classes);
	uint32_t k = cls_top_k(r->scores, e->n_classes, o->top_k, r->top);
	double ms = (double)(j->copy_ns + (j->t_done - j->t0)) / 1e6;
	r->st.ok++;
	r->st.missed += (uint64_t)j->missed;
	if (add_latency(&r->st, ms) != 0)
		fprintf(stderr, "rfx-classify: out of memory for latency statistics\n");

	if (o->json) {
		printf("{\"frame\":%llu,\"source\":", (unsigned long long)j->frame.index);
		cls_json_string(stdout, j->frame.name);
		printf(",\"ok\":true,\"width\":%u,\"height\":%u,\"latency_ms\":%.4f,"
		       "\"decode_ms\":%.4f", j->frame.w, j->frame.h, ms,
		       (double)j->frame.decode_ns / 1e6);
		if (o->deadline_ms > 0)
			printf(",\"deadline_missed\":%s", j->missed ? "true" : "false");
		printf(",\"top\":[");
		for (uint32_t i = 0; i < k; i++) {
			printf("%s{\"class\":%u,\"label\":", i ? "," : "", r->top[i].index);
			cls_json_string(stdout, label_of(e, r->top[i].index, lb, sizeof(lb)));
			printf(",\"p\":%.6g}", (double)r->top[i].p);
		}
		printf("]}\n");
	} else if (!o->quiet) {
		printf("%s  %ux%u  %.2f ms%s\n", j->frame.name, j->frame.w, j->frame.h,
		       ms, j->missed ? "  DEADLINE MISSED" : "");
		for (uint32_t i = 0; i < k; i++)
			printf("    %.4f  %s\n", (double)r->top[i].p,
			       label_of(e, r->top[i].index, lb, sizeof(lb)));
	}
	if (o->annotate_dir && k > 0) {
		char l1[200], l2[64], aerr[300];
		const char *lines[2] = {l1, l2};
		snprintf(l1, sizeof(l1), "%s %.1f%%",
			 label_of(e, r->top[0].index, lb, sizeof(lb)),
			 100.0 * (double)r->top[0].p);
		snprintf(l2, sizeof(l2), "%.2f ms%s", ms, j->missed ? " (late)" : "");
		if (cls_annotate(o->annotate_dir, &j->frame, lines, 2, aerr, sizeof(aerr)) != 0)
			fprintf(stderr, "rfx-classify: %s: annotation: %s\n",
				j->frame.name, aerr);
	}
}

/* Reports every finished job at the head of the queue, in order; with
 * `block`, first waits until at least one job is finished (or none is
 * pending). Called with the lock held; drops it while printing. */
static void drain(struct pipe *p, struct report *r, int block)
{
	if (block)
		while (p->head < p->tail && !p->jobs[p->head % N_JOBS].done)
			pthread_cond_wait(&p->cv_main, &p->mu);
	while (p->head < p->tail && p->jobs[p->head % N_JOBS].done) {
		struct job *j = &p->jobs[p->head % N_JOBS];
		pthread_mutex_unlock(&p->mu);
		report_job(r, p, j);
		cls_frame_finish(&j->frame);
		fflush(stdout);
		pthread_mutex_lock(&p->mu);
		if (j->slot >= 0)
			p->busy[j->slot] = 0;
		p->head++;
	}
}

static int free_slot(const struct pipe *p)
{
	for (int i = 0; i < N_SLOTS; i++)
		if (!p->busy[i])
			return i;
	return -1;
}

/* Copies the frame into the session's buffer and sets its size: the whole
 * frame, or its centre crop_ratio of each side (YUYV: an even width from an
 * even column, whole pixel pairs). */
static rfx_status stage(struct pipe *p, struct job *j, double crop_ratio,
                        uint32_t max_w, uint32_t max_h, char *msg, size_t cap)
{
	rfx_session *s = p->s[j->slot];
	cls_frame *f = &j->frame;
	uint32_t bpp = cls_pixel_bytes(f->format), w = f->w, h = f->h;
	uint32_t x0 = 0, y0 = 0;
	size_t fcap;
	uint8_t *dst = rfx_session_frame(s, &fcap);
	rfx_status st;

	if (w > max_w || h > max_h) {
		snprintf(msg, cap, "frame of %ux%u is larger than the %ux%u the "
			 "sessions were made for", w, h, max_w, max_h);
		return RFX_E_INVALID_ARGUMENT;
	}
	if (crop_ratio < 1.0) {
		w = (uint32_t)lround(f->w * crop_ratio);
		h = (uint32_t)lround(f->h * crop_ratio);
		if (f->format == RFX_PIXEL_YUYV)
			w &= ~1u;
		w = w ? w : (f->format == RFX_PIXEL_YUYV ? 2 : 1);
		h = h ? h : 1;
		x0 = (f->w - w) / 2;
		y0 = (f->h - h) / 2;
		if (f->format == RFX_PIXEL_YUYV)
			x0 &= ~1u;
	}
	size_t row = (size_t)w * bpp;
	if (!dst || row * h > fcap) {
		snprintf(msg, cap, "no frame buffer for a %ux%u frame", w, h);
		return RFX_E_INTERNAL;
	}
	const uint8_t *src = f->px + (size_t)y0 * f->stride + (size_t)x0 * bpp;
	uint64_t t = rfx_time_now_ns();
	for (uint32_t y = 0; y < h; y++)
		memcpy(dst + row * y, src + (size_t)f->stride * y, row);
	j->copy_ns = rfx_time_now_ns() - t;
	if ((st = rfx_session_set_frame(s, w, h, 0)) != RFX_OK)
		snprintf(msg, cap, "%s", rfx_status_str(st));
	return st;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_summary(const cls_options *o, const cls_engine *e,
                          const cls_source *src, struct stats *s,
                          double wall_s)
{
	double p50 = 0, p99 = 0, mx = 0, mean = 0;
	uint32_t vmsg = rfx_context_validation_count(e->ctx);
	uint64_t dropped = src->dropped;

	if (s->n_lat) {
		double *v = s->lat_ms;
		for (size_t i = 0; i < s->n_lat; i++)
			mean += v[i] / (double)s->n_lat;
		qsort(v, s->n_lat, sizeof(*v), cmp_double);
		p50 = cls_percentile(v, s->n_lat, 0.50);
		p99 = cls_percentile(v, s->n_lat, 0.99);
		mx = v[s->n_lat - 1];
	}
	if (o->json) {
		printf("{\"summary\":{\"model\":");
		cls_json_string(stdout, o->model_path);
		printf(",\"device\":");
		cls_json_string(stdout, e->device);
		printf(",\"source\":");
		cls_json_string(stdout, src->desc);
		printf(",\"frames\":%llu,\"ok\":%llu,\"failed\":%llu,\"dropped\":%llu,",
		       (unsigned long long)s->frames, (unsigned long long)s->ok,
		       (unsigned long long)s->failed, (unsigned long long)dropped);
		printf("\"latency_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"max\":%.4f,"
		       "\"mean\":%.4f},", p50, p99, mx, mean);
		if (o->deadline_ms > 0)
			printf("\"deadline_ms\":%g,\"deadline_misses\":%llu,",
			       o->deadline_ms, (unsigned long long)s->missed);
		printf("\"softmax_applied\":%s,\"wall_s\":%.3f,"
		       "\"validation_messages\":%u}}\n",
		       s->softmax ? "true" : "false", wall_s, vmsg);
		return;
	}
	printf("%llu frame%s: %llu classified, %llu failed, %llu dropped (%.2f s)\n",
	       (unsigned long long)s->frames, s->frames == 1 ? "" : "s",
	       (unsigned long long)s->ok, (unsigned long long)s->failed,
	       (unsigned long long)dropped, wall_s);
	if (s->n_lat)
		printf("latency (upload + preprocessing + inference): p50 %.2f ms, "
		       "p99 %.2f ms, max %.2f ms\n", p50, p99, mx);
	if (o->deadline_ms > 0)
		printf("deadline %g ms: %llu missed\n", o->deadline_ms,
		       (unsigned long long)s->missed);
	if (vmsg)
		printf("validation layer: %u messages\n", vmsg);
}

/* ---- the run ------------------------------------------------------------ */

int cls_run(const cls_options *o, cls_engine *e, cls_source *src,
            cls_counts *counts)
{
	struct pipe p;
	struct report r;
	rfx_session_options so;
	pthread_t th;
	char err[512];
	int rc = 1, started = 0, fatal = 0;
	rfx_status st = RFX_OK;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.e = e;
	r.scores = calloc(e->n_classes, sizeof(float));
	r.top = calloc(o->top_k ? o->top_k : 1, sizeof(cls_class));
	if (!r.scores || !r.top) {
		fprintf(stderr, "rfx-classify: out of memory\n");
		goto out;
	}
	rfx_session_options_default(&so);
	so.frame_format = src->format;
	so.frame_max_width = src->max_w;
	so.frame_max_height = src->max_h;
	so.frame_fit = o->fit;
	for (int i = 0; i < N_SLOTS; i++)
		if ((st = rfx_session_create(e->model, &so, &p.s[i])) != RFX_OK) {
			fprintf(stderr, "rfx-classify: cannot create a session: %s (%s)\n",
				rfx_status_str(st), rfx_context_last_error(e->ctx));
			goto out;
		}
	p.deadline_ns = o->deadline_ms > 0 ? (uint64_t)llround(o->deadline_ms * 1e6) : 0;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_main, NULL);
	pthread_cond_init(&p.cv_waiter, NULL);
	if (pthread_create(&th, NULL, waiter, &p) != 0) {
		fprintf(stderr, "rfx-classify: cannot start a thread\n");
		goto out_sync;
	}
	started = 1;
	if (e->n_labels == 0)
		fprintf(stderr, "rfx-classify: %s has no labels: printing class "
			"indices\n", o->model_path);
	else if (e->n_labels != e->n_classes)
		fprintf(stderr, "rfx-classify: %s has %u labels for %u outputs\n",
			o->model_path, e->n_labels, e->n_classes);
	if (!o->json && !o->quiet)
		printf("%s on %s: input %ux%ux%u, %u classes; %s; fit %s\n",
		       o->model_path, e->device, e->channels, e->in_h, e->in_w,
		       e->n_classes, src->desc,
		       o->fit == RFX_FIT_STRETCH ? "stretch" :
		       o->fit == RFX_FIT_LETTERBOX ? "letterbox" : "crop");

	uint64_t t_start = rfx_time_now_ns(), n_in = 0;
	pthread_mutex_lock(&p.mu);
	while (!o->max_frames || n_in < o->max_frames) {
		cls_frame f;
		pthread_mutex_unlock(&p.mu);
		int got = src->next(src, &f, err, sizeof(err));
		pthread_mutex_lock(&p.mu);
		if (got == 0)
			break;
		if (got < 0) {
			pthread_mutex_unlock(&p.mu);
			fprintf(stderr, "rfx-classify: %s\n", err);
			pthread_mutex_lock(&p.mu);
			fatal = 1;
			break;
		}
		n_in++;
		drain(&p, &r, 0);
		int slot = -1;
		if (f.status == RFX_OK)
			while ((slot = free_slot(&p)) < 0)
				drain(&p, &r, 1);
		while (p.tail - p.head == N_JOBS)
			drain(&p, &r, 1);
		struct job *j = &p.jobs[p.tail % N_JOBS];
		memset(j, 0, sizeof(*j));
		j->frame = f;
		j->slot = slot;
		if (slot >= 0) {
			char msg[256];
			p.busy[slot] = 1;
			pthread_mutex_unlock(&p.mu);
			st = stage(&p, j, o->crop_ratio, src->max_w, src->max_h, msg,
				   sizeof(msg));
			pthread_mutex_lock(&p.mu);
			/* One frame on the device at a time. */
			while (st == RFX_OK && p.inflight > 0)
				pthread_cond_wait(&p.cv_main, &p.mu);
			if (st == RFX_OK) {
				j->t0 = rfx_time_now_ns();
				st = rfx_session_submit(p.s[slot]);
				if (st == RFX_OK)
					p.inflight++;
				else
					snprintf(msg, sizeof(msg), "submit: %s", rfx_status_str(st));
			}
			if (st != RFX_OK) {
				j->t0 = 0;
				j->st = st;
				cls_frame_fail(&j->frame, st, "%s", msg);
			}
		}
		p.tail++;
		pthread_cond_signal(&p.cv_waiter);
	}
	while (p.head < p.tail)
		drain(&p, &r, 1);
	p.quit = 1;
	pthread_cond_signal(&p.cv_waiter);
	pthread_mutex_unlock(&p.mu);
	pthread_join(th, NULL);
	started = 0;

	print_summary(o, e, src, &r.st, (double)(rfx_time_now_ns() - t_start) / 1e9);
	if (r.st.frames == 0 && !fatal)
		fprintf(stderr, "rfx-classify: no frames in the input\n");
	rc = (fatal || r.st.failed || r.st.frames == 0) ? 1 : 0;
	if (counts) {
		counts->frames = r.st.frames;
		counts->ok = r.st.ok;
		counts->failed = r.st.failed;
		counts->dropped = src->dropped;
		counts->deadline_misses = r.st.missed;
	}
out_sync:
	if (started) {
		pthread_mutex_lock(&p.mu);
		p.quit = 1;
		pthread_cond_signal(&p.cv_waiter);
		pthread_mutex_unlock(&p.mu);
		pthread_join(th, NULL);
	}
	pthread_cond_destroy(&p.cv_waiter);
	pthread_cond_destroy(&p.cv_main);
	pthread_mutex_destroy(&p.mu);
out:
	for (int i = 0; i < N_SLOTS; i++)
		rfx_session_destroy(p.s[i]);
	free(r.scores);
	free(r.top);
	free(r.st.lat_ms);
	return rc;
}
