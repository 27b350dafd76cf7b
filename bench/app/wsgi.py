"""Benchmark application: / says hello, /slow?seconds=N sleeps first,
/static/NAME sends the file from ./static itself (only servers without a
static file server reach it; Apache answers /static/ with --url-alias),
/flask/json is a Flask JSON endpoint and /django/page a Django template page
(both present only where Flask and Django are installed: requirements.txt)."""
import os
import time
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(HERE, 'static')

try:
    from flask_app import app as flask_application
except ImportError:
    flask_application = None
try:
    from django_app import application as django_application
except ImportError:
    django_application = None


def _not_found(start_response):
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [b'not found']


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path.startswith('/flask/'):
        return flask_application(environ, start_response) if flask_application else _not_found(start_response)
    if path.startswith('/django/'):
        return django_application(environ, start_response) if django_application else _not_found(start_response)
    if path == '/slow':
        time.sleep(float(parse_qs(environ.get('QUERY_STRING', '')).get('seconds', ['2'])[0]))
        body = b'slow done'
    elif path.startswith('/static/') and '..' not in path:
        name = os.path.join(STATIC, path[len('/static/'):])
        if not os.path.isfile(name):
            return _not_found(start_response)
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(os.path.getsize(name)))])
        return environ['wsgi.file_wrapper'](open(name, 'rb'), 65536)
    else:
        body = b'Hello World!'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
