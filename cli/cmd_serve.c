/* sandboxrt serve: the HTTP API (ms-enclave compatible, plus /v1). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "server/serve.h"
#include "server/serve_fleet.h"
#include "server/serve_request.h"
#include "server/serve_tenants.h"
#include "util.h"

#define DEFAULT_QUEUE              256
#define DEFAULT_MAX_BODY           (16u << 20)
#define DEFAULT_CLEANUP_S          300
#define DEFAULT_MAX_SANDBOXES      512
#define DEFAULT_MAX_CONNECTIONS    1024
#define DEFAULT_CONNECTIONS_PER_IP 256
#define DEFAULT_CONNECTION_TIMEOUT 10
#define DEFAULT_DRAIN_S            5

static void usage(FILE *f)
{
        fputs("Usage: sandboxrt serve [OPTIONS]\n\n"
              "Serve the sandbox API over HTTP: ms-enclave's routes (EvalScope clients work\n"
              "unchanged) and sandboxrt's own /v1 routes. Documented at GET /openapi.json.\n\n"
              "Options:\n"
              "  --host ADDR             address to bind (default 127.0.0.1)\n"
              "  --port N                port (default 1234; 0 picks a free one)\n"
              "  --api-key KEY           require X-API-Key: KEY (or ?api_key=KEY); prefer the\n"
              "                          SANDBOXRT_API_KEY environment variable, which ps\n"
              "                          does not show\n"
              "  --tenants FILE          clients are the tenants of FILE (YAML: name, key or\n"
              "                          key_sha256, max_sandboxes, max_jobs, ceiling), each\n"
              "                          seeing only its own sandboxes; replaces --api-key\n"
              "  --insecure-no-auth      allow a non-loopback address without an API key\n"
              "  --ceiling NAME|FILE     the most a client may ask for: a policy (default:\n"
              "                          default); every limit of a request must be at or\n"
              "                          below it, else 422\n"
              "  --tool-output SIZE      output cap per stream of ms-enclave's tool calls\n"
              "                          (default: the ceiling policy's tool_output, 16m\n"
              "                          when it sets none): they return whole outputs,\n"
              "                          above the ceiling's own output limit\n"
              "  --allow-network         clients may change the network mode (network=host,\n"
              "                          network_enabled: true); off by default\n"
              "  --max-concurrency N     jobs running at once (default: CPU count)\n"
              "  --queue N               jobs waiting for a slot before 503 (default 256)\n"
              "  --max-body SIZE         request body limit (default 16m)\n"
              "  --max-sandboxes N       sandboxes held at once (default 512)\n"
              "  --max-connections N     client connections at once (default 1024); past it\n"
              "                          one idle for 1 s or more is closed, else the new one\n"
              "                          gets 503\n"
              "  --max-connections-per-ip N\n"
              "                          the same, per client address (default 256)\n"
              "  --connection-timeout S  close a connection silent for S seconds, in its\n"
              "                          request or between requests (default 10)\n"
              "  --cleanup-interval S    seconds between cleanups of expired sandboxes (300)\n"
              "  --backend NAME          auto (default), native or docker\n"
              "  --image-map IMAGE=B     run images matching IMAGE (a glob) on B: native or\n"
              "                          docker; repeatable, before the default python:*=native\n"
              "  --policy-dir DIR        policy files (default: $SANDBOXRT_POLICY_DIR)\n"
              "  --log-level LEVEL       error, warn, info (default) or debug\n"
              "  --node-name NAME        this node's name in a fleet (default:\n"
              "                          $SANDBOXRT_NODE_NAME): sandbox ids start with it so\n"
              "                          a load balancer can route to their node, and /metrics\n"
              "                          labels carry it\n"
              "  --drain-timeout S       after SIGTERM, seconds running requests may take to\n"
              "                          end before they are cancelled (default 5)\n"
              "  --pool-size N           give each tenant a pool of N sandboxes at start and\n"
              "                          keep it (counted in its max_sandboxes):\n"
              "                          /pool/initialize then answers with it (in a fleet,\n"
              "                          /pool/execute must work on every node)\n"
              "  --pool-config FILE      the pool's sandbox config (JSON, as /pool/initialize\n"
              "                          takes it; default: every tool, the ceiling's limits)\n"
              "  -h, --help              show this help\n\n"
              "SIGTERM or SIGINT drains the server: /health answers 503, new work gets 503,\n"
              "running requests get --drain-timeout (5 s) to end, then are cancelled; every\n"
              "sandbox is removed; the server exits 0 at most 4 s after the drain.\n",
              f);
}

enum {
        OPT_HOST = 256,
        OPT_PORT,
        OPT_API_KEY,
        OPT_NO_AUTH,
        OPT_CONCURRENCY,
        OPT_QUEUE,
        OPT_MAX_BODY,
        OPT_MAX_SANDBOXES,
        OPT_CLEANUP,
        OPT_BACKEND,
        OPT_IMAGE_MAP,
        OPT_ALLOW_NETWORK,
        OPT_POLICY_DIR,
        OPT_LOG_LEVEL,
        OPT_NODE_NAME,
        OPT_DRAIN_TIMEOUT,
        OPT_POOL_SIZE,
        OPT_POOL_CONFIG,
        OPT_TENANTS,
        OPT_CEILING,
        OPT_MAX_CONNECTIONS,
        OPT_PER_IP,
        OPT_CONNECTION_TIMEOUT,
        OPT_TOOL_OUTPUT,
};

static const struct option options[] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"api-key", required_argument, NULL, OPT_API_KEY},
    {"insecure-no-auth", no_argument, NULL, OPT_NO_AUTH},
    {"max-concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-sandboxes", required_argument, NULL, OPT_MAX_SANDBOXES},
    {"cleanup-interval", required_argument, NULL, OPT_CLEANUP},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"image-map", required_argument, NULL, OPT_IMAGE_MAP},
    {"allow-network", no_argument, NULL, OPT_ALLOW_NETWORK},
    {"policy-dir", required_argument, NULL, OPT_POLICY_DIR},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"node-name", required_argument, NULL, OPT_NODE_NAME},
    {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
    {"pool-size", required_argument, NULL, OPT_POOL_SIZE},
    {"pool-config", required_argument, NULL, OPT_POOL_CONFIG},
    {"tenants", required_argument, NULL, OPT_TENANTS},
    {"ceiling", required_argument, NULL, OPT_CEILING},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"max-connections-per-ip", required_argument, NULL, OPT_PER_IP},
    {"connection-timeout", required_argument, NULL, OPT_CONNECTION_TIMEOUT},
    {"tool-output", required_argument, NULL, OPT_TOOL_OUTPUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int number(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
        if (sbx_parse_u64(s, out) < 0 || *out < lo || *out > hi) {
                sbx_cli_error("serve: %s must be a number from %llu to %llu, not '%s'", opt,
                              (unsigned long long)lo, (unsigned long long)hi, s);
                return -EINVAL;
        }
        return 0;
}

static int image_rule(struct sbx_serve_config *cfg, const char *arg)
{
        const char *eq = strrchr(arg, '=');

        if (!eq || eq == arg || (strcmp(eq + 1, "native") && strcmp(eq + 1, "docker"))) {
                sbx_cli_error("serve: --image-map wants IMAGE=native or IMAGE=docker, not '%s'",
                              arg);
                return -EINVAL;
        }
        if (cfg->n_rules == SBX_IMAGE_RULES_MAX - 1) {
                sbx_cli_error("serve: at most %d --image-map entries", SBX_IMAGE_RULES_MAX - 1);
                return -EINVAL;
        }
        char *pattern = strndup(arg, (size_t)(eq - arg));
        if (!pattern)
                return -ENOMEM;
        cfg->rules[cfg->n_rules++] = (struct sbx_image_rule){pattern, !strcmp(eq + 1, "native")};
        return 0;
}

/* The options that take a whole number, into an unsigned field of the config. */
static const struct count_option {
        int opt;
        const char *name;
        unsigned lo, hi;
        size_t field; /* offsetof(struct sbx_serve_config, ...) */
} count_options[] = {
    {OPT_CONCURRENCY, "--max-concurrency", 1, 4096,
     offsetof(struct sbx_serve_config, max_concurrency)},
    {OPT_QUEUE, "--queue", 0, 100000, offsetof(struct sbx_serve_config, queue)},
    {OPT_MAX_SANDBOXES, "--max-sandboxes", 1, 1000,
     offsetof(struct sbx_serve_config, max_sandboxes)},
    {OPT_CLEANUP, "--cleanup-interval", 1, 86400 * 7,
     offsetof(struct sbx_serve_config, cleanup_interval_s)},
    {OPT_DRAIN_TIMEOUT, "--drain-timeout", 0, 86400,
     offsetof(struct sbx_serve_config, drain_timeout_s)},
    {OPT_POOL_SIZE, "--pool-size", 0, 1024, offsetof(struct sbx_serve_config, pool_size)},
    {OPT_MAX_CONNECTIONS, "--max-connections", 1, 100000,
     offsetof(struct sbx_serve_config, max_connections)},
    {OPT_PER_IP, "--max-connections-per-ip", 1, 100000,
     offsetof(struct sbx_serve_config, max_connections_per_ip)},
    {OPT_CONNECTION_TIMEOUT, "--connection-timeout", 1, 3600,
     offsetof(struct sbx_serve_config, connection_timeout_s)},
};

