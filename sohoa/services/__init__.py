"""The application service layer: what the CLI and the web app do, once.

One module per topic: ``batches`` (intake, processing, status, retry), ``search``,
``documents``, ``events``, ``review``, ``split`` (split and join), ``access`` (units, users,
grants, record access), ``records`` (record summary and export), ``statistics`` and
``upkeep`` (fixity audit, index rebuild). Services take plain arguments and return plain data;
they raise the ``errors`` hierarchy, never print, and know nothing of click or HTTP.
"""
