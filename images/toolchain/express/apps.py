from django.apps import AppConfig


class ExpressConfig(AppConfig):
    name = 'mod_wsgi.express'
    label = 'mod_wsgi_express'
    verbose_name = 'mod_wsgi-express (mwe-image)'
