"""A student or instructor using the hub over HTTP, as a browser would: the hub's login form, the
redirects that start their server and log them into it (OAuth), then the server's REST API
(contents) and nbgrader's assignment-list handlers (fetch, submit, fetch feedback)."""

from __future__ import annotations

import json
import re
import time

import requests


class HubUser:
    def __init__(self, base_url: str, user: str, password: str):
        self.base, self.user, self.password = base_url.rstrip("/"), user, password
        self.http = requests.Session()

    @property
    def server(self) -> str:
        return f"{self.base}/user/{self.user}"

    def login(self, timeout: float = 120.0) -> requests.Response:
        """The hub's login form; follows the redirects until the user's JupyterLab answers."""
        page = self.http.get(f"{self.base}/hub/login", timeout=30)
        page.raise_for_status()
        xsrf = self.http.cookies.get("_xsrf", path="/hub/") or self.http.cookies.get("_xsrf")
        r = self.http.post(f"{self.base}/hub/login?next=", data={"username": self.user, "password": self.password,
                                                                 "_xsrf": xsrf}, timeout=60)
        if "/hub/login" in r.url and r.status_code != 200 or "Invalid username or password" in r.text:
            raise PermissionError(f"{self.user}: login refused ({r.status_code})")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.http.get(f"{self.server}/lab", timeout=60)
            if r.status_code == 200 and r.url.startswith(self.server) and "jupyter-config-data" in r.text:
                return r
            time.sleep(0.5)
        raise TimeoutError(f"{self.user}: JupyterLab did not open ({r.status_code} at {r.url})")

    def _headers(self) -> dict:  # noqa: D401 - the xsrf header a browser sends with its cookie
        token = None
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path.startswith(f"/user/{self.user}"):
                token = cookie.value
        token = token or self.http.cookies.get("_xsrf")
        return {"X-XSRFToken": token} if token else {}

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.server}/{path.lstrip('/')}", headers=self._headers(), timeout=300,
                                 **kwargs)

    # nbgrader's assignment list (the Assignments tab of JupyterLab calls the same handlers)
    def assignments(self, course: str) -> list[dict]:
        r = self.api("GET", f"assignments?course_id={course}")
        r.raise_for_status()
        body = r.json()
        if not body.get("success", True):
            raise RuntimeError(body)
        return body["value"]

    def assignment_action(self, action: str, course: str, assignment: str) -> dict:
        r = self.api("POST", f"assignments/{action}", data={"course_id": course, "assignment_id": assignment})
        r.raise_for_status()
        return r.json()

    def put_notebook(self, path: str, nb) -> None:
        """Save the notebook ``nb`` (an nbformat node) at ``path``, as JupyterLab saves one
        (sources as strings, not lists of lines)."""
        r = self.api("PUT", f"api/contents/{path}", data=json.dumps({"type": "notebook", "format": "json",
                                                                     "content": nb}))
        r.raise_for_status()

    def get_file(self, path: str) -> requests.Response:
        return self.api("GET", f"api/contents/{path}?content=1")


def feedback_score(html: str) -> str | None:
    """The total score the feedback page states, as nbgrader writes it ("Score: 3.0 / 5.0")."""
    m = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", html)
    return f"{m.group(1)}/{m.group(2)}" if m else None
