"""The daemon as a service: lifecycle, scheduling and the service manager's notifications."""
