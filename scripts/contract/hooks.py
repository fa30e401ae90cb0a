"""Schemathesis hooks for scripts/contract-test: bearer authentication by logging in.

Every case carries the token of one login (HOTLINE_CONTRACT_USER, a centre supervisor by default), except the
logout, which gets a session of its own each time so that logging out never revokes the token the rest of the run
uses.
"""

import os

import requests
import schemathesis

BASE = os.environ["HOTLINE_CONTRACT_BASE_URL"]
CA = os.environ.get("HOTLINE_CONTRACT_CA", True)
USER = os.environ.get("HOTLINE_CONTRACT_USER", "supervisor")
PASSWORD = os.environ.get("HOTLINE_DEMO_PASSWORD", "demo-12345")


def login() -> str:
    response = requests.post(
        f"{BASE}/api/v1/auth/login", json={"username": USER, "password": PASSWORD}, verify=CA, timeout=30
    )
    response.raise_for_status()
    return response.json()["token"]


@schemathesis.auth()
class LoginToken:
    def get(self, case, ctx):
        return login()

    def set(self, case, data, ctx):
        token = login() if case.operation.path == "/api/v1/auth/logout" else data
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {token}"
