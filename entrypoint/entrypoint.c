/*
 * mwe-entrypoint: the PID 1 of a mwe-image container.
 *
 * As PID 1 it starts Apache in the foreground, translates container signals
 * into Apache's (SIGTERM -> graceful stop, SIGINT -> fast stop,
 * SIGHUP -> graceful restart), ends a graceful stop that outlasts
 * MWE_STOP_TIMEOUT by killing every process in the container (status 137),
 * reaps every child that is re-parented to it and exits with Apache's status.
 * Signals are blocked before anything else runs, so none is lost: a stop
 * asked for before Apache starts ends the container at once with status 0,
 * and the graceful-stop signal is repeated until Apache, which ignores it
 * until its handlers are in place, acts on it. With MWE_STOP_DELAY the health
 * check fails at once and Apache keeps serving for that many seconds before
 * the graceful stop (load balancers stop sending first). A process the
 * kernel's OOM killer ends is reported in one line.
 * When it is not PID 1 (docker run --init, shared PID namespace) something
 * else already does that, so it execs Apache.
 *
 * Before starting Apache it validates the runtime settings read by the
 * generated config (PORT, MWE_PROCESSES, MWE_THREADS, MWE_STOP_TIMEOUT) and
 * sizes Apache's worker pool from them as mod_wsgi-express does.
 *
 * Invoked as `mwe-healthcheck` it is the image's HEALTHCHECK: one HTTP
 * request as a client would make it (the --host address, the --server-name
 * Host header, the mount point), healthy unless it fails, answers 5xx or the
 * server is stopping.
 *
 * `mwe-entrypoint configtest` checks the configuration (httpd -t) and exits.
 * `mwe-entrypoint json-log access|error` is the piped logger that turns
 * Apache's logs into JSON lines (MWE_LOG_FORMAT=json).
 * `mwe-entrypoint apachectl ACTION` is the apachectl a server root written by
 * setup-server runs: start (Apache in the background, logging to the
 * container's output), stop, graceful-stop, restart, graceful, configtest, status.
 * With other arguments it runs them instead of Apache, under the same
 * supervision. Tini is the model: one process, no allocation after start, no shell.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
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
/* Written into the runtime directory when a stop begins; the health check fails while it exists. */
#define STOPPING_MARKER "stopping"
/* Written by the WSGI handler when the application failed to load (--exit-on-startup-failure) before it stops Apache. */
#define STARTUP_FAILED_MARKER "startup-failed"
/* The exit status then, as gunicorn's when a worker cannot boot: an orchestrator restarts the container. */
#define EXIT_STARTUP_FAILED 3
/*
 * Slow clients: Apache reads a request's headers in a worker thread, which a
 * slow-header connection holds until RequestReadTimeout ends it. Without
 * MWE_MAX_CLIENTS the event/worker pool has at least this many threads, all
 * started at once (a burst cannot wait for Apache to add a child a second):
 * 150 slow connections leave 50 threads for everyone else.
 */
#define SLOW_CLIENTS_FLOOR 200
#define SLOW_CLIENTS_THREADS_PER_CHILD 50

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

/* The first number in a file (cgroup interface files), or -1 when absent or "max". */
static long long read_number(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    long long value = -1;
    if (fscanf(file, "%lld", &value) != 1) value = -1;
    fclose(file);
    return value;
}

