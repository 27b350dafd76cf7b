"""Benchmark application: / says hello, /slow?seconds=N sleeps first,
/static/NAME sends the file from ./static itself (only servers without a
static file server reach it; Apache answers /static/ with --url-alias),
/flask/json is a Flask JSON endpoint and /django/page a Django template page
(both present only where Flask and Django are installed:
requirements-frameworks.txt). The frameworks are imported on their first
request, so that the time to a server's first 200 is the server's own."""
import importlib
import os
import threading
import time
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(HERE, 'static')

_frameworks = {}
_import_lock = threading.Lock()


def _framework(module, name):
    """The WSGI callable NAME of MODULE (flask_app, django_app), or None where its framework is not installed."""
    if module not in _frameworks:
        with _import_lock:
            if module not in _frameworks:
                try:
                    _frameworks[module] = getattr(importlib.import_module(module), name)
                except ImportError:
                    _frameworks[module] = None
    return _frameworks[module]


def _not_found(start_response):
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [b'not found']


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path.startswith('/flask/') or path.startswith('/django/'):
        app = _framework('flask_app', 'app') if path.startswith('/flask/') else _framework('django_app', 'application')
        return app(environ, start_response) if app else _not_found(start_response)
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
