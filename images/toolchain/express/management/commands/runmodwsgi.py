"""`python3 manage.py runmodwsgi` inside a mwe-image image.

The image already holds what mod_wsgi-express's runmodwsgi generates on a host:
the Apache configuration for this project's WSGI_APPLICATION, with STATIC_URL
and MEDIA_URL served by Apache (written when the image was built). So this
command starts that server: it execs the image's entrypoint, which checks the
run-time settings and runs Apache in the foreground. The options here are the
image's run-time settings (environment variables the entrypoint reads);
everything else was fixed by `mwe-image build`.

    runmodwsgi [--port N] [--processes N] [--threads N] [--log-level LEVEL]
               [--stop-timeout SECONDS] [--reload-on-changes]
    runmodwsgi --setup-only --server-root DIR [same options]  (the image's setup-server)
"""
import os
import sys

from django.core.management.base import BaseCommand, CommandError

ENTRYPOINT = '/usr/local/bin/mwe-entrypoint'
SETUP_SERVER = '/usr/local/bin/setup-server'

# Option -> environment variable the entrypoint and the generated config read.
SETTINGS = [
    ('port', '--port', 'PORT'),
    ('processes', '--processes', 'MWE_PROCESSES'),
    ('threads', '--threads', 'MWE_THREADS'),
    ('log_level', '--log-level', 'MWE_LOG_LEVEL'),
    ('stop_timeout', '--stop-timeout', 'MWE_STOP_TIMEOUT'),
]
# Fixed when the image is built; accepted only to hand them to setup-server, which says so.
BUILD_TIME = [('user', '--user'), ('group', '--group')]


def usage_error(message):
    return CommandError(message, returncode=2)


def restore_initial(name):
    """Undo what loading the settings did to a variable (Django sets TZ from TIME_ZONE),
    so that Apache starts with the container's environment: /proc/self/environ is
    the environment this process started with."""
    try:
        with open('/proc/self/environ', 'rb') as environ:
            entries = environ.read().split(b'\0')
    except OSError:
        return
    prefix = name.encode() + b'='
    initial = [entry[len(prefix):] for entry in entries if entry.startswith(prefix)]
    if initial:
        os.environ[name] = initial[0].decode()
    else:
        os.environ.pop(name, None)


class Command(BaseCommand):
    help = ("Start this image's Apache/mod_wsgi server (mod_wsgi-express's runmodwsgi), "
            "or with --setup-only write a server root with apachectl.")

    def add_arguments(self, parser):
        parser.add_argument('--port', type=int, help='port Apache listens on (PORT)')
        parser.add_argument('--processes', type=int, help='daemon processes (MWE_PROCESSES)')
        parser.add_argument('--threads', type=int, help='threads per daemon process (MWE_THREADS)')
        parser.add_argument('--log-level', help='Apache LogLevel (MWE_LOG_LEVEL)')
        parser.add_argument('--stop-timeout', type=int, help='seconds a graceful stop may take (MWE_STOP_TIMEOUT)')
        parser.add_argument('--reload-on-changes', action='store_true',
                            help='restart the daemon process when an imported Python file changes (development only)')
        parser.add_argument('--setup-only', action='store_true',
                            help='write a server root (setup-server) instead of starting the server')
        parser.add_argument('--server-root', help='directory --setup-only writes to')
        parser.add_argument('--user', help='with --setup-only: passed to setup-server')
        parser.add_argument('--group', help='with --setup-only: passed to setup-server')

    def handle(self, *args, **options):
        if options['setup_only']:
            self.setup_only(options)
        for key, flag in BUILD_TIME:
            if options[key] is not None:
                raise usage_error('%s is fixed when the image is built (mwe-image build %s ...); '
                                   'drop it here' % (flag, flag))
        if options['server_root'] is not None:
            raise usage_error('--server-root goes with --setup-only; add --setup-only or drop it')
        for key, _, variable in SETTINGS:
            if options[key] is not None:
                os.environ[variable] = str(options[key])
        if options['reload_on_changes']:
            os.environ['MWE_RELOAD_ON_CHANGES'] = '1'
        self.exec(ENTRYPOINT, [])

    def setup_only(self, options):
        if not options['server_root']:
            raise usage_error('--setup-only needs --server-root DIRECTORY')
        argv = ['--server-root', options['server_root']]
        for key, flag, _ in SETTINGS:
            if options[key] is not None:
                argv += [flag, str(options[key])]
        for key, flag in BUILD_TIME:
            if options[key] is not None:
                argv += [flag, options[key]]
        if options['reload_on_changes']:
            argv.append('--reload-on-changes')
        self.exec(SETUP_SERVER, argv)

    def exec(self, program, argv):
        if not os.access(program, os.X_OK):
            raise CommandError('%s is missing: runmodwsgi works inside an image made by mwe-image '
                               '(on a host, use mod_wsgi-express and mod_wsgi.server)' % program)
        restore_initial('TZ')
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(program, [program] + argv)