/* CPUs the container may use: its cgroup quota (v2 cpu.max, v1 cfs), else the CPUs it may run on. */
static double container_cpus(void) {
    long long quota = -1, period = -1;
    FILE *file = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (file) {
        if (fscanf(file, "%lld %lld", &quota, &period) != 2) quota = -1;
        fclose(file);
    } else {
        quota = read_number("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
        period = read_number("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    }
    if (quota > 0 && period > 0) return (double)quota / (double)period;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    return (double)sysconf(_SC_NPROCESSORS_ONLN);
}

/* The container's memory limit in bytes (v2 memory.max, v1 limit_in_bytes), or -1 when it has none. */
static long long container_memory(void) {
    long long limit = read_number("/sys/fs/cgroup/memory.max");
    if (limit < 0) limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    return limit > 0 && limit < (1LL << 50) ? limit : -1;
}

/*
 * MWE_PROCESSES=auto: one daemon process per CPU of the container's quota,
 * at most one per 128 MiB of its memory limit (as s2i-python sizes
 * WEB_CONCURRENCY), decided at start, so a replica follows its limits.
 */
static void resolve_auto_processes(void) {
    const char *value = getenv("MWE_PROCESSES");
    if (!value || strcmp(value, "auto") != 0) return;
    double cpus = container_cpus();
    long processes = (long)(cpus + 0.999);
    long long memory = container_memory();
    if (memory > 0 && memory / (128LL << 20) < processes) processes = (long)(memory / (128LL << 20));
    if (processes < 1) processes = 1;
    if (processes > 1000) processes = 1000;
    set_number("MWE_PROCESSES", processes);
    if (memory > 0) {
        fprintf(stderr, "mwe-entrypoint: MWE_PROCESSES=auto: %ld daemon process%s for %.2f CPUs and %lld MiB\n", processes, processes == 1 ? "" : "es", cpus, memory >> 20);
    } else {
        fprintf(stderr, "mwe-entrypoint: MWE_PROCESSES=auto: %ld daemon process%s for %.2f CPUs, no memory limit\n", processes, processes == 1 ? "" : "es", cpus);
    }
}

/*
 * Apache worker sizing from processes x threads, as mod_wsgi-express computes
 * it: the event/worker values (MWE_MPM_*) and the prefork ones
 * (MWE_MPM_PREFORK_*); embedded mode runs exactly processes x threads.
 */
static void size_worker_pool(void) {
    long processes = env_number("MWE_PROCESSES", 1, 1, 1000);
    long threads = env_number("MWE_THREADS", 5, 1, 1000);
    long wanted = processes * threads;
    long given = env_number("MWE_MAX_CLIENTS", 0, 0, 100000);
    long max_clients = given ? at_least(given, wanted) : 10 + at_least(wanted * 3 / 2, 10);
    double initial = env_fraction("MWE_INITIAL_WORKERS", -1);
    double min_spare = env_fraction("MWE_MINIMUM_SPARE_WORKERS", -1);
    double max_spare = env_fraction("MWE_MAXIMUM_SPARE_WORKERS", -1);

    double prefork_initial = initial >= 0 ? initial : 0.05;
    set_number("MWE_MPM_PREFORK_MAX_CLIENTS", max_clients);
    set_number("MWE_MPM_PREFORK_START_SERVERS", at_least((long)(prefork_initial * max_clients), 1));
    set_number("MWE_MPM_PREFORK_MIN_SPARE_SERVERS", at_least((long)((min_spare >= 0 ? min_spare : prefork_initial) * max_clients), 1));
    set_number("MWE_MPM_PREFORK_MAX_SPARE_SERVERS", at_least((long)((max_spare >= 0 ? max_spare : 0.1) * max_clients), 1));

    if (strcmp(env_or("MWE_WSGI_MODE", "daemon"), "embedded") == 0) {
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
    int floored = !given && max_clients < SLOW_CLIENTS_FLOOR;
    if (floored) max_clients = SLOW_CLIENTS_FLOOR;
    double worker_initial = initial >= 0 ? initial : floored ? 1.0 : 0.2;
    double worker_min_spare = min_spare >= 0 ? min_spare : floored ? 0.25 : worker_initial;
    double worker_max_spare = max_spare >= 0 ? max_spare : floored ? 1.0 : 0.6;
    long per_child = floored ? SLOW_CLIENTS_THREADS_PER_CHILD : max_clients > 20 ? max_clients / (max_clients / 20 + 1) : 10;
    long server_limit = (max_clients + per_child - 1) / per_child;
    set_number("MWE_MPM_SERVER_LIMIT", server_limit);
    set_number("MWE_MPM_THREADS_PER_CHILD", per_child);
    set_number("MWE_MPM_START_SERVERS", at_least((long)(worker_initial * server_limit), 1));
    set_number("MWE_MPM_MAX_REQUEST_WORKERS", server_limit * per_child);
    set_number("MWE_MPM_MIN_SPARE_THREADS", at_least((long)(worker_min_spare * server_limit) * per_child, per_child));
    set_number("MWE_MPM_MAX_SPARE_THREADS", at_least((long)(worker_max_spare * server_limit) * per_child, per_child));
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
static void source_envvars(const char *scripts, const sigset_t *original) {
    if (!scripts) return;
    int fds[2];
    if (pipe(fds) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, original, NULL);
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
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
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

/* ---- Runtime directory and pid file ---- */

/*
 * Group-writable (setgid, group 0 inherited): the same tree serves an
 * arbitrary UID in group 0. Parents too; only directories made here, or
 * owned by this user, have their mode set.
 */
static int prepare_dir(const char *dir) {
    if (!dir || !*dir) return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash) *slash = '\0';
        int made = mkdir(path, 0775) == 0;
        if (!made && errno != EEXIST) return -1;
        struct stat info;
        if (made || (!slash && stat(path, &info) == 0 && info.st_uid == geteuid())) chmod(path, 02775);
        if (!slash) break;
        *slash = '/';
    }
    return access(dir, W_OK | X_OK);
}

/*
 * The runtime directory (pid file, daemon sockets): MWE_RUNTIME_DIR, or, when
 * this user cannot write there (a root-owned volume mounted on it, a /tmp left
 * by another UID), a directory of this user's own next to it.
 */
static const char *runtime_dir(int create) {
    static char fallback[4096];
    const char *dir = env_or("MWE_RUNTIME_DIR", DEFAULT_RUNTIME_DIR);
    if ((create ? prepare_dir(dir) : access(dir, W_OK | X_OK)) == 0) return dir;
    snprintf(fallback, sizeof fallback, "%s-%ld", dir, (long)geteuid());
    if (create && prepare_dir(fallback) != 0) {
        fprintf(stderr, "mwe-entrypoint: neither %s nor %s is writable for uid %ld: %s; mount a writable volume there or give MWE_RUNTIME_DIR\n",
                dir, fallback, (long)geteuid(), strerror(errno));
        exit(1);
    }
    return fallback;
}

/* MWE_DIRECTORIES: colon-separated directories the configuration writes into. */
static void prepare_directories(const char *list) {
    if (!list) return;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *dir = strtok(copy, ":"); dir; dir = strtok(NULL, ":")) {
        if (prepare_dir(dir) != 0) die(dir);
    }
}

static const char *pid_file(void) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/httpd.pid", runtime_dir(0));
    return env_or("MWE_PID_FILE", path);
}

static void runtime_file(char *path, size_t size, const char *name) {
    snprintf(path, size, "%s/%s", runtime_dir(0), name);
}

/* The pid in the pid file when that process is alive, else 0. */
static pid_t running_httpd(void) {
    FILE *file = fopen(pid_file(), "r");
    if (!file) return 0;
    long pid = 0;
    int found = fscanf(file, "%ld", &pid) == 1;
    fclose(file);
    return found && pid > 1 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

static int healthcheck(void);

/* ---- Graceful restart ---- */

/* True when process `pid` is a child of `parent` whose argv[0] begins with `prefix` (read from /proc). */
static int child_named(long pid, pid_t parent, const char *prefix) {
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0) return 0;
    text[got] = '\0';
    char *end = strrchr(text, ')'); /* the command name may hold spaces and parentheses */
    long ppid = 0;
    if (!end || sscanf(end + 1, " %*c %ld", &ppid) != 1 || ppid != (long)parent) return 0;
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    size_t length = strlen(prefix);
    got = read(fd, text, length);
    close(fd);
    return got == (ssize_t)length && memcmp(text, prefix, length) == 0;
}

/*
 * A graceful restart of the container (SIGHUP, SIGUSR1, apachectl graceful)
 * replaces the mod_wsgi daemon processes: SIGUSR1 to each of Apache's children
 * that mod_wsgi named (wsgi:GROUP), not to Apache. mod_wsgi takes it as a
 * graceful restart of that process: its requests finish (up to
 * graceful-timeout), it exits, and Apache starts a new one on the same
 * listening socket, where new requests wait meanwhile. Apache's own graceful
 * restart would close and unlink that socket and make another for its next
 * generation: a request connecting in between gets 503 (mod_wsgi retries a
 * refused connection, never a missing socket), one queued on the old socket
 * is reset. Without daemon processes (embedded mode, static files) Apache
 * restarts gracefully itself.
 */
static void graceful_restart(pid_t httpd) {
    int signalled = 0;
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char entries[4096] __attribute__((aligned(8)));
    ssize_t got;
    while (proc >= 0 && (got = getdents64(proc, entries, sizeof entries)) > 0) {
        for (ssize_t offset = 0; offset < got;) {
            struct dirent64 *entry = (struct dirent64 *)(entries + offset);
            offset += entry->d_reclen;
            char *end;
            long pid = strtol(entry->d_name, &end, 10);
            if (*end || pid <= 1 || !child_named(pid, httpd, "(wsgi:")) continue;
            if (kill((pid_t)pid, SIGUSR1) == 0) signalled++;
        }
    }
    if (proc >= 0) close(proc);
    if (!signalled) kill(httpd, SIGUSR1);
}

/* True (its reason on stderr) when the application gave up loading and stopped Apache. */
static int startup_failed(void) {
    char path[4096], reason[512];
    runtime_file(path, sizeof path, STARTUP_FAILED_MARKER);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, reason, sizeof reason - 1);
    close(fd);
    unlink(path);
    if (got < 0) got = 0;
    while (got > 0 && reason[got - 1] == '\n') got--;
    reason[got] = '\0';
    fprintf(stderr, "mwe-entrypoint: exiting with status %d: %s\n", EXIT_STARTUP_FAILED, got ? reason : "the application failed to load");
    return 1;
}

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
        if (signals[i].signal == SIGUSR1) {
            graceful_restart(pid);
            return 0;
        }
        if (kill(pid, signals[i].signal) != 0) die("kill");
        return signals[i].waits ? wait_for_exit(pid, stop_timeout) : 0;
    }
    fprintf(stderr, "mwe-entrypoint: apachectl: unknown action '%s'; use start, stop, graceful-stop, restart, graceful, configtest or status\n", action);
    return 2;
}

