/* report.h — rfx-convert's int8 report on a stream: a table for people,
 * a JSON object for programs. */
#ifndef RFX_CONVERT_REPORT_H
#define RFX_CONVERT_REPORT_H

#include <stdio.h>

#include "convert/accuracy.h"

void rfx_quant_report_print(FILE *f, const rfx_quant_report *r);
/* One JSON object (no newline): the "int8" member's value. */
void rfx_quant_report_json(FILE *f, const rfx_quant_report *r);

#endif