static int sizes_and_counts(struct sbx_serve_config *cfg, int opt, const char *arg)
{
        uint64_t v = 0;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(count_options); i++) {
                const struct count_option *c = &count_options[i];
                if (c->opt != opt)
                        continue;
                if ((r = number(c->name, arg, c->lo, c->hi, &v)) == 0)
                        *(unsigned *)((char *)cfg + c->field) = (unsigned)v;
                return r;
        }
        switch (opt) {
        case OPT_PORT:
                r = number("--port", arg, 0, 65535, &v);
                cfg->port = (uint16_t)v;
                break;
        case OPT_MAX_BODY:
                if (sbx_req_parse_memory(arg, &v) < 0 || v < 1024 || v > (1ull << 30)) {
                        sbx_cli_error("serve: --max-body must be a size from 1k to 1g, not '%s'",
                                      arg);
                        r = -EINVAL;
                }
                cfg->max_body_bytes = (size_t)v;
                break;
        case OPT_TOOL_OUTPUT:
                if (sbx_req_parse_memory(arg, &v) < 0 || v < 1024 || v > (1ull << 30)) {
                        sbx_cli_error("serve: --tool-output must be a size from 1k to 1g, not "
                                      "'%s'",
                                      arg);
                        r = -EINVAL;
                }
                cfg->tool_output_bytes = v;
                break;
        }
        return r;
}