/* ---- Health check ---- */

/*
 * The address a client reaches Apache on from inside the container: the
 * --host address (MWE_HOST) unless it is a wildcard, else loopback.
 */
static const char *healthcheck_address(void) {
    const char *host = env_or("MWE_HOST", "");
    if (!*host || strcmp(host, "0.0.0.0") == 0) return "127.0.0.1";
    if (strcmp(host, "::") == 0) return "::1";
    return host;
}

static int healthcheck(void) {
    char marker[4096];
    runtime_file(marker, sizeof marker, STOPPING_MARKER);
    if (access(marker, F_OK) == 0) {
        fprintf(stderr, "unhealthy: stopping (SIGTERM received)\n");
        return 1;
    }
    long port = env_number("PORT", 8000, 1, 65535);
    const char *path = env_or("MWE_HEALTHCHECK_PATH", "/");
    const char *host_header = env_or("MWE_HEALTHCHECK_HOST", "localhost");
    const char *address = healthcheck_address();
    char service[16];
    snprintf(service, sizeof service, "%ld", port);
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *found;
    if (getaddrinfo(address, service, &hints, &found) != 0) {
        fprintf(stderr, "unhealthy: MWE_HOST='%s' is not an IP address\n", address);
        return 1;
    }
    int fd = socket(found->ai_family, SOCK_STREAM, 0);
    struct timeval timeout = {(time_t)env_number("MWE_HEALTHCHECK_TIMEOUT", 3, 1, 300), 0};
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    if (fd < 0 || connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        fprintf(stderr, "unhealthy: cannot connect to %s port %ld: %s\n", address, port, strerror(errno));
        freeaddrinfo(found);
        return 1;
    }
    freeaddrinfo(found);
    char request[1024];
    int length = snprintf(request, sizeof request,
                          "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: mwe-healthcheck\r\n\r\n", path, host_header);
    if (length <= 0 || length >= (int)sizeof request || write(fd, request, (size_t)length) != length) return 1;
    char reply[64] = {0};
    ssize_t got = read(fd, reply, sizeof reply - 1);
    close(fd);
    int status = 0;
    if (got < 12 || sscanf(reply, "HTTP/%*d.%*d %d", &status) != 1) {
        fprintf(stderr, "unhealthy: no HTTP answer from %s port %ld%s\n", address, port, path);
        return 1;
    }
    if (status >= 500) {
        fprintf(stderr, "unhealthy: http://%s%s (%s port %ld) answered %d\n", host_header, path, address, port, status);
        return 1;
    }
    printf("healthy: http://%s%s (%s port %ld) answered %d\n", host_header, path, address, port, status);
    return 0;
}

