/*
 * fuzz_onnx.c — bytes as an ONNX file through rfx-convert's import
 * pipeline (tools/convert/convert.h): protobuf parsing, shape inference,
 * constant folding, translation, simplification and lowering through the
 * graph builder, fp32 and fp16 (byte 0's low bit), without the golden run
 * (that is the CPU reference, fuzzed by fuzz_rfx).
 */
#include <string.h>

#include "convert/convert.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rfx_convert_options opt;
	rfx_graph g;
	char err[512];

	if (size < 1)
		return 0;
	rfx_convert_options_default(&opt);
	opt.precision = data[0] & 1 ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
	opt.input_w = opt.input_h = 32;
	if (rfx_convert_onnx(data + 1, size - 1, &opt, &g, NULL, err,
			     sizeof(err)) == RFX_OK)
		rfx_graph_finish(&g);
	return 0;
}
