/* The rfx-classify suite's test cases, one file each. */
#ifndef RFX_TEST_CLASSIFY_H
#define RFX_TEST_CLASSIFY_H

#include <check.h>

TCase *classify_decode_tcase(void);
TCase *classify_report_tcase(void);
TCase *classify_pipeline_tcase(void);
TCase *classify_fashion_tcase(void); /* needs rfx-convert */
TCase *classify_camera_tcase(void);

#endif