/* ---- Out-of-memory kills ---- */

/* How many processes the kernel's OOM killer ended in this container's cgroup (v2 or v1); -1 when unknown. */
static long oom_kills(void) {
    static const char *files[] = {"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *file = fopen(files[i], "r");
        if (!file) continue;
        char key[64];
        long value;
        long kills = -1;
        while (fscanf(file, "%63s %ld", key, &value) == 2) {
            if (strcmp(key, "oom_kill") == 0) kills = value;
        }
        fclose(file);
        if (kills >= 0) return kills;
    }
    return -1;
}

static void report_oom_kills(long *seen) {
    long kills = oom_kills();
    if (kills > *seen && *seen >= 0) {
        fprintf(stderr, "mwe-entrypoint: the kernel's OOM killer ended %ld process%s in this container (over its memory limit); "
                        "Apache replaces a killed daemon process, but raise docker run --memory or lower MWE_PROCESSES/MWE_THREADS\n",
                kills - *seen, kills - *seen == 1 ? "" : "es");
    }
    if (kills >= 0) *seen = kills;
}

/* ---- JSON logs ---- */

/* One JSON string: quotes, backslashes and control characters escaped. */
static void json_string(FILE *out, const char *text) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f) fprintf(out, "\\u%04x", *c);
        else fputc(*c, out);
    }
    fputc('"', out);
}

