/* The strict JSON reader under --merge: what RFC 8259 allows reads back
 * exactly (strings decoded, numbers by their text, integers exact to 64
 * bits), and everything else is refused with the line and column. */
#include "check.h"
#include "merge/jsonread.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parses(const char *text)
{
    struct jr_doc d;
    int rc = jr_parse(&d, text, strlen(text));
    jr_free(&d);
    return rc == 0;
}

/* The error for text, which must be refused. */
static const char *refusal(const char *text, size_t len)
{
    static char why[sizeof(((struct jr_doc *)0)->error)];
    struct jr_doc d;
    int rc = jr_parse(&d, text, len);
    snprintf(why, sizeof(why), "%s", rc < 0 ? d.error : "(accepted)");
    jr_free(&d);
    return why;
}

#define REFUSED(text, want) CHECK_STR(refusal(text, sizeof(text) - 1), want)

static void strictness(void)
{
    CHECK(parses("{}") && parses("[]") && parses(" \t\r\n0 \n") && parses("-0.5e+10"));
    CHECK(parses("\"\\u00e9\\ud83d\\ude00\\/\"") && parses("\"\xc3\xa9\xf0\x9f\x98\x80\""));
    CHECK(parses("{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":false}"));
    REFUSED("", "line 1, column 1: the text ends where a value should be");
    REFUSED("{} x", "line 1, column 4: text after the value");
    REFUSED("[1,]", "line 1, column 4: not a value");
    REFUSED("{\"a\":1,}", "line 1, column 8: a member must begin with a key in quotes");
    REFUSED("{\"a\" 1}", "line 1, column 6: a key without its colon");
    REFUSED("{\"a\":1 \"b\":2}", "line 1, column 8: a member without a comma or closing brace after it");
    REFUSED("[1 2]", "line 1, column 4: an element without a comma or closing bracket after it");
    REFUSED("{\"a\":1,\n\"a\":2}", "line 2, column 4: the key \"a\" twice in one object");
    /* A key's bytes are shown as every message shows text: no raw control byte. */
    REFUSED("{\"a\\n\":1,\"a\\n\":2}", "line 1, column 15: the key \"a?\" twice in one object");
    REFUSED("{\"\\u001b[2J\":1,\"\\u001b[2J\":2}", "line 1, column 27: the key \"?[2J\" twice in one object");
    REFUSED("01", "line 1, column 2: text after the value");
    REFUSED("1.", "line 1, column 3: no digits after a decimal point");
    REFUSED("1e", "line 1, column 3: no digits in an exponent");
    REFUSED("-", "line 1, column 2: not a value");
    REFUSED("+1", "line 1, column 1: not a value");
    REFUSED("NaN", "line 1, column 1: not a value");
    REFUSED("tru", "line 1, column 1: not a value");
    REFUSED("\"a", "line 1, column 3: a string without its closing quote");
    REFUSED("\"a\tb\"", "line 1, column 3: a control byte in a string");
    REFUSED("\"\\x\"", "line 1, column 4: a bad escape in a string");
    REFUSED("\"\\u12g4\"", "line 1, column 6: a \\u escape needs four hex digits");
    REFUSED("\"\\udc00\"", "line 1, column 8: a lone low surrogate in a string");
    REFUSED("\"\\ud800x\"", "line 1, column 8: a high surrogate without its low one");
    REFUSED("\"\\ud800\\u0041\"", "line 1, column 14: a high surrogate without its low one");
    REFUSED("\"\xc0\xaf\"", "line 1, column 2: a string that is not UTF-8");        /* overlong */
    REFUSED("\"\xed\xa0\x80\"", "line 1, column 2: a string that is not UTF-8");    /* a surrogate */
    REFUSED("\"\xf4\x90\x80\x80\"", "line 1, column 2: a string that is not UTF-8"); /* > U+10FFFF */
    REFUSED("\"\xe2\x82\"", "line 1, column 2: a string that is not UTF-8");        /* cut short */
    REFUSED("12345678901234567890123456789012345678901", "line 1, column 42: a number longer than 40 characters");
    /* A NUL byte is no white space. */
    CHECK_STR(refusal("1\0", 2), "line 1, column 2: text after the value");
    /* Nesting: JR_DEPTH levels are fine, one more is not. */
    char deep[2 * JR_DEPTH + 3];
    memset(deep, '[', JR_DEPTH);
    memset(deep + JR_DEPTH, ']', JR_DEPTH);
    deep[2 * JR_DEPTH] = 0;
    CHECK(parses(deep));
    memset(deep, '[', JR_DEPTH + 1);
    memset(deep + JR_DEPTH + 1, ']', JR_DEPTH + 1);
    deep[2 * JR_DEPTH + 2] = 0;
    CHECK(strstr(refusal(deep, strlen(deep)), "nested deeper than 32") != 0);
    /* Members: JR_MEMBERS_MAX, not one more. */
    size_t cap = 16 * (JR_MEMBERS_MAX + 2);
    char *big = malloc(cap);
    for (int extra = 0; extra < 2; extra++) {
        size_t n = 0;
        n += (size_t)snprintf(big + n, cap - n, "{");
        for (int i = 0; i < JR_MEMBERS_MAX + extra; i++)
            n += (size_t)snprintf(big + n, cap - n, "%s\"k%d\":%d", i ? "," : "", i, i);
        snprintf(big + n, cap - n, "}");
        if (extra)
            CHECK(strstr(refusal(big, strlen(big)), "an object of more than 1024 members") != 0);
        else
            CHECK(parses(big));
    }
    free(big);
}

static void reading(void)
{
    static const char text[] =
        "{\"u\":18446744073709551615,\"over\":18446744073709551616,\"i\":-9223372036854775808,\n"
        " \"f\":1.5e3,\"s\":\"a\\\"b\\u00e9\\ud83d\\ude00\\n\",\"t\":true,\"n\":null,\n"
        " \"arr\":[3,\"x\",[]],\"o\":{\"k\":[1,2]},\"neg\":-1,\"frac\":2.0}";
    struct jr_doc d;
    CHECK(jr_parse(&d, text, sizeof(text) - 1) == 0);
    const struct jr_node *root = jr_root(&d), *n;
    CHECK(root->type == JR_OBJECT && root->count == 11);
    uint64_t u;
    int64_t i;
    double f;
    CHECK(jr_uint(&d, jr_get(&d, root, "u"), &u) == 0 && u == UINT64_MAX);
    CHECK(jr_uint(&d, jr_get(&d, root, "over"), &u) < 0);
    CHECK(jr_int(&d, jr_get(&d, root, "i"), &i) == 0 && i == INT64_MIN);
    CHECK(jr_int(&d, jr_get(&d, root, "u"), &i) < 0);
    CHECK(jr_uint(&d, jr_get(&d, root, "neg"), &u) < 0);
    CHECK(jr_int(&d, jr_get(&d, root, "neg"), &i) == 0 && i == -1);
    /* An integer is written as one: 2.0 and 1.5e3 are not. */
    CHECK(jr_int(&d, jr_get(&d, root, "frac"), &i) < 0);
    CHECK(jr_uint(&d, jr_get(&d, root, "f"), &u) < 0);
    CHECK(jr_double(&d, jr_get(&d, root, "f"), &f) == 0 && f == 1500.0);
    CHECK(jr_int(&d, jr_get(&d, root, "s"), &i) < 0);
    size_t len;
    const char *s = jr_str(&d, jr_get(&d, root, "s"), &len);
    CHECK_LIT(s, len, "a\"b\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK(jr_str(&d, jr_get(&d, root, "t"), 0) == 0);
    CHECK(jr_get(&d, root, "t")->truth == 1 && jr_get(&d, root, "n")->type == JR_NULL);
    CHECK(jr_get(&d, root, "missing") == 0 && jr_get(&d, jr_get(&d, root, "arr"), "k") == 0);
    n = jr_first(&d, jr_get(&d, root, "arr"));
    CHECK(jr_uint(&d, n, &u) == 0 && u == 3);
    n = jr_next(&d, n);
    CHECK_STR(jr_str(&d, n, 0), "x");
    n = jr_next(&d, n);
    CHECK(n->type == JR_ARRAY && n->count == 0 && jr_first(&d, n) == 0 && jr_next(&d, n) == 0);
    CHECK_STR(jr_key(&d, jr_get(&d, root, "o")), "o");
    CHECK(jr_line(&d, root) == 1 && jr_line(&d, jr_get(&d, root, "f")) == 2
          && jr_line(&d, jr_get(&d, root, "o")) == 3);

    /* Equality: by value, objects whatever their order, numbers by text. */
    static const char same[] = "{\"k\":[1,2]}", other[] = "{\"k\":[1,2.0]}", longer[] = "{\"k\":[1,2,3]}";
    struct jr_doc a, b, c;
    CHECK(jr_parse(&a, same, sizeof(same) - 1) == 0 && jr_parse(&b, other, sizeof(other) - 1) == 0
          && jr_parse(&c, longer, sizeof(longer) - 1) == 0);
    CHECK(jr_equal(&d, jr_get(&d, root, "o"), &a, jr_root(&a)));
    CHECK(!jr_equal(&d, jr_get(&d, root, "o"), &b, jr_root(&b)));
    CHECK(!jr_equal(&a, jr_root(&a), &c, jr_root(&c)));
    CHECK(!jr_equal(&a, jr_root(&a), &d, 0) && jr_equal(&a, 0, &d, 0));
    static const char x1[] = "{\"a\":1,\"b\":\"s\"}", x2[] = "{\"b\":\"s\",\"a\":1}", x3[] = "{\"b\":\"t\",\"a\":1}";
    struct jr_doc e1, e2, e3;
    CHECK(jr_parse(&e1, x1, sizeof(x1) - 1) == 0 && jr_parse(&e2, x2, sizeof(x2) - 1) == 0
          && jr_parse(&e3, x3, sizeof(x3) - 1) == 0);
    CHECK(jr_equal(&e1, jr_root(&e1), &e2, jr_root(&e2)));
    CHECK(!jr_equal(&e1, jr_root(&e1), &e3, jr_root(&e3)));
    jr_free(&a), jr_free(&b), jr_free(&c), jr_free(&d), jr_free(&e1), jr_free(&e2), jr_free(&e3);
}

int main(void)
{
    strictness();
    reading();
    return check_done("jsonread");
}
