"""JupyterHub's configuration for the demo class (``jupyterhub -f classroom/jupyterhub_config.py``).

Everything that varies (ports, the state folder, the accounts, the environment) comes from
``hub.json`` in the state folder, written by ``python -m classroom up`` (:mod:`classroom.hub`),
whose path is in ``CLASSROOM_SETTINGS``.

- Login: PAM, i.e. the accounts' Unix passwords (generated, one per account); only the class's
  accounts may log in. The hub listens on 127.0.0.1 unless the settings say otherwise.
- Servers: JupyterHub's local-process spawner starts ``jupyterhub.singleuser`` (JupyterLab) with the
  course's environment (:func:`classroom.layout.student_python`) as the user, in their home; ``JUPYTER_CONFIG_PATH`` points it at its
  role's configuration (:func:`classroom.layout.write_role_configs`): students get nbgrader's
  assignment list and Validate, the instructor the formgrader too.
- The formgrader is opened in its own browser tab (``/user/<instructor>/formgrader``), not in
  JupyterLab's iframe: single-user servers send ``frame-ancestors 'none'`` since JupyterHub 4.1
  (nbgrader #1870), which stops another user's page from framing yours; we keep that.
"""

import json
import os

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

with open(os.environ["CLASSROOM_SETTINGS"]) as _fh:
    S = json.load(_fh)

c.JupyterHub.bind_url = f"http://{S['ip']}:{S['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = S["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [S["proxy_command"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(S["state"], "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(S["state"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(S["state"], "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(S["state"], "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(S["users"])
c.Authenticator.admin_users = set()

# the classroom's own token (root's tools and tests): manage users and servers, nothing else
c.JupyterHub.services = [{"name": "classroom", "api_token": S["api_token"]}]
c.JupyterHub.load_roles = [{"name": "classroom", "services": ["classroom"],
                            "scopes": ["admin:users", "admin:servers", "list:users", "read:users"]}]

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [S["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": os.path.dirname(S["python"]) + ":/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": lambda spawner: S["config_path"][
        "instructor" if spawner.user.name == S["instructor"] else "student"],
    "JUPYTER_PATH": S["data_path"],
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
