"""mod_wsgi.express: Django integration of a mwe-image image.

Add 'mod_wsgi.express' to INSTALLED_APPS and `python3 manage.py runmodwsgi`
starts the image's Apache/mod_wsgi server (the configuration baked in when the
image was built, static files and media served by Apache), as mod_wsgi-express's
runmodwsgi does on a host. `python3 -m mod_wsgi.express.prepare` is the image
build step that collects static files and writes the Apache aliases.
"""
