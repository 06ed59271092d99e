"""Faithful, strict stand-ins for hh.ru and a Bitrix24 portal: real ASGI apps served over HTTP."""
