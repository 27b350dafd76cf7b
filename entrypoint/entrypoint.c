/*
 * mwe-entrypoint: the PID 1 of a mwe-image container.
 *
 * As PID 1 it starts Apache in the foreground, translates container signals
 * into Apache's (SIGTERM -> graceful stop, SIGINT -> fast stop,
 * SIGHUP -> graceful restart), ends a graceful stop that outlasts
 * MWE_STOP_TIMEOUT by killing every process in the container (status 137),
 * reaps every child that is re-parented to it and exits with Apache's status.
 * When it is not PID 1 (docker run --init, shared PID namespace) something
 * else already does that, so it execs Apache.
 *
 * Before starting Apache it validates the runtime settings read by the
 * generated config (PORT, MWE_PROCESSES, MWE_THREADS, MWE_STOP_TIMEOUT) and
 * sizes Apache's worker pool from them as mod_wsgi-express does.
 *
 * Invoked as `mwe-healthcheck` it is the image's HEALTHCHECK: one HTTP
 * request to 127.0.0.1:$PORT, healthy unless it fails or answers 5xx.
 *
 * `mwe-entrypoint configtest` checks the configuration (httpd -t) and exits.
 * `mwe-entrypoint apachectl ACTION` is the apachectl a server root written by
 * setup-server runs: start (Apache in the background, logging to the
 * container's output), stop, graceful-stop, restart, graceful, configtest, status.
 * With other arguments it runs them instead of Apache, under the same
 * supervision. Tini is the model: one process, no allocation after start, no shell.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
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

/* A whole number from the environment within [min, max], or exit 2 naming the variable. */
static long env_number(const char *name, long fallback, long min, long max) {
    const char *text = getenv(name);
    if (!text || !*text) return fallback;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || end == text || value < min || value > max) {
        fprintf(stderr, "mwe-entrypoint: %s='%s' is not a whole number from %ld to %ld; fix the variable\n",
                name, text, min, max);
        exit(2);
    }
    return value;
}

static void set_number(const char *name, long value) {
    char text[32];
    snprintf(text, sizeof text, "%ld", value);
    setenv(name, text, 1);
}

/* A fraction from the environment within [0, 1], or exit 2 naming the variable. */
static double env_fraction(const char *name, double fallback) {
    const char *text = getenv(name);
    if (!text || !*text) return fallback;
    char *end;
    double value = strtod(text, &end);
    if (*end || end == text || value < 0 || value > 1) {
        fprintf(stderr, "mwe-entrypoint: %s='%s' is not a fraction from 0 to 1; fix the variable\n", name, text);
        exit(2);
    }
    return value;
}

static long at_least(long value, long floor) { return value > floor ? value : floor; }

/*
 * Apache worker sizing from processes x threads, as mod_wsgi-express computes
 * it: the event/worker values (MWE_MPM_*) and the prefork ones
 * (MWE_MPM_PREFORK_*); embedded mode runs exactly processes x threads.
 */
