"""A Flask application: its WSGI callable is named app, hence --callable-object app.
Flask comes from PyPI through requirements.txt beside this file:

    mwe-image build examples/flask/app.py --callable-object app

or, without requirements.txt's PyPI Flask, from Debian's package:

    mwe-image build examples/flask/app.py --callable-object app --ignore-requirements --system-packages python3-flask
"""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route('/')
def index():
    return 'Hello from Flask!'


@app.route('/echo')
def echo():
    return jsonify(path=request.path, args=request.args, script_root=request.script_root)
