#include "smtp/auth.h"
#include "check.h"

#include <string.h>

static void vector(const char *raw, const char *want)
{
    char out[64];
    unsigned char back[64];
    size_t n = b64_encode(raw, strlen(raw), out);
    CHECK_STR(out, want);
    CHECK(n == strlen(want) && n == b64_len(strlen(raw)));
    long m = b64_decode(out, n, back);
    CHECK(m == (long)strlen(raw) && memcmp(back, raw, strlen(raw)) == 0);
}

/* RFC 4954 4: the initial response goes with the AUTH command only when
 * that line stays within 512 octets; otherwise it answers the empty 334,
 * on a line of its own (which may be 12288 octets). */
static void long_lines(void)
{
    static char pw[9300], line[12300], want[12400], enc[12300];
    char shown[64];
    /* "AUTH PLAIN " + base64("\0u\0" + 369 bytes) + CRLF: 509 octets. */
    memset(pw, 'p', 369);
    pw[369] = 0;
    size_t n = auth_step(AUTH_PLAIN, 0, "u", pw, line, shown, sizeof(shown));
    CHECK(n == 509 && n == auth_line_max(AUTH_PLAIN, "u", pw));
    CHECK(memcmp(line, "AUTH PLAIN AHUA", 15) == 0 && memcmp(line + 507, "\r\n", 3) == 0);
    CHECK_STR(shown, "AUTH PLAIN <hidden>");
    CHECK(auth_step(AUTH_PLAIN, 1, "u", pw, line, shown, sizeof(shown)) == 0);
    /* One byte more would make 513: the command goes alone. */
    pw[369] = 'p';
    pw[370] = 0;
    n = auth_step(AUTH_PLAIN, 0, "u", pw, line, shown, sizeof(shown));
    CHECK_LIT(line, n, "AUTH PLAIN\r\n");
    CHECK_STR(shown, "AUTH PLAIN");
    n = auth_step(AUTH_PLAIN, 1, "u", pw, line, shown, sizeof(shown));
    char raw[400] = { 0, 'u', 0 };
    memcpy(raw + 3, pw, 370);
    size_t el = b64_encode(raw, 373, enc);
    snprintf(want, sizeof(want), "%s\r\n", enc);
    CHECK(n == el + 2 && n == auth_line_max(AUTH_PLAIN, "u", pw));
    CHECK_MEM(line, n, want, strlen(want));
    CHECK_STR(shown, "<hidden>");
    CHECK(auth_step(AUTH_PLAIN, 2, "u", pw, line, shown, sizeof(shown)) == 0);

    /* XOAUTH2 with a 9192-byte token: the largest response line that fits
     * (12286 octets with its CRLF); then the error 334's empty line. */
    memset(pw, 'k', 9193);
    pw[9192] = 0;
    CHECK(auth_line_max(AUTH_XOAUTH2, "u", pw) == 12286);
    n = auth_step(AUTH_XOAUTH2, 0, "u", pw, line, shown, sizeof(shown));
    CHECK_LIT(line, n, "AUTH XOAUTH2\r\n");
    n = auth_step(AUTH_XOAUTH2, 1, "u", pw, line, shown, sizeof(shown));
    CHECK(n == 12286 && line[12284] == '\r' && line[12285] == '\n' && line[12286] == 0);
    unsigned char *back = (unsigned char *)want;
    CHECK(b64_decode(line, 12284, back) == 9213 && memcmp(back, "user=u\001auth=Bearer kkk", 22) == 0);
    CHECK(memcmp(back + 9211, "\001\001", 2) == 0);
    n = auth_step(AUTH_XOAUTH2, 2, "u", pw, line, shown, sizeof(shown));
    CHECK_LIT(line, n, "\r\n");
    CHECK(auth_step(AUTH_XOAUTH2, 3, "u", pw, line, shown, sizeof(shown)) == 0);
    pw[9192] = 'k';
    pw[9193] = 0;
    CHECK(auth_line_max(AUTH_XOAUTH2, "u", pw) == 12290);
    /* LOGIN's longest line is the longer of user and password. */
    CHECK(auth_line_max(AUTH_LOGIN, "u", pw) == b64_len(9193) + 2);
}