/*
 * `mwe-entrypoint json-log access|error`: Apache's piped logger with
 * MWE_LOG_FORMAT=json. Reads the tab-separated lines of the formats the
 * generated config gives (values as Apache escapes them) and writes one JSON
 * object per line, access to stdout, errors to stderr. A line of another
 * shape (Apache's own early start-up messages) becomes a message.
 */
static int json_log(const char *kind) {
    static const char *access[] = {"time", "client", "method", "path", "query", "protocol", "status", "bytes", "duration_us", "referer", "user_agent", "host", NULL};
    static const char *error[] = {"time", "level", "module", "pid", "tid", "client", "message", NULL};
    static const char *numeric[] = {"status", "bytes", "duration_us", "pid", "tid", NULL};
    int is_access = strcmp(kind, "access") == 0;
    const char **names = is_access ? access : error;
    /* Apache gives a piped logger its own descriptors: write to the container's output itself. */
    FILE *out = fopen(is_access ? "/proc/1/fd/1" : "/proc/1/fd/2", "a");
    if (!out) out = is_access ? stdout : stderr;
    size_t count = 0;
    while (names[count]) count++;
    static char line[65536];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *fields[16];
        size_t found = 0;
        fields[found++] = line;
        for (char *tab = strchr(line, '\t'); tab && found < count; tab = strchr(tab + 1, '\t')) {
            *tab = '\0';
            fields[found++] = tab + 1;
        }
        fprintf(out, "{\"log\":\"%s\"", kind);
        if (found != count) {
            for (size_t i = 1; i < found; i++) fields[i][-1] = '\t';
            fputs(",\"message\":", out);
            json_string(out, line);
        }
        for (size_t i = 0; found == count && i < count; i++) {
            int number = fields[i][0] != '\0' && strspn(fields[i], "0123456789") == strlen(fields[i]);
            for (size_t n = 0; number && numeric[n]; n++) {
                if (strcmp(numeric[n], names[i]) == 0) number = 2;
            }
            fprintf(out, ",\"%s\":", names[i]);
            if (number == 2) fputs(fields[i], out);
            else json_string(out, fields[i]);
        }
        fputs("}\n", out);
        fflush(out);
    }
    return 0;
}

