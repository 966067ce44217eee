/*
 * Linked into the static Linux release binary only (packaging/dist.sh).
 *
 * devenv makes no HTTP request through Foundation: it has no URLSession. But the MCP Swift SDK
 * (`devenv mcp`, stdio only) has HTTP transports that name URLSession, so a static link pulls in
 * FoundationNetworking, whose C part calls libcurl. Linking libcurl itself would make the
 * binary depend on the machine's libcurl (and its TLS and HTTP/2 libraries), which a
 * self-contained binary must not. These definitions satisfy the link; each fails the way
 * libcurl fails when it cannot start (CURLE_FAILED_INIT, or NULL), so a URLSession request,
 * were one ever made, would end in an error, never in a crash or a request sent.
 */
#include <stddef.h>

#define FAILED_INIT 2
#define MULTI_INTERNAL_ERROR 4
#define URL_ERROR 1

void *curl_easy_init(void) { return NULL; }
void curl_easy_cleanup(void *h) { (void)h; }
int curl_easy_setopt(void *h, int option, ...) { (void)h; (void)option; return FAILED_INIT; }
int curl_easy_getinfo(void *h, int info, ...) { (void)h; (void)info; return FAILED_INIT; }
int curl_easy_pause(void *h, int mask) { (void)h; (void)mask; return FAILED_INIT; }
const char *curl_easy_strerror(int code) { (void)code; return "libcurl is not part of this devenv binary"; }
void curl_free(void *p) { (void)p; }
int curl_global_init(long flags) { (void)flags; return FAILED_INIT; }
void *curl_multi_init(void) { return NULL; }
int curl_multi_cleanup(void *m) { (void)m; return 0; }
int curl_multi_setopt(void *m, int option, ...) { (void)m; (void)option; return MULTI_INTERNAL_ERROR; }
int curl_multi_add_handle(void *m, void *h) { (void)m; (void)h; return MULTI_INTERNAL_ERROR; }
int curl_multi_remove_handle(void *m, void *h) { (void)m; (void)h; return MULTI_INTERNAL_ERROR; }
int curl_multi_assign(void *m, int s, void *p) { (void)m; (void)s; (void)p; return MULTI_INTERNAL_ERROR; }
void *curl_multi_info_read(void *m, int *left) { (void)m; if (left) *left = 0; return NULL; }
int curl_multi_socket_action(void *m, int s, int mask, int *running) { (void)m; (void)s; (void)mask; if (running) *running = 0; return MULTI_INTERNAL_ERROR; }
void *curl_slist_append(void *list, const char *s) { (void)s; return list; }
void curl_slist_free_all(void *list) { (void)list; }
void *curl_url(void) { return NULL; }
int curl_url_get(void *u, int part, char **out, unsigned int flags) { (void)u; (void)part; (void)flags; if (out) *out = NULL; return URL_ERROR; }
int curl_url_set(void *u, int part, const char *content, unsigned int flags) { (void)u; (void)part; (void)content; (void)flags; return URL_ERROR; }
char *curl_version(void) { return (char *)"none"; }
void *curl_version_info(int stamp) { (void)stamp; return NULL; }