static int parse_option(struct sbx_serve_config *cfg, int opt, const char *arg)
{
        int level, r;

        switch (opt) {
        case OPT_HOST:
                cfg->host = arg;
                return 0;
        case OPT_API_KEY:
                cfg->api_key = arg;
                return 0;
        case OPT_NO_AUTH:
                cfg->insecure_no_auth = true;
                return 0;
        case OPT_BACKEND:
                cfg->backend = arg;
                if (!strcmp(arg, "auto") || !strcmp(arg, "native") || !strcmp(arg, "docker"))
                        return 0;
                sbx_cli_error("serve: --backend must be auto, native or docker, not '%s'", arg);
                return -EINVAL;
        case OPT_IMAGE_MAP:
                return image_rule(cfg, arg);
        case OPT_ALLOW_NETWORK:
                cfg->allow_network = true;
                return 0;
        case OPT_POLICY_DIR:
                cfg->policy_dir = arg;
                return 0;
        case OPT_NODE_NAME:
                cfg->node_name = arg;
                return 0;
        case OPT_POOL_CONFIG:
                free(cfg->pool_config);
                cfg->pool_config = NULL;
                if ((r = sbx_read_file(arg, 64 << 10, &cfg->pool_config, &cfg->pool_config_size)) <
                    0)
                        sbx_cli_error("serve: --pool-config %s: %s", arg,
                                      r == -EFBIG ? "larger than 64k" : strerror(-r));
                return r;
        case OPT_TENANTS:
                cfg->tenants_file = arg;
                return 0;
        case OPT_CEILING:
                cfg->ceiling = arg;
                return 0;
        case OPT_LOG_LEVEL:
                if ((level = sbx_log_level_from_string(arg)) < 0) {
                        sbx_cli_error("serve: --log-level must be error, warn, info or debug");
                        return -EINVAL;
                }
                cfg->log_level = (enum sbx_log_level)level;
                return 0;
        default:
                return sizes_and_counts(cfg, opt, arg);
        }
}

static bool loopback_host(const char *host)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *a;
        bool loopback = true;

        if (getaddrinfo(host, NULL, &hints, &res) != 0)
                return false;
        for (a = res; a; a = a->ai_next) {
                if (a->ai_family == AF_INET) {
                        const struct sockaddr_in *in = (const void *)a->ai_addr;
                        loopback &= (ntohl(in->sin_addr.s_addr) >> 24) == 127;
                } else if (a->ai_family == AF_INET6) {
                        const struct sockaddr_in6 *in6 = (const void *)a->ai_addr;
                        loopback &= IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
                } else {
                        loopback = false;
                }
        }
        freeaddrinfo(res);
        return loopback;
}

