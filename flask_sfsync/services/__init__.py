"""The use cases that the pages, the jobs and the CLI share.

* :mod:`.connections` - finish the OAuth flow, disconnect, build the org's API;
* :mod:`.context` - one :class:`~.context.SyncContext` per job (settings, API, caches);
* :mod:`.actions` - Sync Now, Retry, save the settings;
* :mod:`.push` - push a tenant's pending work (run by the drain job under the tenant's lock);
* :mod:`.fields` - our custom fields in the org;
* :mod:`.status` - the push status the pages show.

They run in an application context and reach the job layer only through
:class:`flask_sfsync.state.JobQueue`.
"""
