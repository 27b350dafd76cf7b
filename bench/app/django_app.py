"""The Django endpoint of the benchmark: a page rendered from a template
(a loop, filters, the base template's blocks), settings in this file."""
import os

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))

settings.configure(
    DEBUG=False,
    SECRET_KEY='benchmark-only, not secret',
    ALLOWED_HOSTS=['*'],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=['django.middleware.common.CommonMiddleware'],
    INSTALLED_APPS=[],
    TEMPLATES=[{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'DIRS': [os.path.join(HERE, 'templates')]}],
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402

ROWS = [{'id': number, 'name': 'row %d' % number, 'price': number * 1.5} for number in range(50)]


def page(request):
    return render(request, 'page.html', {'title': 'Benchmark page', 'rows': ROWS})


urlpatterns = [path('django/page', page)]
application = get_wsgi_application()