static void set_defaults(struct sbx_serve_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->host = "127.0.0.1";
        cfg->port = 1234;
        cfg->max_concurrency = sbx_online_cpus();
        cfg->queue = DEFAULT_QUEUE;
        cfg->max_body_bytes = DEFAULT_MAX_BODY;
        cfg->cleanup_interval_s = DEFAULT_CLEANUP_S;
        cfg->max_sandboxes = DEFAULT_MAX_SANDBOXES;
        cfg->drain_timeout_s = DEFAULT_DRAIN_S;
        cfg->max_connections = DEFAULT_MAX_CONNECTIONS;
        cfg->max_connections_per_ip = DEFAULT_CONNECTIONS_PER_IP;
        cfg->connection_timeout_s = DEFAULT_CONNECTION_TIMEOUT;
        cfg->backend = "auto";
        cfg->log_level = SBX_LOG_INFO;
}

/* Who may connect: the tenants file's keys, else one API key, else (loopback only, or on
 * request) anybody. */
static int check_auth(struct sbx_serve_config *cfg)
{
        if (cfg->tenants_file && cfg->api_key) {
                sbx_cli_error("serve: --api-key and --tenants exclude each other: give the key "
                              "to a tenant in %s",
                              cfg->tenants_file);
                return -EINVAL;
        }
        if (cfg->tenants_file) {
                if (getenv("SANDBOXRT_API_KEY"))
                        sbx_serve_log(SBX_LOG_WARN, "SANDBOXRT_API_KEY is ignored: the keys are "
                                                    "the tenants' (--tenants)");
                return 0;
        }
        if (!cfg->api_key)
                cfg->api_key = getenv("SANDBOXRT_API_KEY");
        if (cfg->api_key && !*cfg->api_key) {
                sbx_cli_error("serve: the API key is empty");
                return -EINVAL;
        }
        if (!cfg->api_key && !cfg->insecure_no_auth && !loopback_host(cfg->host)) {
                sbx_cli_error("serve: refusing to listen on %s without an API key: anyone who "
                              "can reach it could run code here. Set SANDBOXRT_API_KEY (or "
                              "--api-key), bind 127.0.0.1, or pass --insecure-no-auth",
                              cfg->host);
                return -EPERM;
        }
        return 0;
}

/* A node of a fleet: its name (for sandbox ids and /metrics) and its kept pool. */
static int check_fleet(struct sbx_serve_config *cfg)
{
        if (cfg->pool_config && !cfg->pool_size) {
                sbx_cli_error("serve: --pool-config needs --pool-size");
                return -EINVAL;
        }
        if (!cfg->node_name)
                cfg->node_name = getenv("SANDBOXRT_NODE_NAME");
        if (cfg->node_name && sbx_node_name_check(cfg->node_name) < 0) {
                sbx_cli_error("serve: the node name '%s' must be 1 to %d characters of a-z, 0-9 "
                              "and '-', not starting or ending with '-' (a Kubernetes pod name "
                              "or a host name, lower case)",
                              cfg->node_name, SBX_NODE_NAME_MAX);
                return -EINVAL;
        }
        return 0;
}

