#include "test.h"

#include "buf.h"

static void
test_add_and_limit(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_addstr(&b, "abcd"), 0);
	assert_int_equal(buf_printf(&b, "%d", 123), 0);
	assert_string_equal(b.data, "abcd123");
	assert_int_equal(buf_addstr(&b, "xy"), -1);
	assert_true(b.overflow);
	/* Overflow is sticky: even a byte that would fit is refused. */
	assert_int_equal(buf_addc(&b, 'z'), -1);
	assert_int_equal(b.len, 7);
	buf_reset(&b);
	assert_false(b.overflow);
	assert_int_equal(buf_add(&b, "12345678", 8), 0);
	assert_int_equal(b.len, 8);
	assert_int_equal(b.data[8], '\0');
	buf_free(&b);
}

static void
test_printf_limit(void **state)
{
	struct buf b;

	buf_init(&b, 4);
	assert_int_equal(buf_printf(&b, "%s", "hello"), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_steal(void **state)
{
	struct buf b;
	size_t len;
	char *s;

	buf_init(&b, 100);
	s = buf_steal(&b, &len);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	buf_add(&b, "a\0b", 3);
	s = buf_steal(&b, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 3);
	assert_null(b.data);
	free(s);
}

static void
test_spans(void **state)
{
	struct span s = span_cstr("  Via \t");
	unsigned long v;

	assert_true(span_eq_str_nocase(span_trim(s), "VIA"));
	assert_false(span_eq_str_nocase(span_trim(s), "VIAS"));
	s = span_cstr("\r\n \tsip:a@b \r\n\t");
	assert_true(span_eq_str_nocase(span_trim_lws(s), "sip:a@b"));
	assert_int_equal(span_trim_lws(span_cstr(" \r\n")).len, 0);
	assert_true(span_eq_str_nocase((struct span){ "", 0 }, ""));
	assert_false(span_eq_str_nocase((struct span){ "v\0a", 3 }, "v"));
	assert_true(
	    span_has_prefix_nocase(span_cstr("Content-Type"), "content"));
	assert_true(span_to_u32(span_cstr("0070"), 255, &v));
	assert_int_equal(v, 70);
	assert_false(span_to_u32(span_cstr("256"), 255, &v));
	assert_false(span_to_u32(span_cstr("4294967296"), 0xffffffffUL, &v));
	assert_true(span_to_u32(span_cstr("4294967295"), 0xffffffffUL, &v));
	assert_false(span_to_u32(span_cstr(""), 10, &v));
	assert_false(span_to_u32(span_cstr("-1"), 10, &v));
	assert_false(span_to_u32(span_cstr("1 "), 10, &v));
	assert_non_null(span_chr(span_cstr("a;b"), ';'));
	assert_null(span_chr((struct span){ NULL, 0 }, ';'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_limit),
		cmocka_unit_test(test_printf_limit),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_spans),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
