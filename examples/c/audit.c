/*
 * Audit the root credentials of member accounts through the rootward C ABI, and print one
 * line per account.
 *
 * Build (from the repository root, after `cargo build -p rootward-ffi`):
 *
 *   cc -I crates/rootward-ffi/include examples/c/audit.c \
 *      -L target/debug -lrootward_ffi -Wl,-rpath,"$PWD/target/debug" -o audit
 *
 * Run: ./audit [ACCOUNT_ID ...]
 *
 * With no account ID it audits every account of the organization. Credentials, region and
 * endpoint come from the standard AWS chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL …).
 * Exit status: 0 when every account reached its goal, 1 when one did not, 2 when the run
 * could not start.
 */

#include <stdio.h>

#include "rootward.h"

/* Called once per account, on this thread, as each account finishes. */
static int32_t print_outcome(void *userdata, const rootward_outcome *outcome) {
    int *not_reached = userdata;

    printf("%-14s %-14s password=%u access_keys=%u certificates=%u mfa_devices=%u",
           outcome->account_id, outcome->status_name, outcome->counts.login_profile,
           outcome->counts.access_keys, outcome->counts.signing_certificates,
           outcome->counts.mfa_devices);
    if (outcome->error_code != NULL) {
        printf("  failed at %s: %s", outcome->error_step, outcome->error_code);
    } else if (outcome->reason != NULL) {
        printf("  (%s)", outcome->reason);
    }
    printf("\n");

    if (!outcome->reached_goal) {
        (*not_reached)++;
    }
    return 0; /* any other value stops the run */
}

int main(int argc, char **argv) {
    rootward_client *client = NULL;
    rootward_run_options *options = NULL;
    int not_reached = 0;

    rootward_result result = rootward_client_new(NULL, NULL, NULL, 0, &client);
    if (result == ROOTWARD_RESULT_OK) {
        result = rootward_run_options_new(&options);
    }
    for (int i = 1; i < argc && result == ROOTWARD_RESULT_OK; i++) {
        result = rootward_run_options_add_account(options, argv[i]);
    }
    if (result == ROOTWARD_RESULT_OK) {
        result = rootward_audit(client, options, print_outcome, &not_reached);
    }
    if (result != ROOTWARD_RESULT_OK) {
        fprintf(stderr, "error: %s (%s)\n", rootward_last_error(), rootward_result_name(result));
    }

    rootward_run_options_free(options);
    rootward_client_free(client);
    if (result != ROOTWARD_RESULT_OK) {
        return 2;
    }
    return not_reached == 0 ? 0 : 1;
}