static void size_worker_pool(void) {
    long processes = env_number("MWE_PROCESSES", 1, 1, 1000);
    long threads = env_number("MWE_THREADS", 5, 1, 1000);
    long wanted = processes * threads;
    long max_clients = env_number("MWE_MAX_CLIENTS", 0, 0, 100000);
    max_clients = max_clients ? at_least(max_clients, wanted) : 10 + at_least(wanted * 3 / 2, 10);
    double initial = env_fraction("MWE_INITIAL_WORKERS", -1);
    double min_spare = env_fraction("MWE_MINIMUM_SPARE_WORKERS", -1);
    double max_spare = env_fraction("MWE_MAXIMUM_SPARE_WORKERS", -1);

    double prefork_initial = initial >= 0 ? initial : 0.05;
    set_number("MWE_MPM_PREFORK_MAX_CLIENTS", max_clients);
    set_number("MWE_MPM_PREFORK_START_SERVERS", at_least((long)(prefork_initial * max_clients), 1));
    set_number("MWE_MPM_PREFORK_MIN_SPARE_SERVERS", at_least((long)((min_spare >= 0 ? min_spare : prefork_initial) * max_clients), 1));
    set_number("MWE_MPM_PREFORK_MAX_SPARE_SERVERS", at_least((long)((max_spare >= 0 ? max_spare : 0.1) * max_clients), 1));

    if (strcmp(env_or("MWE_MPM_MODE", "daemon"), "embedded") == 0) {
        /* The application runs in Apache's own children: exactly processes x threads. */
        set_number("MWE_MPM_PREFORK_MAX_CLIENTS", wanted);
        set_number("MWE_MPM_PREFORK_START_SERVERS", wanted);
        set_number("MWE_MPM_PREFORK_MIN_SPARE_SERVERS", wanted);
        set_number("MWE_MPM_PREFORK_MAX_SPARE_SERVERS", wanted);
        set_number("MWE_MPM_SERVER_LIMIT", processes);
        set_number("MWE_MPM_THREADS_PER_CHILD", threads);
        set_number("MWE_MPM_START_SERVERS", processes);
        set_number("MWE_MPM_MAX_REQUEST_WORKERS", wanted);
        set_number("MWE_MPM_MIN_SPARE_THREADS", wanted);
        set_number("MWE_MPM_MAX_SPARE_THREADS", wanted);
        return;
    }
    double worker_initial = initial >= 0 ? initial : 0.2;
    double worker_min_spare = min_spare >= 0 ? min_spare : worker_initial;
    double worker_max_spare = max_spare >= 0 ? max_spare : 0.6;
    long per_child = max_clients > 20 ? max_clients / (max_clients / 20 + 1) : 10;
    long server_limit = (max_clients + per_child - 1) / per_child;
    set_number("MWE_MPM_SERVER_LIMIT", server_limit);
    set_number("MWE_MPM_THREADS_PER_CHILD", per_child);
    set_number("MWE_MPM_START_SERVERS", at_least((long)(worker_initial * server_limit), 1));
    set_number("MWE_MPM_MAX_REQUEST_WORKERS", server_limit * per_child);
    set_number("MWE_MPM_MIN_SPARE_THREADS", at_least((long)(worker_min_spare * server_limit) * per_child, per_child));
    set_number("MWE_MPM_MAX_SPARE_THREADS", at_least((long)(worker_max_spare * server_limit) * per_child, per_child));
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

/* Group-writable: the same tree serves an arbitrary UID in group 0. Parents too. */
static void prepare_dir(const char *dir) {
    if (!dir || !*dir) return;
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash) *slash = '\0';
        if (mkdir(path, 0775) != 0 && errno != EEXIST) die(path);
        if (!slash) break;
        *slash = '/';
    }
}

/* MWE_DIRECTORIES: colon-separated directories the configuration writes into. */
static void prepare_directories(const char *list) {
    if (!list) return;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *dir = strtok(copy, ":"); dir; dir = strtok(NULL, ":")) prepare_dir(dir);
}

