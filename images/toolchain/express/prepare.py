"""Image build step for a Django project. mwe-image's Dockerfile runs it as
root in the project directory (/srv/app) once the project is copied in:

    python3 -m mod_wsgi.express.prepare --settings mysite.settings \\
        --mount-point / --output /etc/mwe-image/django.conf

1. collectstatic, when django.contrib.staticfiles is installed and STATIC_ROOT
   is set;
2. the Apache include --output: STATIC_URL served from STATIC_ROOT (unless
   WhiteNoise serves them, as mod_wsgi-express's runmodwsgi decides) and
   MEDIA_URL from MEDIA_ROOT, by Apache, without entering Django;
3. MEDIA_ROOT created writable by group 0 (the image's user, or any UID in
   group 0), so uploads work at run time.

Values go into single-quoted Apache words: a URL or path with a quote,
backslash, space, < > or control character is refused, not escaped.
"""
import argparse
import os
import re
import sys
import traceback

UNSAFE = re.compile(r'[\'"\\<>\s\x00-\x1f\x7f]')
WHITENOISE = 'whitenoise.middleware.WhiteNoiseMiddleware'


def note(message):
    print('mod_wsgi.express: %s' % message, flush=True)


def fail(message):
    print('mod_wsgi.express: %s' % message, file=sys.stderr, flush=True)
    sys.exit(1)


def safe(name, value):
    if UNSAFE.search(value):
        fail('%s %r has a quote, backslash, space, < > or control character, which cannot go into '
             'the Apache configuration; change the setting' % (name, value))
    return value


def url_of(name, value, mount_point):
    """The URL path a setting names; None when it is unset, / or on another server."""
    value = str(value or '')
    if '://' in value or value.startswith('//'):
        note('%s is %s, another server: no Apache alias for it' % (name, value))
        return None
    if not value.startswith('/'):
        # Django prefixes a relative STATIC_URL/MEDIA_URL with the script name (the mount point).
        value = mount_point.rstrip('/') + '/' + value
    if value == '/':
        note('%s is unset or /: no Apache alias for it (it would hide the application); set it, e.g. %r'
             % (name, name.split('_')[0].lower() + '/'))
        return None
    return safe(name, value)


def root_of(name, value):
    """The absolute directory a setting names; None when it is unset."""
    value = os.fspath(value) if value else ''
    if not value:
        return None
    if not os.path.isabs(value) or os.path.normpath(value) == '/':
        fail('%s %r is not an absolute directory below /; set it like BASE_DIR / %r'
             % (name, value, name.split('_')[0].lower()))
    return safe(name, os.path.normpath(value))


def alias(url, root, comment, extra=()):
    # A trailing slash on the URL is matched on the path: Apache appends what follows the URL.
    target = root + ('/' if url.endswith('/') else '')
    return ['# %s' % comment, "Alias '%s' '%s'" % (url, target), "<Directory '%s'>" % root,
            '    AllowOverride None'] + ['    %s' % line for line in extra] + [
            '    Require all granted', '</Directory>', '']


def group_writable(root):
    """MEDIA_ROOT and what is in it: group 0, group-writable, setgid directories."""
    os.makedirs(root, exist_ok=True)
    for directory, _, files in os.walk(root):
        os.chown(directory, -1, 0)
        os.chmod(directory, 0o2775)
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chown(path, -1, 0)
                os.chmod(path, os.stat(path).st_mode | 0o060)


def load_settings(module, mount_point):
    os.environ['DJANGO_SETTINGS_MODULE'] = module
    try:
        import django
    except ImportError:
        fail('Django is not installed in the image; list Django in the project\'s requirements.txt '
             '(or its lock file), or add --system-packages python3-django')
    try:
        django.setup(set_prefix=False)
        from django.conf import settings
        settings.INSTALLED_APPS  # noqa: B018 (evaluates the settings module)
    except Exception:
        traceback.print_exc()
        fail('loading the Django settings %s failed (above); fix them so that they load '
             'without a database or secrets from the run-time environment' % module)
    from django.urls import set_script_prefix
    set_script_prefix(mount_point.rstrip('/') + '/')
    return settings


def prepare(module, mount_point):
    """collectstatic and media; returns the lines of the Apache include."""
    settings = load_settings(module, mount_point)
    from django.apps import apps
    from django.core.management import call_command

    lines = ['# Written by mod_wsgi.express.prepare from %s when the image was built.' % module, '']
    # Every value is checked before anything is written.
    static_root = root_of('STATIC_ROOT', getattr(settings, 'STATIC_ROOT', None))
    static_url = url_of('STATIC_URL', getattr(settings, 'STATIC_URL', None), mount_point)
    media_root = root_of('MEDIA_ROOT', getattr(settings, 'MEDIA_ROOT', None))
    media_url = media_root and url_of('MEDIA_URL', getattr(settings, 'MEDIA_URL', None), mount_point)

    if apps.is_installed('django.contrib.staticfiles'):
        if static_root:
            call_command('collectstatic', interactive=False, verbosity=1)
        else:
            note('STATIC_ROOT is not set: static files are not collected or served; set STATIC_ROOT')
    if WHITENOISE in (getattr(settings, 'MIDDLEWARE', None) or []):
        note('WhiteNoise serves STATIC_URL: no Apache alias for it')
    elif static_root and static_url:
        os.makedirs(static_root, exist_ok=True)
        lines += alias(static_url, static_root, 'STATIC_URL -> STATIC_ROOT (collectstatic)')

    if media_root:
        group_writable(media_root)
        if media_url:
            lines += alias(media_url, media_root, 'MEDIA_URL -> MEDIA_ROOT (uploads: served as files, never run)',
                           ['Options None', 'Header set X-Content-Type-Options nosniff'])
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m mod_wsgi.express.prepare', description=__doc__.split('\n\n')[0])
    parser.add_argument('--settings', required=True, help='Django settings module')
    parser.add_argument('--mount-point', default='/', help='URL prefix of the application')
    parser.add_argument('--output', required=True, help='Apache include to write')
    args = parser.parse_args(argv)
    lines = prepare(args.settings, args.mount_point)
    with open(args.output, 'w') as output:
        output.write('\n'.join(lines))
    note('wrote %s:\n%s' % (args.output, '\n'.join(line for line in lines if line.startswith('Alias')) or '(no aliases)'))


if __name__ == '__main__':
    main()
