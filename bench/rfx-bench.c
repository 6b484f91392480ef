/*
 * rfx-bench: the latency harness. Reads like the run it makes:
 * cold start -> steady state -> per-layer profile -> memory -> reports.
 * Exit status: 0, 1 when a measurement failed, 2 for a usage error.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
	static bench b; /* large; zeroed */
	int rc = 1;

	b.t_main = rfx_time_now_ns();
	switch (bench_options_parse(argc, argv, &b.opt)) {
	case 0:
		break;
	case 1:
		return 0;
	default:
		return 2;
	}
	if (bench_cold_start(&b) != 0 || bench_steady(&b) != 0 ||
	    bench_profile(&b) != 0)
		goto out;
	rfx_session_stats_get(b.session, &b.stats);
	bench_rss(&b.rss_bytes, &b.hwm_bytes);
	b.validation_messages = rfx_context_validation_count(b.ctx);
	bench_report(&b, stdout);
	fflush(stdout);
	rc = 0;
	if (b.opt.json && bench_write_json(&b, b.opt.json) != 0)
		rc = 1;
	if (b.opt.plot && bench_write_plot(&b, b.opt.plot) != 0)
		rc = 1;
out:
	rfx_session_destroy(b.session);
	rfx_model_destroy(b.model);
	rfx_context_destroy(b.ctx);
	bench_tmpdir_remove(b.tmp_dir);
	free(b.samples);
	free(b.layer_ns);
	free(b.layer_median_ns);
	free(b.layer_min_ns);
	free(b.profile_run_total_ns);
	free(b.profile_run_whole_ns);
	return rc;
}
