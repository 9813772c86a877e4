"""The yardstick: the smallest Flask app, served the same way as allin in the same run."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def bare():
    return "ok"
