"""The pull engine (to come): Salesforce changes -> the host, the other direction of
:mod:`flask_sfsync.sync.push`.

What goes here, Flask-free like the rest of :mod:`flask_sfsync.sync`: per object, reading
changed records page by page (``SystemModstamp >= watermark - lookback``, a (SystemModstamp,
Id) keyset; queryAll for deletes and merges) through :class:`~flask_sfsync.salesforce.api.
SalesforceApi`; deciding per field what to apply (the mapping's rule from
:mod:`flask_sfsync.sync.mapping`, the last value both sides agreed on, the echo of our own
writes); conversions and merges that move or drop :class:`~flask_sfsync.sync.links.Link`
rows. The Flask side stores the mirror rows and the watermark and writes the host.
"""
