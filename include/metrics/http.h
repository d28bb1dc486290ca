/* http: the metrics server's reading of a request: one HTTP/1.x request
 * head, bounded in size, reduced to its method, its path and whether the
 * client accepts OpenMetrics. Pure: no I/O. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

/* A request head longer than this is refused (400), whatever it holds. */
#define HTTP_HEAD_MAX 8192
#define HTTP_PATH_MAX 256

enum http_parse { HTTP_MORE, HTTP_OK, HTTP_BAD };
enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_request {
    enum http_method method;
    char path[HTTP_PATH_MAX];   /* the target without its query */
    int openmetrics;            /* Accept names application/openmetrics-text (q > 0) */
    size_t head_len;            /* bytes up to and including the blank line */
};

/* Reads the head at the start of buf[0..len). HTTP_MORE: no blank line
 * yet and len < HTTP_HEAD_MAX; HTTP_BAD: not a request head we read (or
 * too long); HTTP_OK: req is filled. */
enum http_parse http_parse(const char *buf, size_t len, struct http_request *req);

/* Whether an Accept header's value asks for OpenMetrics 1.0. */
int http_accepts_openmetrics(const char *value, size_t len);

#endif
