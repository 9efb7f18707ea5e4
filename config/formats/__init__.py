"""Relay's format module (``FORMAT_MODULE_PATH``): the house formats of ``accounts.formats``."""
