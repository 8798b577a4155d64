"""Background work on RQ: one Redis client and queue, the tenant lock, the jobs, the worker
and the sweep.

* :mod:`.queue` - :class:`~.queue.Jobs`, the application's Redis client and queue, and how a
  drain is enqueued (coalesced per tenant);
* :mod:`.tasks` - the job functions (a drain, a field setup);
* :mod:`.lock` - one worker at a time per tenant; :mod:`.keys` - the Redis keys;
* :mod:`.worker` - workers that run jobs in the app context and sweep;
* :mod:`.sweep` - enqueue what a lost enqueue or a dead worker left;
* :mod:`.ledger` - the API spend and the describe cache that workers share;
* :mod:`.wiring` - the signals the job layer answers (a commit, a new connection).
"""
