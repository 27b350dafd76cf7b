"""Benchmark application: / says hello, /slow?seconds=N sleeps first, and
/static/NAME sends the file from ./static itself (only gunicorn, which has no
static file server, reaches it; Apache answers /static/ with --url-alias)."""
import os
import time
from urllib.parse import parse_qs

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path == '/slow':
        time.sleep(float(parse_qs(environ.get('QUERY_STRING', '')).get('seconds', ['2'])[0]))
        body = b'slow done'
    elif path.startswith('/static/') and '..' not in path:
        name = os.path.join(STATIC, path[len('/static/'):])
        if not os.path.isfile(name):
            start_response('404 Not Found', [('Content-Type', 'text/plain')])
            return [b'not found']
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(os.path.getsize(name)))])
        return environ['wsgi.file_wrapper'](open(name, 'rb'), 65536)
    else:
        body = b'Hello World!'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