int main(void)
{
    /* RFC 4648 section 10. */
    vector("", "");
    vector("f", "Zg==");
    vector("fo", "Zm8=");
    vector("foo", "Zm9v");
    vector("foob", "Zm9vYg==");
    vector("fooba", "Zm9vYmE=");
    vector("foobar", "Zm9vYmFy");
    unsigned char out[32];
    CHECK(b64_decode("Zm9v!mFy", 8, out) == -1);
    CHECK(b64_decode("Zg=a", 4, out) == -1);
    CHECK(b64_decode("Zm9vYmFy", 8, out) == 6);
    CHECK(b64_decode("VXNlcm5hbWU6", 12, out) == 9 && memcmp(out, "Username:", 9) == 0);

    char line[512], shown[64];
    /* PLAIN: authzid empty, NUL user NUL password (RFC 4616). */
    size_t n = auth_step(AUTH_PLAIN, 0, "user@example.test", "s3cret", line, shown, sizeof(shown));
    CHECK_LIT(line, n, "AUTH PLAIN AHVzZXJAZXhhbXBsZS50ZXN0AHMzY3JldA==\r\n");
    CHECK_STR(shown, "AUTH PLAIN <hidden>");
    CHECK(strstr(shown, "s3cret") == 0);
    CHECK(auth_step(AUTH_PLAIN, 1, "u", "p", line, shown, sizeof(shown)) == 0);

    /* LOGIN: the command, then the user, then the password. */
    n = auth_step(AUTH_LOGIN, 0, "user", "pw", line, shown, sizeof(shown));
    CHECK_LIT(line, n, "AUTH LOGIN\r\n");
    n = auth_step(AUTH_LOGIN, 1, "user", "pw", line, shown, sizeof(shown));
    CHECK_LIT(line, n, "dXNlcg==\r\n");
    CHECK_STR(shown, "<hidden>");
    n = auth_step(AUTH_LOGIN, 2, "user", "pw", line, shown, sizeof(shown));
    CHECK_LIT(line, n, "cHc=\r\n");
    CHECK(auth_step(AUTH_LOGIN, 3, "user", "pw", line, shown, sizeof(shown)) == 0);

    /* XOAUTH2: user=U ^A auth=Bearer T ^A ^A; an error 334 gets an empty line. */
    n = auth_step(AUTH_XOAUTH2, 0, "u@x", "tok", line, shown, sizeof(shown));
    char want[160], enc[128];
    b64_encode("user=u@x\001auth=Bearer tok\001\001", 26, enc);
    snprintf(want, sizeof(want), "AUTH XOAUTH2 %s\r\n", enc);
    CHECK_MEM(line, n, want, strlen(want));
    CHECK_STR(shown, "AUTH XOAUTH2 <hidden>");
    n = auth_step(AUTH_XOAUTH2, 1, "u@x", "tok", line, shown, sizeof(shown));
    CHECK_LIT(line, n, "\r\n");
    CHECK(auth_step(AUTH_XOAUTH2, 2, "u@x", "tok", line, shown, sizeof(shown)) == 0);
    CHECK(auth_line_max(AUTH_XOAUTH2, "u@x", "tok") == 13 + strlen(enc) + 2);
    CHECK(auth_line_max(AUTH_LOGIN, "user", "pw") == 12);
    CHECK(auth_line_max(AUTH_LOGIN, "user", "password") == 12 + 2);
    CHECK(auth_line_max(AUTH_NONE, "user", "pw") == 0);

    /* b64_decode checks without writing when out is NULL. */
    CHECK(b64_decode("Zm9vYmFy", 8, 0) == 6 && b64_decode("Zm9v!mFy", 8, 0) == -1);

    long_lines();

    /* The choice: asked and offered, or the first of PLAIN, LOGIN. */
    struct esmtp e;
    memset(&e, 0, sizeof(e));
    CHECK(auth_choose(&e, AUTH_NONE) == AUTH_NONE);
    e.auth_login = true;
    CHECK(auth_choose(&e, AUTH_NONE) == AUTH_LOGIN);
    e.auth_plain = true;
    CHECK(auth_choose(&e, AUTH_NONE) == AUTH_PLAIN);
    CHECK(auth_choose(&e, AUTH_XOAUTH2) == AUTH_NONE);
    e.auth_xoauth2 = true;
    CHECK(auth_choose(&e, AUTH_XOAUTH2) == AUTH_XOAUTH2);
    CHECK_STR(auth_mech_name(AUTH_LOGIN), "LOGIN");

    char secret[] = "wipe me";
    auth_wipe(secret, sizeof(secret));
    CHECK(secret[0] == 0 && secret[6] == 0);
    return check_done("auth");
}
