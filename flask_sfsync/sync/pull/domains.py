"""Web domains as the pull matches companies by them: from an email, from a website, and the
public mail domains that name no company.

A pulled Lead is attached to the host company whose domain is that of the Lead's email (as
Apollo does: "we associate the corresponding Apollo Contact with whatever Apollo Account
matches the domain of that SFDC Lead's email address"); an Account is matched to a host
company by the domain of its Website. A free mail provider's domain says nothing about
where someone works: ``ada@gmail.com`` must not join everyone else at gmail.com to one
company (HubSpot keeps such a list for its automatic association too), so
:data:`PUBLIC_MAIL_DOMAINS` are never matched and never stored on a company.

Domains are compared bare and lower-cased: ``https://WWW.Acme.com/about`` and
``ada@acme.com`` are both ``acme.com``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = [
    "PUBLIC_MAIL_DOMAINS",
    "company_domain",
    "email_domain",
    "is_public",
    "normalise_domain",
    "website_domain",
]

#: Mail providers anyone can sign up to: a domain of these names no company. The large
#: international and regional providers; a host with others in its market can pass its own
#: set (``company_domain(email, public=PUBLIC_MAIL_DOMAINS | {...})``).
PUBLIC_MAIL_DOMAINS: frozenset[str] = frozenset({
    # Google, Microsoft, Yahoo, Apple, AOL
    "gmail.com", "googlemail.com",
    "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it",
    "hotmail.es", "live.com", "live.co.uk", "live.fr", "msn.com", "passport.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.ca",
    "yahoo.co.jp", "yahoo.com.br", "yahoo.co.in", "ymail.com", "rocketmail.com",
    "icloud.com", "me.com", "mac.com",
    "aol.com", "aim.com",
    # privacy and independent providers
    "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tuta.io",
    "fastmail.com", "fastmail.fm", "hey.com", "zoho.com", "zohomail.com", "mail.com",
    "email.com", "gmx.com", "gmx.net", "gmx.de", "gmx.at", "gmx.ch", "web.de", "posteo.de",
    "mailbox.org", "hushmail.com", "yandex.com", "yandex.ru", "mail.ru", "inbox.ru",
    "list.ru", "bk.ru", "rambler.ru",
    # national and ISP mail
    "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "libero.it", "virgilio.it",
    "tiscali.it", "t-online.de", "freenet.de", "btinternet.com", "sky.com", "virginmedia.com",
    "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net",
    "charter.net", "earthlink.net", "shaw.ca", "rogers.com", "sympatico.ca", "bigpond.com",
    "optusnet.com.au", "xtra.co.nz", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
    "qq.com", "163.com", "126.com", "sina.com", "naver.com", "daum.net", "hanmail.net",
    "rediffmail.com", "uol.com.br", "bol.com.br", "terra.com.br",
})


def normalise_domain(text: str | None) -> str | None:
    """``" WWW.Acme.com. "`` -> ``"acme.com"``: lower case, no ``www.``, no trailing dot;
    None for anything that is no domain (blank, no dot, spaces inside)."""
    if not text:
        return None
    domain = text.strip().lower().rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    if "." not in domain or any(c.isspace() or c in "/@:" for c in domain):
        return None
    labels = domain.split(".")
    if any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        return None
    return domain


def email_domain(email: str | None) -> str | None:
    """The domain of an email address (``Ada@Acme.com`` -> ``acme.com``), public or not."""
    if not email or "@" not in email:
        return None
    return normalise_domain(email.strip().rpartition("@")[2])


def website_domain(website: str | None) -> str | None:
    """The domain of a website as people type it into Salesforce's Website field:
    ``https://www.acme.com/about``, ``acme.com``, ``www.acme.com:8080`` -> ``acme.com``."""
    if not website or not website.strip():
        return None
    text = website.strip()
    if "://" not in text:
        text = "//" + text  # urlsplit reads a host only after a scheme or "//"
    try:
        host = urlsplit(text).hostname
    except ValueError:  # an invalid port or IPv6 literal
        return None
    return normalise_domain(host)


def is_public(domain: str | None, public: frozenset[str] = PUBLIC_MAIL_DOMAINS) -> bool:
    """Whether ``domain`` is a public mail provider's (it names no company)."""
    return domain is not None and domain in public


def company_domain(
    email: str | None, public: frozenset[str] = PUBLIC_MAIL_DOMAINS
) -> str | None:
    """The domain an email tells us the company of: :func:`email_domain` unless public."""
    domain = email_domain(email)
    return None if domain is None or domain in public else domain