/* ---- Signals ---- */

/*
 * Every signal but the synchronous ones (a fault in this process must not be
 * blocked: it would hang or be undefined), so that each is taken from the
 * queue by sigtimedwait in the supervision loop, never by a handler.
 */
static void block_signals(sigset_t *blocked, sigset_t *original) {
    static const int synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
    sigfillset(blocked);
    for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++) sigdelset(blocked, synchronous[i]);
    sigprocmask(SIG_BLOCK, blocked, original);
}

/* True when a stop (SIGTERM or SIGINT) is already queued; it is taken from the queue. */
static int stop_pending(void) {
    sigset_t pending;
    sigpending(&pending);
    if (!sigismember(&pending, SIGTERM) && !sigismember(&pending, SIGINT)) return 0;
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    struct timespec now = {0, 0};
    sigtimedwait(&stops, NULL, &now);
    return 1;
}

/* ---- Supervision ---- */

/* Apache's own meaning of signals differs from a container's. */
static int translate(int sig) {
    switch (sig) {
    case SIGTERM: return SIGWINCH; /* graceful-stop */
    case SIGINT: return SIGTERM;   /* stop now */
    default: return sig;
    }
}

static long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

static pid_t spawn(const char *path, char **argv, const sigset_t *original) {
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        sigprocmask(SIG_SETMASK, original, NULL);
        exec_command(path, argv);
    }
    return child;
}

/*
 * Forwards signals to the child, runs the stop sequence and reaps every
 * process until the child exits; returns its exit status.
 * SIGTERM: health check fails at once; after MWE_STOP_DELAY seconds Apache
 * gets its graceful-stop signal, repeated until it acts (it ignores the
 * signal until its handlers are set); after MWE_STOP_TIMEOUT more, every
 * process is killed. A second SIGTERM skips the rest of the delay.
 */
static int supervise(pid_t child, const sigset_t *blocked, long stop_delay, long stop_timeout) {
    long long graceful_at = 0, hard_stop_at = 0; /* milliseconds on the monotonic clock; 0: not due */
    long oom_seen = oom_kills();
    char marker[4096];
    runtime_file(marker, sizeof marker, STOPPING_MARKER);
    for (;;) {
        struct timespec tick = {0, graceful_at ? 250000000L : 0};
        if (!graceful_at) tick.tv_sec = 1;
        siginfo_t info;
        int sig = sigtimedwait(blocked, &info, &tick);
        long long now = monotonic_ms();
        if (sig == SIGTERM) {
            if (!graceful_at) {
                int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0664);
                if (fd >= 0) close(fd);
                if (stop_delay > 0) fprintf(stderr, "mwe-entrypoint: SIGTERM: health check failing, serving %lds more before the graceful stop (MWE_STOP_DELAY)\n", stop_delay);
                graceful_at = now + stop_delay * 1000;
            } else if (graceful_at > now) {
                graceful_at = now; /* a second SIGTERM: stop now, gracefully */
            }
        } else if ((sig == SIGHUP || sig == SIGUSR1) && running_httpd() != child) {
            /* Apache's restart signal kills it before its handlers are set: restarts wait for its pid file. */
            fprintf(stderr, "mwe-entrypoint: %s before Apache finished starting: nothing to restart yet\n", sig == SIGHUP ? "SIGHUP" : "SIGUSR1");
        } else if (sig == SIGHUP || sig == SIGUSR1) {
            graceful_restart(child);
        } else if (sig > 0 && sig != SIGCHLD) {
            kill(child, translate(sig));
        }
        if (graceful_at && now >= graceful_at) {
            kill(child, SIGWINCH);
            if (!hard_stop_at) hard_stop_at = now + stop_timeout * 1000;
        }
        if (hard_stop_at && now >= hard_stop_at) {
            fprintf(stderr, "mwe-entrypoint: graceful stop exceeded MWE_STOP_TIMEOUT=%lds, killing all processes\n", stop_timeout);
            kill(-1, SIGKILL); /* as PID 1: every process in the container but this one */
            hard_stop_at = graceful_at = 0;
        }
        report_oom_kills(&oom_seen);
        /* Reap everything that exited: Apache, and any orphan re-parented here. */
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid == child) {
                unlink(marker);
                if (startup_failed()) return EXIT_STARTUP_FAILED;
                if (WIFEXITED(status)) return WEXITSTATUS(status);
                if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
                return 1;
            }
        }
    }
}