static int parse_args(int argc, char **argv, struct sbx_serve_config *cfg)
{
        int opt;

        set_defaults(cfg);
        optind = 1;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                if (opt == 'h') {
                        usage(stdout);
                        return 1;
                }
                if (opt == '?' || opt == ':') {
                        sbx_cli_bad_option("serve", opt, argv);
                        return -EINVAL;
                }
                if (parse_option(cfg, opt, optarg) < 0)
                        return -EINVAL;
        }
        if (optind < argc) {
                sbx_cli_error("serve: unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        const char *python = strdup("python:*");
        if (!python) {
                sbx_cli_error("serve: out of memory");
                return -ENOMEM;
        }
        cfg->rules[cfg->n_rules++] = (struct sbx_image_rule){python, true};
        if (check_fleet(cfg) < 0)
                return -EINVAL;
        return check_auth(cfg);
}

/* Both runtimes are made here, before any thread exists (the native jail's launcher forks). */
static int open_runtimes(struct sbx_server *srv, const struct sbx_serve_config *cfg)
{
        bool want_native = strcmp(cfg->backend, "docker") != 0;
        bool want_docker = strcmp(cfg->backend, "native") != 0;
        struct sbx_error *err = NULL;

        if (want_native) {
                struct sbx_runtime_options o = {.backend = "native",
                                                .policy_dir = cfg->policy_dir,
                                                .ceiling = cfg->ceiling ? cfg->ceiling : "default",
                                                .allow_network = cfg->allow_network,
                                                .warm = true};
                if (sbx_runtime_new(&o, &srv->rt_native, &err) < 0)
                        srv->native_error = strdup(err->message ? err->message : "unavailable");
                err = sbx_error_free(err);
        }
        if (want_docker) {
                struct sbx_runtime_options o = {.backend = "docker",
                                                .policy_dir = cfg->policy_dir,
                                                .ceiling = cfg->ceiling ? cfg->ceiling : "default",
                                                .allow_network = cfg->allow_network};
                if (sbx_runtime_new(&o, &srv->rt_docker, &err) < 0)
                        srv->docker_error = strdup(err->message ? err->message : "unavailable");
                err = sbx_error_free(err);
        }
        if (srv->rt_native || srv->rt_docker)
                return 0;
        /* A ceiling that does not load fails both the same way: say that, not "no backend". */
        if (srv->native_error && strstr(srv->native_error, "ceiling")) {
                sbx_cli_error("serve: --ceiling: %s", srv->native_error);
                return -EINVAL;
        }
        sbx_cli_error("serve: no backend can run sandboxes: native: %s; docker: %s",
                      srv->native_error ? srv->native_error : "not requested",
                      srv->docker_error ? srv->docker_error : "not requested");
        return -ENOTSUP;
}

/* The tenants file is read before anything starts (a mistake in it stops the server with the
 * file, line and key); the ceilings once a runtime knows the policies. */
static int load_tenants(struct sbx_server *srv, const struct sbx_serve_config *cfg)
{
        struct sbx_error *err = NULL;
        int r = cfg->tenants_file ? sbx_tenants_load(cfg->tenants_file, &srv->tenants, &err)
                                  : sbx_tenants_single(cfg->api_key, &srv->tenants, &err);

        if (r < 0)
                sbx_cli_error("serve: --tenants: %s", err->message);
        sbx_error_free(err);
        return r;
}

static int open_ceilings(struct sbx_server *srv, const struct sbx_serve_config *cfg)
{
        struct sbx_error *err = NULL;
        int r = sbx_tenants_open_ceilings(
            srv->tenants, srv->rt_native ? srv->rt_native : srv->rt_docker, cfg->ceiling,
            cfg->allow_network, cfg->tool_output_bytes, &err);

        if (r < 0)
                sbx_cli_error("serve: %s: %s", cfg->tenants_file ? cfg->tenants_file : "--ceiling",
                              err->message);
        sbx_error_free(err);
        return r;
}

static int serve_main(int argc, char **argv)
{
        struct sbx_serve_config cfg;
        struct sbx_server srv = {.cfg = &cfg};
        int r = parse_args(argc, argv, &cfg), status;
        sigset_t stop_signals;

        if (r != 0) {
                status = r > 0 ? 0 : 2;
                goto out;
        }
        sbx_serve_log_set_level(cfg.log_level);
        if (load_tenants(&srv, &cfg) < 0) {
                status = 2;
                goto out;
        }
        sbx_serve_block_signals(&stop_signals); /* before the backends start their threads */
        if ((r = open_runtimes(&srv, &cfg)) < 0 || open_ceilings(&srv, &cfg) < 0) {
                status = r == -EINVAL || r == 0 ? 2 : 1;
                goto out;
        }
        if (srv.native_error && strcmp(cfg.backend, "auto"))
                sbx_serve_log(SBX_LOG_WARN, "native backend: %s", srv.native_error);
        if (srv.docker_error)
                sbx_serve_log(SBX_LOG_INFO, "docker backend unavailable: %s", srv.docker_error);
        status = sbx_serve_main(&srv);
out:
        sbx_tenants_free(srv.tenants);
        sbx_runtime_free(srv.rt_native);
        sbx_runtime_free(srv.rt_docker);
        free(srv.native_error);
        free(srv.docker_error);
        for (size_t i = 0; i < cfg.n_rules; i++)
                free((char *)cfg.rules[i].pattern);
        free(cfg.pool_config);
        return status;
}

const struct sbx_command sbx_command_serve = {"serve", "serve the sandbox API over HTTP",
                                              serve_main};
