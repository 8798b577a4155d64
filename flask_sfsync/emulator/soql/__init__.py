"""The SOQL engine: ``engine.execute(source, text)`` over anything that is a ``QuerySource``.

Depends on ``schema`` and ``errors`` (not on the store: an Org is one ``QuerySource``).

    engine.py     execute: parse, resolve, filter once, sort once, format pages lazily
    lexer.py      tokens and Salesforce-style error messages
    parser.py     recursive-descent parser -> ast.py
    ast.py        the parsed query
    dates.py      relative date literals as ranges of days
    paths.py      field paths resolved against the schema; the QuerySource protocol
    filter.py     WHERE compiled into closures
    order.py      ORDER BY
    index.py      Id and indexed-field lookups
    result.py     results formatted page by page (REST JSON, Bulk CSV)
"""
