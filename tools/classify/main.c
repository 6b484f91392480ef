/*
 * rfx-classify: classifies image files, folders, a raw frame stream or a
 * V4L2 camera with a .rfx model, printing the top-K classes and the latency
 * of each frame and a summary. Exit status: 0 when every frame was
 * classified, 1 when any failed (each failure is reported on stderr and the
 * run goes on), 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"

#define MAX_TOP_K 1000

static const char usage[] =
	"Usage: rfx-classify MODEL.rfx INPUT... [OPTIONS]\n"
	"       rfx-classify MODEL.rfx --stream WxH --pixel FORMAT [OPTIONS] < frames\n"
	"       rfx-classify MODEL.rfx --camera /dev/videoN [OPTIONS]\n"
	"\n"
	"Classifies frames with a reflex model: image files (JPEG, PNG, BMP),\n"
	"folders of them (in name order), raw frames on stdin, or a V4L2 camera.\n"
	"Each frame is resized, colour-converted and normalized on the device\n"
	"with the model's own preprocessing, then classified; prints the top-K\n"
	"classes with probabilities and the latency (upload + preprocessing +\n"
	"inference), then a summary.\n"
	"\n"
	"Inputs:\n"
	"      --stream WxH         read raw WxH frames from stdin until it ends\n"
	"      --pixel FORMAT       their format: rgb24, bgr24, gray8, yuyv, rgba32\n"
	"      --camera DEV         capture from a V4L2 device (YUYV or MJPEG);\n"
	"                           runs until --frames or Ctrl-C\n"
	"      --camera-format F    yuyv or mjpeg (default: yuyv if offered)\n"
	"      --camera-size WxH    frame size (default: the smallest in the\n"
	"                           device's list that covers the model's input)\n"
	"  -n, --frames N           stop after N frames\n"
	"\n"
	"Options:\n"
	"  -b, --backend B          vulkan (default) or cpu (reference executor)\n"
	"  -d, --device SEL         Vulkan device: index or part of the name\n"
	"                           (see rfx-info)\n"
	"      --fit F              how a frame of another shape fills the input:\n"
	"                           crop (default: scale to cover, keep the\n"
	"                           centre), letterbox (fit inside, pad black)\n"
	"                           or stretch\n"
	"      --crop-ratio R       first keep the centre R of each side of the\n"
	"                           frame (0 < R <= 1; ImageNet's \"resize 256,\n"
	"                           crop 224\" is --crop-ratio 0.875)\n"
	"  -k, --top K              classes per frame (default 5)\n"
	"      --deadline-ms D      count frames not finished D ms after upload\n"
	"  -j, --json               one JSON object per frame, then a summary one\n"
	"  -a, --annotate DIR       write each frame as DIR/NNNNNN_name.png with\n"
	"                           its top-1 class, probability and latency\n"
	"  -q, --quiet              print only the summary (and errors)\n"
	"  -h, --help               this help\n"
	"  -V, --version            the version\n"
	"\n"
	"A model whose output is not already a probability vector (values in\n"
	"[0, 1] summing to 1) gets a softmax. Exit status: 0 when every frame was\n"
	"classified, 1 when any failed, 2 for a usage error.\n";

static void fail_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rfx-classify: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'rfx-classify --help'.\n");
	exit(2);
}

static int parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (end == s || (*end != 'x' && *end != 'X') || errno)
		return -1;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (end == s || *end || errno || a == 0 || b == 0 || a > CLS_MAX_SIDE ||
	    b > CLS_MAX_SIDE)
		return -1;
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}

static uint64_t parse_count(const char *s, const char *opt, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || *end || errno || v == 0 || v > max || s[0] == '-')
		fail_usage("%s needs a whole number from 1 to %llu, not '%s'", opt,
			   (unsigned long long)max, s);
	return v;
}

struct args {
	cls_options o;
	const char *stream, *pixel, *camera, *camera_format, *camera_size;
	char **inputs;
	int n_inputs;
};

static void parse_args(int argc, char **argv, struct args *a)
{
	enum { O_STREAM = 256, O_PIXEL, O_CAMERA, O_CAMERA_FORMAT,
	       O_CAMERA_SIZE, O_FIT, O_CROP_RATIO, O_DEADLINE };
	static const struct option opts[] = {
		{"stream", required_argument, NULL, O_STREAM},
		{"pixel", required_argument, NULL, O_PIXEL},
		{"camera", required_argument, NULL, O_CAMERA},
		{"camera-format", required_argument, NULL, O_CAMERA_FORMAT},
		{"camera-size", required_argument, NULL, O_CAMERA_SIZE},
		{"frames", required_argument, NULL, 'n'},
		{"backend", required_argument, NULL, 'b'},
		{"device", required_argument, NULL, 'd'},
		{"fit", required_argument, NULL, O_FIT},
		{"crop-ratio", required_argument, NULL, O_CROP_RATIO},
		{"top", required_argument, NULL, 'k'},
		{"deadline-ms", required_argument, NULL, O_DEADLINE},
		{"json", no_argument, NULL, 'j'},
		{"annotate", required_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	cls_options *o = &a->o;
	int c;

	memset(a, 0, sizeof(*a));
	o->backend = RFX_BACKEND_VULKAN;
	o->device_index = -1;
	o->fit = RFX_FIT_CENTER_CROP;
	o->crop_ratio = 1.0;
	o->top_k = 5;
	while ((c = getopt_long(argc, argv, "n:b:d:k:ja:qhV", opts, NULL)) != -1) {
		switch (c) {
		case O_STREAM: a->stream = optarg; break;
		case O_PIXEL: a->pixel = optarg; break;
		case O_CAMERA: a->camera = optarg; break;
		case O_CAMERA_FORMAT:
			if (strcmp(optarg, "yuyv") != 0 && strcmp(optarg, "mjpeg") != 0)
				fail_usage("--camera-format is yuyv or mjpeg, not '%s'", optarg);
			a->camera_format = optarg;
			break;
		case O_CAMERA_SIZE: a->camera_size = optarg; break;
		case 'n': o->max_frames = parse_count(optarg, "--frames", UINT64_MAX); break;
		case 'b':
			if (strcmp(optarg, "vulkan") == 0)
				o->backend = RFX_BACKEND_VULKAN;
			else if (strcmp(optarg, "cpu") == 0)
				o->backend = RFX_BACKEND_CPU;
			else
				fail_usage("--backend is vulkan or cpu, not '%s'", optarg);
			break;
		case 'd': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg && !*end && v >= 0 && v < 1000)
				o->device_index = (int)v;
			else
				o->device_name = optarg;
			break;
		}
		case O_FIT:
			if (strcmp(optarg, "crop") == 0)
				o->fit = RFX_FIT_CENTER_CROP;
			else if (strcmp(optarg, "letterbox") == 0)
				o->fit = RFX_FIT_LETTERBOX;
			else if (strcmp(optarg, "stretch") == 0)
				o->fit = RFX_FIT_STRETCH;
			else
				fail_usage("--fit is crop, letterbox or stretch, not '%s'", optarg);
			break;
		case O_CROP_RATIO: {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(v > 0 && v <= 1))
				fail_usage("--crop-ratio needs a number in (0, 1], not '%s'",
					   optarg);
			o->crop_ratio = v;
			break;
		}
		case 'k': o->top_k = (uint32_t)parse_count(optarg, "--top", MAX_TOP_K); break;
		case O_DEADLINE: {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(v) || v <= 0 ||
			    v > 3.6e6)
				fail_usage("--deadline-ms needs a positive number of "
					   "milliseconds, not '%s'", optarg);
			o->deadline_ms = v;
			break;
		}
		case 'j': o->json = 1; break;
		case 'a': o->annotate_dir = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(usage, stdout); exit(0);
		case 'V': printf("rfx-classify %s\n", rfx_version_string()); exit(0);
		default: fail_usage("unknown option");
		}
	}
	if (optind >= argc)
		fail_usage("no model given");
	o->model_path = argv[optind++];
	a->inputs = argv + optind;
	a->n_inputs = argc - optind;
	int kinds = (a->n_inputs > 0) + (a->stream != NULL) + (a->camera != NULL);
	if (kinds == 0)
		fail_usage("no input: give image files or folders, --stream or --camera");
	if (kinds > 1)
		fail_usage("give image files/folders, --stream or --camera, not several");
	if (a->stream && !a->pixel)
		fail_usage("--stream needs --pixel");
	if (a->pixel && !a->stream)
		fail_usage("--pixel goes with --stream");
	if ((a->camera_format || a->camera_size) && !a->camera)
		fail_usage("--camera-format and --camera-size go with --camera");
}

static void on_signal(int sig)
{
	(void)sig;
	cls_stop = 1;
}

int main(int argc, char **argv)
{
	struct args a;
	cls_engine e;
	cls_source *src = NULL;
	char err[512];
	rfx_status st;
	int rc;

	parse_args(argc, argv, &a);
	/* Checked before the model is loaded: these are usage errors. */
	uint32_t sw = 0, sh = 0, cw = 0, ch = 0;
	rfx_pixel_format pix = RFX_PIXEL_NONE;
	if (a.stream) {
		if (parse_size(a.stream, &sw, &sh) != 0)
			fail_usage("--stream needs WxH (1..%u each), not '%s'",
				   CLS_MAX_SIDE, a.stream);
		if ((pix = cls_pixel_parse(a.pixel)) == RFX_PIXEL_NONE)
			fail_usage("--pixel is rgb24, bgr24, gray8, yuyv or rgba32, "
				   "not '%s'", a.pixel);
		if (pix == RFX_PIXEL_YUYV && (sw & 1))
			fail_usage("yuyv frames have an even width, not %u", sw);
		if (isatty(STDIN_FILENO))
			fail_usage("--stream reads frames from stdin: pipe them in");
	}
	if (a.camera_size && parse_size(a.camera_size, &cw, &ch) != 0)
		fail_usage("--camera-size needs WxH, not '%s'", a.camera_size);

	if ((st = cls_engine_open(&a.o, &e, err, sizeof(err))) != RFX_OK) {
		fprintf(stderr, "rfx-classify: %s\n", err);
		return 1;
	}
	int channels = (int)e.channels;
	if (a.stream)
		st = cls_source_stream(STDIN_FILENO, "stdin", sw, sh, pix, &src,
				       err, sizeof(err));
	else if (a.camera)
		st = cls_source_v4l2(a.camera, a.camera_format, e.in_w, e.in_h, cw,
				     ch, channels, &src, err, sizeof(err));
	else
		st = cls_source_files(a.inputs, a.n_inputs, channels, &src, err,
				      sizeof(err));
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-classify: %s\n", err);
		cls_engine_close(&e);
		return 1;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking reads return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = cls_run(&a.o, &e, src, NULL);
	src->destroy(src);
	cls_engine_close(&e);
	return rc;
}
