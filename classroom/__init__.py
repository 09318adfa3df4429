"""A class on JupyterHub: accounts, a safe nbgrader exchange, the hub itself (see docs/hub.md)."""
