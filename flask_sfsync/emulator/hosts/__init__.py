"""The two hosts: servers, TLS, the instance pipeline, the login host with its control API.

Depends on ``rest``, ``oauth``, ``pages``, ``requestlog``, ``errors`` and, for types,
``store``; ``handle.LocalOrg`` puts them together.

    server.py     threaded HTTP/1.1 keep-alive servers that can "go down"
    tls.py        the org's CA (kept next to --data) and server certificates, with trustme
    instance.py   the instance host's app: faults, token check, API limits, request log
    login.py      the login host's app: OAuth, record pages, the /_emulator control API
    faults.py     fault injection: latency, errors, lock failures, outages
"""
