/*
 * Tests of the rootward C ABI against the local emulator's minimal scenario.
 *
 * Usage: ffi_test ENDPOINT_URL SCRATCH_DIR
 *
 * The environment must hold the emulator's credentials (AWS_ACCESS_KEY_ID and so on). The
 * program runs an audit, a plan, a deletion and a second audit, and checks each outcome; it
 * also checks NULL handling, error codes and messages, stopping, and concurrent runs. It
 * prints one line per check and exits non-zero when any check failed.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootward.h"

static int checks_failed = 0;
static int checks_passed = 0;

#define CHECK(condition, ...)                                                                  \
    do {                                                                                       \
        if (condition) {                                                                       \
            checks_passed++;                                                                   \
        } else {                                                                               \
            checks_failed++;                                                                   \
            fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__, __LINE__, #condition);              \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fprintf(stderr, "\n");                                                             \
        }                                                                                      \
    } while (0)

#define CHECK_RESULT(call, expected)                                                           \
    do {                                                                                       \
        rootward_result result_ = (call);                                                      \
        const char *message_ = rootward_last_error();                                          \
        CHECK(result_ == (expected), "%s returned %s: %s", #call, rootward_result_name(result_), \
              message_ ? message_ : "(no message)");                                           \
    } while (0)

/* The members of the minimal scenario and what their root users hold. */
#define MANAGEMENT "111111111111"
#define SECURITY_ADMIN "300000000001"
#define FULL_CREDENTIALS "300000000002"
#define STORAGE "300000000003"
#define SUSPENDED "300000000004"
#define CLOSING "300000000005"
#define PLAIN_MEMBER "300000000006"
#define ACCOUNT_COUNT 7

/* A copy of one outcome, since the library's strings live only during the callback. */
struct seen_outcome {
    char account_id[16];
    rootward_status status;
    char status_name[16];
    bool reached_goal;
    bool has_reason;
    char reason[256];
    rootward_credential_counts counts;
    bool has_json;
};

struct collected {
    struct seen_outcome outcomes[32];
    int count;
    int stop_after; /* return non-zero after this many outcomes; 0 never stops */
    rootward_result nested_result;
    const rootward_client *client;
};

static void copy_text(char *target, size_t capacity, const char *text) {
    snprintf(target, capacity, "%s", text ? text : "");
}

static int32_t collect(void *userdata, const rootward_outcome *outcome) {
    struct collected *seen = userdata;
    if (seen->count < 32) {
        struct seen_outcome *copy = &seen->outcomes[seen->count];
        copy_text(copy->account_id, sizeof copy->account_id, outcome->account_id);
        copy->status = outcome->status;
        copy_text(copy->status_name, sizeof copy->status_name, outcome->status_name);
        copy->reached_goal = outcome->reached_goal;
        copy->has_reason = outcome->reason != NULL;
        copy_text(copy->reason, sizeof copy->reason, outcome->reason);
        copy->counts = outcome->counts;
        copy->has_json = outcome->json != NULL && outcome->json[0] == '{';
    }
    seen->count++;
    return seen->stop_after > 0 && seen->count >= seen->stop_after;
}

static int32_t start_nested_run(void *userdata, const rootward_outcome *outcome) {
    struct collected *seen = userdata;
    (void)outcome;
    if (seen->count++ == 0) {
        rootward_run_options *options = NULL;
        rootward_run_options_new(&options);
        seen->nested_result = rootward_audit(seen->client, options, collect, seen);
        rootward_run_options_free(options);
    }
    return 0;
}

static const struct seen_outcome *find(const struct collected *seen, const char *account_id) {
    for (int i = 0; i < seen->count && i < 32; i++) {
        if (strcmp(seen->outcomes[i].account_id, account_id) == 0) {
            return &seen->outcomes[i];
        }
    }
    return NULL;
}

static void check_counts(const struct seen_outcome *outcome, uint32_t login_profile,
                         uint32_t access_keys, uint32_t certificates, uint32_t mfa_devices) {
    CHECK(outcome->counts.login_profile == login_profile, "%s login profiles: %u",
          outcome->account_id, outcome->counts.login_profile);
    CHECK(outcome->counts.access_keys == access_keys, "%s access keys: %u", outcome->account_id,
          outcome->counts.access_keys);
    CHECK(outcome->counts.signing_certificates == certificates, "%s certificates: %u",
          outcome->account_id, outcome->counts.signing_certificates);
    CHECK(outcome->counts.mfa_devices == mfa_devices, "%s MFA devices: %u", outcome->account_id,
          outcome->counts.mfa_devices);
}

