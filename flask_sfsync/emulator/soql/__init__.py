"""The SOQL engine: ``engine.execute(source, text)`` over anything that is a ``QuerySource``.

Depends on ``schema`` and ``errors`` (not on the store: an Org is one ``QuerySource``).

    engine.py       execute: parse, resolve, filter once, sort once, format pages lazily
    lexer.py        tokens and Salesforce-style error messages
    stream.py       the token stream the parser reads
    parser.py       recursive-descent parser (clauses, WHERE, HAVING) -> ast.py
    parse_select.py the SELECT list: fields, functions, FIELDS(), sub-queries, TYPEOF
    ast.py          the parsed query
    dates.py        relative date literals as ranges of days
    paths.py        field paths resolved against the schema; the QuerySource protocol
    functions.py    date functions, toLabel(), FORMAT() as computed paths
    filter.py       WHERE compiled into closures (semi-joins through subquery.py)
    order.py        ORDER BY
    index.py        Id and indexed-field lookups
    matching.py     the rows a WHERE matches, in ORDER BY order
    selection.py    the SELECT list of a record query, FIELDS() expanded, TYPEOF
    subquery.py     parent-to-child sub-queries; semi-joins and anti-joins
    aggregate.py    aggregate functions, GROUP BY, HAVING
    scope.py        what one execution knows (source, clock, API)
    formatter.py    rows as REST records
    result.py       results page by page (REST JSON, Bulk CSV)
"""
