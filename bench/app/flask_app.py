"""The Flask endpoint of the benchmark: a small JSON document built per request."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.route('/flask/json')
def json_endpoint():
    return jsonify(
        message='Hello World!',
        items=[{'id': number, 'name': 'item %d' % number, 'price': number * 1.5} for number in range(20)],
    )
