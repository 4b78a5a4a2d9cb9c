# Public defaults for `flask` commands; secrets belong in the environment or .env.
FLASK_APP=wsgi.py
FLASK_RUN_HOST=127.0.0.1
FLASK_RUN_PORT=5000
