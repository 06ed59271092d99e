"""The embedded HTTP handler: probes, metrics and (later) the Bitrix24 and hh.ru pages."""
