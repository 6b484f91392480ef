/* Helpers shared by the rfx-classify tests that run programs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check_util.h"
#include "test_classify_util.h"

char *cls_test_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

int cls_test_sh(const char *cmd)
{
	int st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st), "%s did not exit", cmd);
	return WEXITSTATUS(st);
}

int cls_test_json_lines(const char *text, jval **lines, int cap)
{
	char *copy = strdup(text), *save = NULL, err[200];
	int n = 0;

	ck_assert_ptr_nonnull(copy);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_int_lt(n, cap);
		lines[n] = json_parse(line, err, sizeof(err));
		ck_assert_msg(lines[n], "not JSON (%s): %s", err, line);
		n++;
	}
	free(copy);
	return n;
}

double cls_test_num(const jval *obj, const char *key)
{
	const jval *v = json_get(obj, key);
	ck_assert_msg(v && v->t == J_NUM, "no number '%s'", key);
	return v->num;
}
