"""Diagnostic WSGI applications: mod_wsgi.diagnostics.environ and .hello."""
