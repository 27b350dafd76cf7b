"""Settings of the example Django project (Django from PyPI, through requirements.txt).

    mwe-image build examples/django --tag mwe-app/django
    docker run --rm -p 127.0.0.1:8000:8000 mwe-app/django
    docker run --rm -p 127.0.0.1:8123:8123 mwe-app/django python3 manage.py runmodwsgi --port 8123

The image build runs collectstatic into STATIC_ROOT and has Apache serve
STATIC_URL and MEDIA_URL from STATIC_ROOT and MEDIA_ROOT.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# An example only: a real project reads its secret from the environment.
SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'example-only-not-secret')
DEBUG = False
ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]']

INSTALLED_APPS = [
    'django.contrib.staticfiles',
    'mod_wsgi.express',
    'pages',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.middleware.common.CommonMiddleware',
]

ROOT_URLCONF = 'mysite.urls'
WSGI_APPLICATION = 'mysite.wsgi.application'

# No database: the example's views need none.
DATABASES = {}

TIME_ZONE = 'UTC'
USE_TZ = True

STATIC_URL = 'static/'
STATIC_ROOT = BASE_DIR / 'staticfiles'
MEDIA_URL = 'media/'
MEDIA_ROOT = BASE_DIR / 'media'
