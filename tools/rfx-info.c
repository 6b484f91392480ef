/* rfx-info: lists the Vulkan devices, what reflex's kernels can use on each,
 * and which one reflex would choose. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reflex.h"

static const char *type_name(int t)
{
	static const char *names[] = {"other", "integrated GPU", "discrete GPU",
				      "virtual GPU", "CPU"};
	return t >= 0 && t <= 4 ? names[t] : "other";
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rfx-info [OPTIONS]\n"
		"List Vulkan devices and the features reflex uses.\n\n"
		"  -d, --device SEL   mark the device SEL (index or name part)\n"
		"                     as chosen instead of the default choice\n"
		"  -j, --json         print JSON instead of text\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n\n"
		"Environment: RFX_DEVICE selects a device like --device.\n");
}

static void print_text(const rfx_device_info *d)
{
	printf("%s[%u] %s (%s)\n", d->chosen ? "* " : "  ", d->index, d->name,
	       type_name(d->type));
	printf("      driver: %s %s, Vulkan %u.%u.%u, vendor 0x%04x device 0x%04x\n",
	       d->driver_name, d->driver_info, d->api_version >> 22,
	       (d->api_version >> 12) & 0x3ff, d->api_version & 0xfff,
	       d->vendor_id, d->device_id);
	printf("      fp16 arithmetic: %s, int8 arithmetic: %s, 8-bit storage: %s, "
	       "16-bit storage: %s\n",
	       d->shader_float16 ? "yes" : "no", d->shader_int8 ? "yes" : "no",
	       d->storage_8bit ? "yes" : "no", d->storage_16bit ? "yes" : "no");
	printf("      integer dot product: %s (4x8 signed accelerated: %s)\n",
	       d->integer_dot_product ? "yes" : "no",
	       d->integer_dot_accelerated ? "yes" : "no");
	printf("      subgroup size %u, compute subgroup ops 0x%x\n",
	       d->subgroup_size, d->subgroup_ops);
	printf("      timestamps: %s, period %.3f ns\n",
	       d->timestamps ? "yes" : "no", d->timestamp_period_ns);
	printf("      max workgroup %u x %u x %u, %u invocations; push constants %u B\n",
	       d->max_workgroup_size[0], d->max_workgroup_size[1],
	       d->max_workgroup_size[2], d->max_workgroup_invocations,
	       d->max_push_constants_size);
	printf("      maxStorageBufferRange %u B, maxTexelBufferElements %u\n",
	       d->max_storage_buffer_range, d->max_texel_buffer_elements);
	printf("      device-local heap %.1f MiB, host-visible: %s\n",
	       (double)d->device_local_bytes / (1024.0 * 1024.0),
	       d->device_local_host_visible ? "yes" : "no");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const rfx_device_info *d, uint32_t n)
{
	printf("{\"reflex\": \"%s\", \"devices\": [", rfx_version_string());
	for (uint32_t i = 0; i < n; i++, d++) {
		printf("%s\n  {\"index\": %u, \"name\": ", i ? "," : "", d->index);
		json_str(d->name);
		printf(", \"type\": \"%s\", \"chosen\": %s, \"driver_name\": ",
		       type_name(d->type), d->chosen ? "true" : "false");
		json_str(d->driver_name);
		printf(", \"driver_info\": ");
		json_str(d->driver_info);
		printf(", \"api_version\": \"%u.%u.%u\", \"vendor_id\": %u, "
		       "\"device_id\": %u, \"shader_float16\": %s, \"shader_int8\": %s, "
		       "\"storage_8bit\": %s, \"storage_16bit\": %s, "
		       "\"integer_dot_product\": %s, \"integer_dot_accelerated\": %s, "
		       "\"subgroup_size\": %u, \"subgroup_ops\": %u, "
		       "\"timestamps\": %s, \"timestamp_period_ns\": %g, "
		       "\"max_workgroup_size\": [%u, %u, %u], "
		       "\"max_workgroup_invocations\": %u, "
		       "\"max_storage_buffer_range\": %u, "
		       "\"max_texel_buffer_elements\": %u, "
		       "\"max_push_constants_size\": %u, "
		       "\"device_local_bytes\": %llu, "
		       "\"device_local_host_visible\": %s}",
		       d->api_version >> 22, (d->api_version >> 12) & 0x3ff,
		       d->api_version & 0xfff, d->vendor_id, d->device_id,
		       d->shader_float16 ? "true" : "false",
		       d->shader_int8 ? "true" : "false",
		       d->storage_8bit ? "true" : "false",
		       d->storage_16bit ? "true" : "false",
		       d->integer_dot_product ? "true" : "false",
		       d->integer_dot_accelerated ? "true" : "false",
		       d->subgroup_size, d->subgroup_ops,
		       d->timestamps ? "true" : "false",
		       (double)d->timestamp_period_ns, d->max_workgroup_size[0],
		       d->max_workgroup_size[1], d->max_workgroup_size[2],
		       d->max_workgroup_invocations, d->max_storage_buffer_range,
		       d->max_texel_buffer_elements, d->max_push_constants_size,
		       (unsigned long long)d->device_local_bytes,
		       d->device_local_host_visible ? "true" : "false");
	}
	printf("\n]}\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"device", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	rfx_context_options opt;
	rfx_device_info devs[16];
	uint32_t n = 0;
	int json = 0, c;

	rfx_context_options_default(&opt);
	while ((c = getopt_long(argc, argv, "d:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt.device_name = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rfx-info %s\n", rfx_version_string()); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rfx-info: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	rfx_status st = rfx_device_list(&opt, devs, 16, &n);
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-info: %s\n", rfx_status_str(st));
		if (st == RFX_E_NO_DEVICE)
			fprintf(stderr, "rfx-info: install a Vulkan driver "
					"(Debian: mesa-vulkan-drivers)\n");
		return 1;
	}
	if (n > 16)
		n = 16;
	if (json) {
		print_json(devs, n);
		return 0;
	}
	printf("reflex %s: %u Vulkan device%s (* = chosen)\n", rfx_version_string(),
	       n, n == 1 ? "" : "s");
	for (uint32_t i = 0; i < n; i++)
		print_text(&devs[i]);
	return 0;
}