static void check_status(const struct collected *seen, const char *account_id,
                         rootward_status expected) {
    const struct seen_outcome *outcome = find(seen, account_id);
    CHECK(outcome != NULL, "no outcome for %s", account_id);
    if (outcome != NULL) {
        CHECK(outcome->status == expected, "%s has status %s", account_id, outcome->status_name);
        CHECK(outcome->has_json, "%s has no JSON record", account_id);
    }
}

static void test_null_arguments(void) {
    CHECK_RESULT(rootward_client_new(NULL, NULL, NULL, 0, NULL), ROOTWARD_RESULT_NULL_ARGUMENT);
    const char *message = rootward_last_error();
    CHECK(message != NULL && strstr(message, "client_out") != NULL, "message: %s",
          message ? message : "(none)");

    CHECK_RESULT(rootward_run_options_new(NULL), ROOTWARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(rootward_run_options_add_account(NULL, "123456789012"),
                 ROOTWARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(rootward_audit(NULL, NULL, collect, NULL), ROOTWARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(rootward_stop_flag_new(NULL), ROOTWARD_RESULT_NULL_ARGUMENT);

    rootward_client_free(NULL);
    rootward_run_options_free(NULL);
    rootward_stop_flag_free(NULL);
    rootward_stop_flag_raise(NULL);
}

static void test_last_error_and_names(void) {
    rootward_run_options *options = NULL;
    CHECK_RESULT(rootward_run_options_new(&options), ROOTWARD_RESULT_OK);
    CHECK(rootward_last_error() == NULL, "a successful call leaves no message");

    CHECK_RESULT(rootward_run_options_add_account(options, "12345"), ROOTWARD_RESULT_INVALID_INPUT);
    size_t length = rootward_last_error_length();
    CHECK(length > 0, "the failed call left a message");

    char small[8];
    size_t written = 12345;
    CHECK(rootward_last_error_copy(small, sizeof small, &written) ==
              ROOTWARD_RESULT_BUFFER_TOO_SMALL,
          "a small buffer is rejected");
    CHECK(written == 12345, "nothing is written on failure");

    char buffer[512];
    CHECK(rootward_last_error_copy(buffer, sizeof buffer, &written) == ROOTWARD_RESULT_OK,
          "the message fits");
    CHECK(written == length, "copied %zu bytes, expected %zu", written, length);
    CHECK(strstr(buffer, "12 digits") != NULL, "message: %s", buffer);

    CHECK_RESULT(rootward_run_options_add_ou(options, "not-an-ou"), ROOTWARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(rootward_run_options_set_concurrency(options, 0),
                 ROOTWARD_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(rootward_run_options_set_duration(options, 901),
                 ROOTWARD_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(rootward_run_options_set_duration(options, 900), ROOTWARD_RESULT_OK);
    rootward_run_options_free(options);

    CHECK(strcmp(rootward_result_name(ROOTWARD_RESULT_PREFLIGHT), "ROOTWARD_RESULT_PREFLIGHT") == 0,
          "name of 300");
    CHECK(strcmp(rootward_result_name(12345), "ROOTWARD_RESULT_UNKNOWN") == 0, "unknown code");
}

static void test_invalid_client(void) {
    rootward_client *client = (rootward_client *)0x1;
    CHECK_RESULT(rootward_client_new(NULL, "not a region!", NULL, 0, &client),
                 ROOTWARD_RESULT_INVALID_INPUT);
    CHECK(client == (rootward_client *)0x1, "no client is written on failure");
}

static void test_audit(const rootward_client *client) {
    rootward_run_options *options = NULL;
    rootward_run_options_new(&options);
    struct collected seen = {0};
    CHECK_RESULT(rootward_audit(client, options, collect, &seen), ROOTWARD_RESULT_OK);
    CHECK(seen.count == ACCOUNT_COUNT, "audit delivered %d outcomes", seen.count);

    check_status(&seen, MANAGEMENT, ROOTWARD_STATUS_SKIPPED);
    check_status(&seen, SUSPENDED, ROOTWARD_STATUS_SKIPPED);
    check_status(&seen, CLOSING, ROOTWARD_STATUS_SKIPPED);
    check_status(&seen, FULL_CREDENTIALS, ROOTWARD_STATUS_DONE);
    check_status(&seen, PLAIN_MEMBER, ROOTWARD_STATUS_DONE);
    check_status(&seen, STORAGE, ROOTWARD_STATUS_DONE);

    const struct seen_outcome *full = find(&seen, FULL_CREDENTIALS);
    if (full != NULL) {
        check_counts(full, 1, 2, 2, 3);
    }
    const struct seen_outcome *suspended = find(&seen, SUSPENDED);
    if (suspended != NULL) {
        CHECK(suspended->has_reason && strstr(suspended->reason, "SUSPENDED") != NULL,
              "reason: %s", suspended->reason);
    }
    for (int i = 0; i < seen.count; i++) {
        CHECK(seen.outcomes[i].reached_goal, "%s did not reach the goal",
              seen.outcomes[i].account_id);
    }
    rootward_run_options_free(options);
}

static int count_lines(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return -1;
    }
    int lines = 0;
    int character;
    while ((character = fgetc(file)) != EOF) {
        lines += character == '\n';
    }
    fclose(file);
    return lines;
}

static void test_plan_then_delete(const rootward_client *client, const char *scratch) {
    rootward_run_options *options = NULL;
    rootward_run_options_new(&options);

    struct collected plan = {0};
    CHECK_RESULT(rootward_delete_credentials(client, options, false, 0, collect, &plan),
                 ROOTWARD_RESULT_OK);
    CHECK(plan.count == ACCOUNT_COUNT, "plan delivered %d outcomes", plan.count);
    check_status(&plan, FULL_CREDENTIALS, ROOTWARD_STATUS_PLANNED);
    check_status(&plan, SECURITY_ADMIN, ROOTWARD_STATUS_NOTHING_TO_DO);
    const struct seen_outcome *planned = find(&plan, FULL_CREDENTIALS);
    if (planned != NULL) {
        check_counts(planned, 1, 2, 2, 3);
    }

    char report[4096];
    snprintf(report, sizeof report, "%s/delete.jsonl", scratch);
    CHECK_RESULT(rootward_run_options_add_account(options, FULL_CREDENTIALS), ROOTWARD_RESULT_OK);
    CHECK_RESULT(rootward_run_options_add_account(options, PLAIN_MEMBER), ROOTWARD_RESULT_OK);
    CHECK_RESULT(rootward_run_options_set_report(options, report), ROOTWARD_RESULT_OK);
    struct collected deleted = {0};
    CHECK_RESULT(rootward_delete_credentials(client, options, true, 0, collect, &deleted),
                 ROOTWARD_RESULT_OK);
    CHECK(deleted.count == 2, "delete delivered %d outcomes", deleted.count);
    check_status(&deleted, FULL_CREDENTIALS, ROOTWARD_STATUS_DONE);
    check_status(&deleted, PLAIN_MEMBER, ROOTWARD_STATUS_DONE);
    const struct seen_outcome *full = find(&deleted, FULL_CREDENTIALS);
    if (full != NULL) {
        check_counts(full, 1, 2, 2, 3);
    }
    int lines = count_lines(report);
    CHECK(lines == 2, "the report has %d lines", lines);
    rootward_run_options_free(options);

    /* A second audit finds nothing left in the cleaned accounts. */
    rootward_run_options_new(&options);
    rootward_run_options_add_account(options, FULL_CREDENTIALS);
    rootward_run_options_add_account(options, PLAIN_MEMBER);
    struct collected after = {0};
    CHECK_RESULT(rootward_audit(client, options, collect, &after), ROOTWARD_RESULT_OK);
    for (int i = 0; i < after.count; i++) {
        check_counts(&after.outcomes[i], 0, 0, 0, 0);
    }
    rootward_run_options_free(options);
}

static void test_run_errors(const rootward_client *client) {
    rootward_run_options *options = NULL;
    rootward_run_options_new(&options);
    rootward_run_options_add_account(options, "999999999999");
    struct collected seen = {0};
    CHECK_RESULT(rootward_audit(client, options, collect, &seen),
                 ROOTWARD_RESULT_NOT_IN_ORGANIZATION);
    const char *message = rootward_last_error();
    CHECK(message != NULL && strstr(message, "999999999999") != NULL, "message: %s",
          message ? message : "(none)");
    CHECK(seen.count == 0, "no outcome after a usage error, got %d", seen.count);
    rootward_run_options_free(options);

    rootward_run_options_new(&options);
    CHECK_RESULT(rootward_create_password(client, options, false, collect, &seen),
                 ROOTWARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(rootward_audit(client, options, NULL, NULL), ROOTWARD_RESULT_NULL_ARGUMENT);
    rootward_run_options_free(options);
}

static void test_stopping(const rootward_client *client) {
    rootward_run_options *options = NULL;
    rootward_run_options_new(&options);
    rootward_run_options_set_concurrency(options, 1);

    struct collected seen = {0};
    seen.stop_after = 1;
    CHECK_RESULT(rootward_audit(client, options, collect, &seen), ROOTWARD_RESULT_STOPPED);
    CHECK(seen.count == ACCOUNT_COUNT, "a stopped run still gives every account an outcome: %d",
          seen.count);

    rootward_stop_flag *flag = NULL;
    CHECK_RESULT(rootward_stop_flag_new(&flag), ROOTWARD_RESULT_OK);
    CHECK_RESULT(rootward_run_options_set_stop_flag(options, flag), ROOTWARD_RESULT_OK);
    rootward_stop_flag_raise(flag);
    rootward_stop_flag_free(flag);
    struct collected flagged = {0};
    CHECK_RESULT(rootward_audit(client, options, collect, &flagged), ROOTWARD_RESULT_STOPPED);
    CHECK(flagged.count == ACCOUNT_COUNT, "flagged run delivered %d outcomes", flagged.count);
    for (int i = 0; i < flagged.count; i++) {
        CHECK(flagged.outcomes[i].status != ROOTWARD_STATUS_DONE,
              "%s ran although the flag was raised", flagged.outcomes[i].account_id);
    }
    rootward_run_options_free(options);

    rootward_run_options_new(&options);
    struct collected nested = {0};
    nested.client = client;
    CHECK_RESULT(rootward_audit(client, options, start_nested_run, &nested), ROOTWARD_RESULT_OK);
    CHECK(nested.nested_result == ROOTWARD_RESULT_CALLED_FROM_CALLBACK,
          "a run inside a callback returned %s", rootward_result_name(nested.nested_result));
    rootward_run_options_free(options);
}

struct thread_run {
    const rootward_client *client;
    struct collected seen;
    rootward_result result;
};

static void *run_audit_thread(void *argument) {
    struct thread_run *run = argument;
    rootward_run_options *options = NULL;
    rootward_run_options_new(&options);
    run->result = rootward_audit(run->client, options, collect, &run->seen);
    rootward_run_options_free(options);
    return NULL;
}

static void test_threads(const rootward_client *client) {
    struct thread_run runs[3];
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) {
        memset(&runs[i], 0, sizeof runs[i]);
        runs[i].client = client;
        CHECK(pthread_create(&threads[i], NULL, run_audit_thread, &runs[i]) == 0, "thread %d", i);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        CHECK(runs[i].result == ROOTWARD_RESULT_OK, "thread %d returned %s", i,
              rootward_result_name(runs[i].result));
        CHECK(runs[i].seen.count == ACCOUNT_COUNT, "thread %d saw %d outcomes", i,
              runs[i].seen.count);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ENDPOINT_URL SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    const char *endpoint = argv[1];
    const char *scratch = argv[2];

    test_null_arguments();
    test_last_error_and_names();
    test_invalid_client();

    rootward_client *client = NULL;
    CHECK_RESULT(rootward_client_new(NULL, "us-east-1", endpoint, 3, &client), ROOTWARD_RESULT_OK);
    if (client == NULL) {
        fprintf(stderr, "cannot go on without a client\n");
        return 1;
    }
    test_audit(client);
    test_run_errors(client);
    test_stopping(client);
    test_threads(client);
    test_plan_then_delete(client, scratch);
    rootward_client_free(client);

    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}