static void exec_command(const char *path, char **argv) {
    execvp(path, argv);
    fprintf(stderr, "mwe-entrypoint: cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

/*
 * MWE_ENVVARS: colon-separated scripts (--envvars-script, a server root's
 * envvars) sourced in order in one shell; the environment that results
 * (printed by `env -0`) is taken over, so Apache still starts from here.
 */
static void source_envvars(const char *scripts) {
    if (!scripts) return;
    int fds[2];
    if (pipe(fds) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        execl("/bin/sh", "sh", "-c",
              "set -f; IFS=:; for script in $0; do [ -z \"$script\" ] || . \"$script\" >&2 || exit 1; done; exec env -0",
              scripts, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t size = 0, capacity = 4096;
    char *buffer = malloc(capacity);
    ssize_t got;
    while (buffer && (got = read(fds[0], buffer + size, capacity - size - 1)) > 0) {
        size += (size_t)got;
        if (capacity - size < 2) buffer = realloc(buffer, capacity *= 2);
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (!buffer || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "mwe-entrypoint: sourcing %s failed; fix the script (or rebuild without --envvars-script)\n", scripts);
        exit(2);
    }
    buffer[size] = '\0';
    clearenv();
    for (char *entry = buffer; entry < buffer + size; entry += strlen(entry) + 1) {
        if (strchr(entry, '=')) putenv(entry); /* the buffer lives as long as the process */
    }
}

/* The pid in MWE_PID_FILE (default: httpd.pid in MWE_RUNTIME_DIR) when that process is alive, else 0. */
static pid_t running_httpd(void) {
    char default_pid_file[4096];
    snprintf(default_pid_file, sizeof default_pid_file, "%s/httpd.pid", env_or("MWE_RUNTIME_DIR", DEFAULT_RUNTIME_DIR));
    FILE *file = fopen(env_or("MWE_PID_FILE", default_pid_file), "r");
    if (!file) return 0;
    long pid = 0;
    int found = fscanf(file, "%ld", &pid) == 1;
    fclose(file);
    return found && pid > 1 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

static int healthcheck(void);

/* Apache started in the background by `apachectl start`; its logs go to the container's output. */
static int apachectl_start(const char *httpd, char **httpd_argv) {
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        setsid();
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, STDIN_FILENO);
        int out = open("/proc/1/fd/1", O_WRONLY | O_APPEND);
        int err = open("/proc/1/fd/2", O_WRONLY | O_APPEND);
        if (out >= 0) dup2(out, STDOUT_FILENO);
        if (err >= 0) dup2(err, STDERR_FILENO);
        exec_command(httpd, httpd_argv);
    }
    for (int tenths = 0; tenths < 150; tenths++) {
        int status;
        if (waitpid(child, &status, WNOHANG) == child) {
            fprintf(stderr, "mwe-entrypoint: apachectl start: Apache exited with status %d; see its log\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            return 1;
        }
        if (running_httpd()) return 0;
        usleep(100000);
    }
    fprintf(stderr, "mwe-entrypoint: apachectl start: no pid file after 15 s; see Apache's log\n");
    return 1;
}

/* Waits for a signalled Apache to exit, bounded by MWE_STOP_TIMEOUT (+5 s). */
static int wait_for_exit(pid_t pid, long stop_timeout) {
    for (long tenths = 0; tenths < (stop_timeout + 5) * 10; tenths++) {
        if (kill(pid, 0) != 0) return 0;
        usleep(100000);
    }
    fprintf(stderr, "mwe-entrypoint: apachectl: Apache (pid %ld) is still running\n", (long)pid);
    return 1;
}

/* apachectl ACTION, as mod_wsgi-express's generated apachectl offers it. */
static int apachectl(const char *action, const char *httpd, char **httpd_argv, long stop_timeout) {
    static const struct { const char *action; int signal; int waits; } signals[] = {
        {"stop", SIGTERM, 1}, {"graceful-stop", SIGWINCH, 1}, {"restart", SIGHUP, 0}, {"graceful", SIGUSR1, 0},
    };
    if (strcmp(action, "status") == 0) return healthcheck();
    if (strcmp(action, "configtest") == 0) {
        httpd_argv[1] = "-t";
        exec_command(httpd, httpd_argv);
    }
    if (getpid() == 1) {
        fprintf(stderr, "mwe-entrypoint: apachectl %s as the container's command would end with it; run the image without a command for a foreground server, or run apachectl in a running container\n", action);
        return 2;
    }
    pid_t pid = running_httpd();
    if (strcmp(action, "start") == 0) {
        if (pid) {
            printf("httpd (pid %ld) already running\n", (long)pid);
            return 0;
        }
        return apachectl_start(httpd, httpd_argv);
    }
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (strcmp(action, signals[i].action) != 0) continue;
        if (!pid) {
            if (!signals[i].waits) return apachectl_start(httpd, httpd_argv);
            printf("httpd (no pid file) not running\n");
            return 0;
        }
        if (kill(pid, signals[i].signal) != 0) die("kill");
        return signals[i].waits ? wait_for_exit(pid, stop_timeout) : 0;
    }
    fprintf(stderr, "mwe-entrypoint: apachectl: unknown action '%s'; use start, stop, graceful-stop, restart, graceful, configtest or status\n", action);
    return 2;
}

static int healthcheck(void) {
    long port = env_number("PORT", 8000, 1, 65535);
    const char *path = env_or("MWE_HEALTHCHECK_PATH", "/");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 1;
    struct timeval timeout = {(time_t)env_number("MWE_HEALTHCHECK_TIMEOUT", 3, 1, 300), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "unhealthy: cannot connect to 127.0.0.1:%ld: %s\n", port, strerror(errno));
        return 1;
    }
    char request[512];
    int length = snprintf(request, sizeof request,
                          "GET %s HTTP/1.0\r\nHost: localhost\r\nUser-Agent: mwe-healthcheck\r\n\r\n", path);
    if (length <= 0 || length >= (int)sizeof request || write(fd, request, (size_t)length) != length) return 1;
    char reply[64] = {0};
    ssize_t got = read(fd, reply, sizeof reply - 1);
    close(fd);
    int status = 0;
    if (got < 12 || sscanf(reply, "HTTP/%*d.%*d %d", &status) != 1) {
        fprintf(stderr, "unhealthy: no HTTP answer from 127.0.0.1:%ld%s\n", port, path);
        return 1;
    }
    if (status >= 500) {
        fprintf(stderr, "unhealthy: 127.0.0.1:%ld%s answered %d\n", port, path, status);
        return 1;
    }
    printf("healthy: 127.0.0.1:%ld%s answered %d\n", port, path, status);
    return 0;
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    if (strcmp(name ? name + 1 : argv[0], "mwe-healthcheck") == 0) return healthcheck();

    /*
     * Apache's command line. mod_wsgi writes a daemon's display name, e.g.
     * (wsgi:myapp), over argv[0] and truncates it to argv[0]'s length: pad
     * argv[0] as mod_wsgi-express does.
     */
    const char *startup_log = env_or("MWE_STARTUP_LOG", NULL);
    const char *httpd = env_or("MWE_HTTPD", DEFAULT_HTTPD);
    const char *httpd_base = strrchr(httpd, '/');
    char process_name[80];
    snprintf(process_name, sizeof process_name, "%-64s",
             env_or("MWE_PROCESS_NAME", httpd_base ? httpd_base + 1 : httpd));
    char *httpd_argv[12];
    int n = 0;
    int configtest = argc == 2 && strcmp(argv[1], "configtest") == 0;
    httpd_argv[n++] = process_name;
    httpd_argv[n++] = configtest ? "-t" : "-DFOREGROUND";
    httpd_argv[n++] = "-f";
    httpd_argv[n++] = (char *)env_or("MWE_HTTPD_CONF", DEFAULT_CONF);
    if (env_or("MWE_PROCESSES", NULL)) httpd_argv[n++] = "-DMWE_MULTIPROCESS";
    if (startup_log && !configtest) {
        httpd_argv[n++] = "-E";
        httpd_argv[n++] = (char *)startup_log;
    }
    httpd_argv[n] = NULL;
    int apachectl_action = argc == 3 && strcmp(argv[1], "apachectl") == 0;
    char **command = argc > 1 && !configtest && !apachectl_action ? argv + 1 : httpd_argv;
    const char *command_path = command == httpd_argv ? httpd : command[0];

    source_envvars(env_or("MWE_ENVVARS", NULL));
    env_number("PORT", 8000, 1, 65535);
    long stop_timeout = env_number("MWE_STOP_TIMEOUT", 8, 1, 86400);
    set_number("MWE_STOP_TIMEOUT", stop_timeout);
    size_worker_pool();
    prepare_dir(env_or("MWE_RUNTIME_DIR", DEFAULT_RUNTIME_DIR));
    prepare_directories(env_or("MWE_DIRECTORIES", NULL));
    if (apachectl_action) return apachectl(argv[2], httpd, httpd_argv, stop_timeout);
    if (getpid() != 1) exec_command(command_path, command);

    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);

    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        exec_command(command_path, command);
    }

    /*
     * Apache's GracefulShutdownTimeout only starts its own slow escalation, and
     * mod_wsgi daemons finish their requests regardless; the bound is kept here.
     */
    time_t hard_stop_at = 0;
    struct timespec tick = {1, 0};
    for (;;) {
        siginfo_t info;
        int sig = sigtimedwait(&all, &info, &tick);
        if (sig > 0 && sig != SIGCHLD) {
            kill(child, translate(sig));
            if (sig == SIGTERM && !hard_stop_at) hard_stop_at = time(NULL) + stop_timeout;
        }
        if (hard_stop_at && time(NULL) >= hard_stop_at) {
            fprintf(stderr, "mwe-entrypoint: graceful stop exceeded MWE_STOP_TIMEOUT=%lds, killing all processes\n", stop_timeout);
            kill(-1, SIGKILL); /* as PID 1: every process in the container but this one */
            hard_stop_at = 0;
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
