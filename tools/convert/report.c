/* rfx-convert's int8 report (see report.h). */
#include <math.h>
#include <string.h>

#include "convert/report.h"

static const char *prec_name(rfx_dtype dt)
{
	switch (dt) {
	case RFX_DTYPE_I8: return "int8";
	case RFX_DTYPE_F16: return "fp16";
	default: return "fp32";
	}
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number, or null where JSON has none (NaN, infinities). */
static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void sqnr_str(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "exact" : "-inf");
	else
		snprintf(buf, len, "%.1f", v);
}

void rfx_quant_report_print(FILE *f, const rfx_quant_report *r)
{
	char s1[32], s2[32];
	int w = 24;

	for (uint32_t k = 0; k < r->n_layers; k++) {
		int n = (int)strlen(r->layers[k].name);
		w = n > w ? (n > 48 ? 48 : n) : w;
	}
	fprintf(f, "  int8: %u layers int8, %u fp16, %u fp32; %u quantize, %u "
		"dequantize\n", r->n_i8, r->n_f16, r->n_f32, r->n_quantize,
		r->n_dequantize);
	if (r->calib_samples)
		fprintf(f, "  calibration: %u images, %s\n", r->calib_samples,
			r->method);
	if (r->qdq_params_used)
		fprintf(f, "  the model's own scales: %u tensors (%u Q/DQ "
			"pairs, %u quantized constants, %u QLinear ops)\n",
			r->qdq_params_used, r->qdq_pairs, r->qdq_consts,
			r->qdq_qlinear);
	if (!r->eval_samples)
		return;
	fprintf(f, "  accuracy on %u %s images (int8 graph vs fp32, CPU "
		"reference):\n", r->eval_samples,
		r->eval_is_calib ? "calibration" : "evaluation");
	fprintf(f, "    (SQNR: end to end; own: the layer alone on exact "
		"inputs)\n");
	fprintf(f, "    %-*s %-11s %-5s %8s %8s %9s\n", w, "layer", "op", "prec",
		"SQNR dB", "own dB", "cosine");
	for (uint32_t k = 0; k < r->n_layers; k++) {
		const rfx_quant_layer_stat *l = &r->layers[k];
		sqnr_str(l->sqnr_db, s1, sizeof(s1));
		sqnr_str(l->own_sqnr_db, s2, sizeof(s2));
		fprintf(f, "    %-*.*s %-11s %-5s %8s %8s %9.5f%s\n", w, w,
			l->name, rfx_op_name(l->op), prec_name(l->precision), s1,
			s2, l->cosine, l->demoted ? "  (kept in fp16)" : "");
	}
	if (r->top1_rows)
		fprintf(f, "  top-1 agreement: %u/%u (%.1f%%)\n", r->top1_same,
			r->top1_rows, 100.0 * r->top1_same / r->top1_rows);
	sqnr_str(r->output_sqnr_db, s1, sizeof(s1));
	fprintf(f, "  output: SQNR %s dB, cosine %.5f\n", s1, r->output_cosine);
	if (r->mixed) {
		fprintf(f, "  mixed precision: %u layer%s kept in fp16 (own int8 "
			"SQNR below %.1f dB)", r->demoted,
			r->demoted == 1 ? "" : "s", r->min_sqnr);
		const char *sep = ": ";
		for (uint32_t k = 0; k < r->n_layers; k++) {
			if (!r->layers[k].demoted)
				continue;
			fprintf(f, "%s%s", sep, r->layers[k].name);
			sep = ", ";
		}
		fputc('\n', f);
	}
}

void rfx_quant_report_json(FILE *f, const rfx_quant_report *r)
{
	fprintf(f, "{\"layers_int8\": %u, \"layers_fp16\": %u, "
		"\"layers_fp32\": %u, \"quantize\": %u, \"dequantize\": %u, "
		"\"activations_split\": %u, \"calibration\": {\"method\": ",
		r->n_i8, r->n_f16, r->n_f32, r->n_quantize, r->n_dequantize,
		r->split);
	json_str(f, r->method);
	fprintf(f, ", \"images\": %u}, \"qdq\": {\"pairs\": %u, "
		"\"constants\": %u, \"qlinear\": %u, \"tensors\": %u}, ",
		r->calib_samples, r->qdq_pairs, r->qdq_consts, r->qdq_qlinear,
		r->qdq_params_used);
	fprintf(f, "\"accuracy\": {\"images\": %u, \"set\": \"%s\", "
		"\"top1_agreement\": ", r->eval_samples,
		!r->eval_samples ? "none"
		: r->eval_is_calib ? "calibration" : "evaluation");
	json_num(f, r->top1_rows ? (double)r->top1_same / r->top1_rows : NAN);
	fprintf(f, ", \"top1_same\": %u, \"top1_rows\": %u, "
		"\"output_sqnr_db\": ", r->top1_same, r->top1_rows);
	json_num(f, r->output_sqnr_db);
	fputs(", \"output_cosine\": ", f);
	json_num(f, r->output_cosine);
	fprintf(f, "}, \"mixed_precision\": {\"enabled\": %s, "
		"\"min_sqnr_db\": ", r->mixed ? "true" : "false");
	json_num(f, r->mixed ? r->min_sqnr : NAN);
	fprintf(f, ", \"rounds\": %u, \"kept_fp16\": [", r->rounds);
	const char *sep = "";
	for (uint32_t k = 0; k < r->n_layers; k++) {
		if (!r->layers[k].demoted)
			continue;
		fputs(sep, f);
		json_str(f, r->layers[k].name);
		sep = ", ";
	}
	fputs("]}, \"layers\": [", f);
	for (uint32_t k = 0; k < r->n_layers; k++) {
		const rfx_quant_layer_stat *l = &r->layers[k];
		fputs(k ? ", {\"name\": " : "{\"name\": ", f);
		json_str(f, l->name);
		fputs(", \"tensor\": ", f);
		json_str(f, l->tensor);
		fprintf(f, ", \"op\": \"%s\", \"precision\": \"%s\", "
			"\"kept_fp16\": %s, \"from_qdq\": %s, \"range\": ",
			rfx_op_name(l->op), prec_name(l->precision),
			l->demoted ? "true" : "false",
			l->from_qdq ? "true" : "false");
		if (l->have_range) {
			fputc('[', f);
			json_num(f, l->lo);
			fputs(", ", f);
			json_num(f, l->hi);
			fputc(']', f);
		} else {
			fputs("null", f);
		}
		if (l->precision == RFX_DTYPE_I8) {
			fputs(", \"scale\": ", f);
			json_num(f, l->scale);
			fprintf(f, ", \"zero_point\": %d", (int)l->zero_point);
		}
		fputs(", \"sqnr_db\": ", f);
		json_num(f, l->sqnr_db);
		fputs(", \"own_sqnr_db\": ", f);
		json_num(f, l->own_sqnr_db);
		fprintf(f, ", \"exact\": %s, \"cosine\": ",
			isinf(l->sqnr_db) && l->sqnr_db > 0 ? "true" : "false");
		json_num(f, l->cosine);
		fputc('}', f);
	}
	fputs("]}", f);
}
