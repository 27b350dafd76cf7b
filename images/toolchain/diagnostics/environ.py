"""Plain-text page showing what a request, the process and the server see."""
import locale
import os
import sys

import mod_wsgi

try:
    import apache
except ImportError:  # only importable inside Apache
    apache = None


def _section(lines, title, items):
    lines.append('## %s' % title)
    for key, value in items:
        lines.append('%s: %r' % (key, value))
    lines.append('')


def _gil_enabled():
    probe = getattr(sys, '_is_gil_enabled', None)
    return probe() if probe else True


def _call(name):
    function = getattr(mod_wsgi, name, None)
    try:
        return function() if function else None
    except Exception as error:  # metrics can be disabled by configuration
        return 'unavailable: %s' % error


def application(environ, start_response):
    lines = []
    _section(lines, 'WSGI environ', sorted(environ.items()))
    _section(lines, 'Process', [
        ('pid', os.getpid()), ('ppid', os.getppid()),
        ('uid', os.getuid()), ('gid', os.getgid()),
        ('groups', os.getgroups()), ('cwd', os.getcwd()),
    ])
    _section(lines, 'Host environment', sorted(os.environ.items()))
    _section(lines, 'mod_wsgi', [
        ('version', getattr(mod_wsgi, 'version', None)),
        ('process_group', getattr(mod_wsgi, 'process_group', None)),
        ('application_group', getattr(mod_wsgi, 'application_group', None)),
        ('maximum_processes', getattr(mod_wsgi, 'maximum_processes', None)),
        ('threads_per_process', getattr(mod_wsgi, 'threads_per_process', None)),
        ('process_metrics', _call('process_metrics')),
        ('server_metrics', _call('server_metrics')),
    ])
    if apache is not None:
        _section(lines, 'Apache', [
            (name, getattr(apache, name, None)) for name in (
                'version', 'description', 'build_date', 'mpm_name',
                'maximum_processes', 'threads_per_process')
        ])
    _section(lines, 'Python', [
        ('version', sys.version), ('executable', sys.executable),
        ('prefix', sys.prefix), ('path', sys.path),
        ('gil_enabled', _gil_enabled()),
        ('default_encoding', sys.getdefaultencoding()),
        ('filesystem_encoding', sys.getfilesystemencoding()),
        ('preferred_encoding', locale.getpreferredencoding(False)),
        ('locale', locale.setlocale(locale.LC_ALL)),
        ('LANG', os.environ.get('LANG')), ('LC_ALL', os.environ.get('LC_ALL')),
    ])
    output = '\n'.join(lines).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8'),
                              ('Content-Length', str(len(output)))])
    return [output]
