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
    CHECK(n + 0 < auth_line_max("u@x", "tok"));

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
