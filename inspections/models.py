"""Models of this part of the domain arrive with its issue; the app is in place from day one."""
