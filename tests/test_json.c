#include "check.h"
#include "core/json.h"
#include "core/utf8.h"

#include <stdlib.h>

static char *buf;
static size_t len;

static FILE *mem(void)
{
    free(buf);
    buf = 0;
    return open_memstream(&buf, &len);
}

/* RFC 6531's two questions of an address. */
static void addresses(void)
{
    CHECK(!utf8_non_ascii("a@b.test") && utf8_valid("a@b.test"));
    CHECK(utf8_non_ascii("j\xc3\xbcrg@x.test") && utf8_valid("j\xc3\xbcrg@x.test"));
    CHECK(utf8_valid("\xf0\x9f\x93\xa7@x.test"));
    CHECK(!utf8_valid("\x80@x.test"));           /* a lone continuation byte */
    CHECK(!utf8_valid("\xc0\xaf@x.test"));       /* an overlong '/' */
    CHECK(!utf8_valid("\xed\xa0\x80@x.test"));  /* a surrogate */
    CHECK(!utf8_valid("a\xc3"));                  /* cut short */
}

int main(void)
{
    addresses();
    struct json j;
    FILE *f = mem();
    json_begin(&j, f);
    json_object(&j, 0);
    json_int(&j, "a", -3);
    json_uint(&j, "b", 18446744073709551615ull);
    json_double(&j, "c", 1.5, 3);
    json_double(&j, "nan", 0.0 / 0.0, 3);
    json_bool(&j, "t", 1);
    json_null(&j, "n");
    json_array(&j, "list");
    json_int(&j, 0, 1);
    json_int(&j, 0, 2);
    json_object(&j, 0);
    json_end(&j);
    json_end(&j);
    json_object(&j, "empty");
    json_end(&j);
    json_end(&j);
    fclose(f);
    CHECK_STR(buf, "{\"a\":-3,\"b\":18446744073709551615,\"c\":1.500,\"nan\":null,"
                   "\"t\":true,\"n\":null,\"list\":[1,2,{}],\"empty\":{}}");

    /* Hostile strings: what a server may put in a reply. */
    const char hostile[] = "q\"b\\s/\n\r\t\x01\x1f\x7f" "\xff\xc3\xa9\xe2\x82\xac\xed\xa0\x80\xc0\xaf" "\0z";
    f = mem();
    json_begin(&j, f);
    json_string_n(&j, 0, hostile, sizeof(hostile) - 1);
    fclose(f);
    CHECK_STR(buf, "\"q\\\"b\\\\s/\\n\\r\\t\\u0001\\u001f\\u007f"
                   "\\ufffd\xc3\xa9\xe2\x82\xac\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\u0000z\"");

    /* A key is escaped too; a NULL string is null. */
    f = mem();
    json_begin(&j, f);
    json_object(&j, 0);
    json_string(&j, "k\"", 0);
    json_end(&j);
    fclose(f);
    CHECK_STR(buf, "{\"k\\\"\":null}");
    free(buf);
    return check_done("json");
}
