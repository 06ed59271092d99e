"""Faithful, strict stand-ins for hh.ru and a Bitrix24 portal: real ASGI apps served over HTTP.

``hh/`` is the hh.ru API, ``bitrix/`` the Bitrix24 portals; this level holds what both use: fault
injection (``faults``), scaled sandbox time (``timescale``) and the servers of ``hhsync sandbox``
(``serve``).
"""
