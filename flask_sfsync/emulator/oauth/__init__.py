"""OAuth 2.0 and identity as Salesforce serves them (login host, and the instance host).

Depends on ``pages`` (its forms), ``requestlog`` and, for types, ``store``.

    server.py     OAuthService: the router, token and revoke endpoints
    browser.py    authorize, login form, Allow/Deny page, the connected app
    tokens.py     access and refresh tokens, authorization codes
    identity.py   identity URL, userinfo, OpenID discovery
    http.py       OAuthError and response helpers
"""
