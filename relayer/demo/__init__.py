"""`darkbook demo`: the venue's story told through the running service (``flow``), started as
its own process (``service``), driven over HTTP and its chain only (``desks``, ``chain``), with
the report gathered from what desks and observers can read (``collect``, ``stage_times``,
``leaks``, ``report``); the keeper chapters in ``keepers``. ``server`` (the API in-process) is
left for tests/relayer/settlement/test_batcher.py."""
