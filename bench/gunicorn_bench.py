"""gunicorn settings for bench/ (``gunicorn -c bench/gunicorn_bench.py``), given explicitly.

Without ``-c``, gunicorn reads ``./gunicorn.conf.py`` when started from the repository
root: the production file, whose worker recycling (``max_requests`` 2,000) restarts each
worker about every second under wrk and whose Prometheus multiprocess directory changes the
app's metrics path. The benchmark measures gunicorn's defaults plus the command-line flags
in bench/lib.sh (``-w 2 -k sync -b 127.0.0.1:<port>``), wherever it is started from.
"""

# No control socket (gunicorn >= 25 opens one at a fixed path in $HOME by default).
control_socket_disable = True