/* ---- main ---- */

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    if (strcmp(name ? name + 1 : argv[0], "mwe-healthcheck") == 0) return healthcheck();
    if (argc == 3 && strcmp(argv[1], "json-log") == 0) return json_log(argv[2]);

    sigset_t blocked, original;
    block_signals(&blocked, &original);

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
    const char *log_format = env_or("MWE_LOG_FORMAT", "text");
    if (strcmp(log_format, "json") == 0) {
        httpd_argv[n++] = "-DMWE_JSON_LOGS";
    } else if (strcmp(log_format, "text") != 0) {
        fprintf(stderr, "mwe-entrypoint: MWE_LOG_FORMAT='%s' is not text or json; fix the variable\n", log_format);
        return 2;
    }
    if (startup_log && !configtest) {
        httpd_argv[n++] = "-E";
        httpd_argv[n++] = (char *)startup_log;
    }
    httpd_argv[n] = NULL;
    int apachectl_action = argc == 3 && strcmp(argv[1], "apachectl") == 0;
    char **command = argc > 1 && !configtest && !apachectl_action ? argv + 1 : httpd_argv;
    const char *command_path = command == httpd_argv ? httpd : command[0];

    source_envvars(env_or("MWE_ENVVARS", NULL), &original);
    env_number("PORT", 8000, 1, 65535);
    long stop_timeout = env_number("MWE_STOP_TIMEOUT", 8, 1, 86400);
    set_number("MWE_STOP_TIMEOUT", stop_timeout);
    long stop_delay = env_number("MWE_STOP_DELAY", 0, 0, 3600);
    resolve_auto_processes();
    size_worker_pool();
    setenv("MWE_RUNTIME_DIR", runtime_dir(1), 1);
    prepare_directories(env_or("MWE_DIRECTORIES", NULL));
    if (apachectl_action) {
        sigprocmask(SIG_SETMASK, &original, NULL);
        return apachectl(argv[2], httpd, httpd_argv, stop_timeout);
    }
    if (getpid() != 1) {
        sigprocmask(SIG_SETMASK, &original, NULL);
        exec_command(command_path, command);
    }

    char marker[4096];
    runtime_file(marker, sizeof marker, STOPPING_MARKER);
    unlink(marker);
    unlink(pid_file()); /* PID 1 of its own namespace: any pid file here is stale */
    runtime_file(marker, sizeof marker, STARTUP_FAILED_MARKER);
    unlink(marker);
    runtime_file(marker, sizeof marker, STOPPING_MARKER);
    if (stop_pending()) return 0; /* asked to stop before anything started: nothing to finish */
    pid_t child = spawn(command_path, command, &original);
    return supervise(child, &blocked, stop_delay, stop_timeout);
}
