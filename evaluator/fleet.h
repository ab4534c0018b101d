/* sandboxrt eval over a fleet of servers (sandbox.manager_config.base_url as a list, or
 * --remote repeated): every job goes to the server with the fewest jobs in flight; a job whose
 * server fails (refused or lost connection, a 5xx, its sandbox gone with the server) runs
 * again on another server, so a failing server never costs the model a sample; the report
 * says how many jobs were retried and where. One URL is a fleet of one: a failed job is then
 * retried on the same URL (a load balancer behind it picks another node). */
#ifndef SBX_EVAL_FLEET_H
#define SBX_EVAL_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "evaluator/run.h"
#include "sandboxrt.h"

struct sbx_eval_fleet;

/* One server's account, for the report. */
struct sbx_eval_fleet_server {
        const char *url;
        size_t jobs;         /* jobs whose result came from this server */
        size_t failures;     /* attempts that failed here (each job went on elsewhere) */
        size_t retries_here; /* jobs that came here after failing on another attempt */
        bool up;
        const char *last_error; /* the last failure here, or NULL */
};

struct sbx_eval_fleet_totals {
        size_t servers, servers_up;
        size_t jobs;         /* jobs run to a result */
        size_t retried_jobs; /* jobs that needed more than one attempt */
        size_t failed_jobs;  /* jobs that failed on every attempt (SANDBOX_ERROR) */
};

/* Open a remote runtime per URL (NULL-terminated, at least one). A server that does not
 * answer now is marked down and tried again later; it fails only when none answers, with
 * every server's reason. The runtimes are created here: call before starting threads that
 * fork (the remote backend itself starts none). */
int sbx_eval_fleet_new(char *const *urls, const char *api_key, struct sbx_eval_fleet **out,
                       struct sbx_error **err);
struct sbx_eval_fleet *sbx_eval_fleet_free(struct sbx_eval_fleet *f);

/* The executor that spreads jobs over f (thread-safe; f must outlive it). */
struct sbx_eval_executor sbx_eval_executor_fleet(struct sbx_eval_fleet *f);

/* The account so far: servers by index (i < totals.servers). Strings live as long as f and
 * stay valid until the next job ends; read them when no job runs. */
void sbx_eval_fleet_totals(struct sbx_eval_fleet *f, struct sbx_eval_fleet_totals *out);
void sbx_eval_fleet_server(struct sbx_eval_fleet *f, size_t i, struct sbx_eval_fleet_server *out);

/* The account as text for people (one line, then one per server) and as a JSON document;
 * malloc'd, NULL when out of memory. */
char *sbx_eval_fleet_report(struct sbx_eval_fleet *f);
char *sbx_eval_fleet_report_json(struct sbx_eval_fleet *f);

#endif
