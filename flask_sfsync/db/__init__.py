"""Every SQL statement of the extension: the tables (one registry), and the stores on them.

* :mod:`.models` - the tables, bound to the host's ``db.Model`` (:func:`models_for`);
* :mod:`.connections` - Salesforce connections and their tokens (:mod:`.crypto` encrypts them);
* :mod:`.tenant_settings` - a tenant's choices and its connection's pause;
* :mod:`.runs` - the run lifecycle; :mod:`.errorlog` - the error log and history reads;
* :mod:`.outbox` and :mod:`.tracking` - changes waiting to be pushed, written in the host's
  transaction; :mod:`.links` and :mod:`.results` - where a push's results go.

Functions take the session and the :class:`~.models.Models` they work on. Only two places look
at the current app, because SQLAlchemy calls them without arguments of ours: the encrypted
column type (the app's cipher) and the session listeners of :mod:`.tracking`.
"""
