/*
 * mwe-entrypoint: the PID 1 of a mwe-image container.
 *
 * As PID 1 it starts Apache in the foreground, translates container signals
 * into Apache's (SIGTERM -> graceful stop, SIGINT -> fast stop,
 * SIGHUP -> graceful restart), reaps every child that is re-parented to it and
 * exits with Apache's status. When it is not PID 1 (docker run --init, shared
 * PID namespace) something else already does that, so it execs Apache.
 *
 * With arguments it runs them instead of Apache, under the same supervision.
 * Tini is the model: one process, no allocation after start, no shell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HTTPD "/usr/sbin/apache2"
#define DEFAULT_CONF "/etc/mwe-image/httpd.conf"
#define DEFAULT_RUNTIME_DIR "/tmp/mwe-image"

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return (value && *value) ? value : fallback;
}

static void die(const char *what) {
    fprintf(stderr, "mwe-entrypoint: %s: %s\n", what, strerror(errno));
    exit(127);
}

/* Apache's own meaning of signals differs from a container's. */
static int translate(int sig) {
    switch (sig) {
    case SIGTERM: return SIGWINCH; /* graceful-stop */
    case SIGINT: return SIGTERM;   /* stop now */
    case SIGHUP: return SIGUSR1;   /* graceful restart */
    default: return sig;
    }
}

static void prepare_runtime_dir(void) {
    const char *dir = env_or("MWE_RUNTIME_DIR", DEFAULT_RUNTIME_DIR);
    if (mkdir(dir, 0770) != 0 && errno != EEXIST) die(dir);
}

static void exec_command(char **argv) {
    execvp(argv[0], argv);
    fprintf(stderr, "mwe-entrypoint: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int main(int argc, char **argv) {
    char *httpd_argv[] = {
        (char *)env_or("MWE_HTTPD", DEFAULT_HTTPD),
        "-DFOREGROUND",
        "-f", (char *)env_or("MWE_HTTPD_CONF", DEFAULT_CONF),
        NULL,
    };
    char **command = argc > 1 ? argv + 1 : httpd_argv;

    prepare_runtime_dir();
    if (getpid() != 1) exec_command(command);

    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);

    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        exec_command(command);
    }

    struct timespec tick = {1, 0};
    for (;;) {
        siginfo_t info;
        int sig = sigtimedwait(&all, &info, &tick);
        if (sig > 0 && sig != SIGCHLD && child > 0) {
            kill(child, translate(sig));
        }
        /* Reap everything that exited: Apache, and any orphan re-parented here. */
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid == child) {
                if (WIFEXITED(status)) return WEXITSTATUS(status);
                if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
                return 1;
            }
        }
    }
}
