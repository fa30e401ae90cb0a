"""Schemathesis hooks for scripts/contract-test: bearer authentication by logging in as demo accounts.

Each operation is called as an account that may do it, so that the run gets past the role checks into the handlers:
the city admin for accounts and assessment parameters, publication and corrections, the Chaoyang district admin for a receiving
unit's actions (it acts for its district government, where auto dispatch sends orders without a street), the
proactive-governance planner for themes and proactive tasks (every district), the centre supervisor for everything
else. The logout gets a session of its own each time, so that logging out never revokes the token the rest of the
run uses.
"""

import ast
import os
import re
import threading

import requests
import schemathesis

# Python 3.11's ast.parse is not safe from two threads at once: the conversion of the tree to Python objects keeps a
# recursion depth per interpreter, and two workers parsing together fail with "SystemError: AST constructor recursion
# depth mismatch" (see CPython gh-106905). Hypothesis parses a module's source the first time it describes one of its
# lambdas, which schemathesis' two workers do together early in the coverage phase, so the run would end with a
# "Runtime Error" now and then. One parse at a time.
_ast_parse = ast.parse
_ast_lock = threading.Lock()


def _parse_one_at_a_time(*args, **kwargs):
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time

BASE = os.environ["HOTLINE_CONTRACT_BASE_URL"]
CA = os.environ.get("HOTLINE_CONTRACT_CA", True)
PASSWORD = os.environ.get("HOTLINE_DEMO_PASSWORD", "demo-12345")

_tokens: dict[str, str] = {}
_lock = threading.Lock()


def login(username: str) -> str:
    response = requests.post(
        f"{BASE}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, verify=CA, timeout=30
    )
    response.raise_for_status()
    return response.json()["token"]


def token(username: str) -> str:
    with _lock:
        if username not in _tokens:
            _tokens[username] = login(username)
        return _tokens[username]


def account_for(method: str, path: str) -> str:
    if path.startswith("/api/v1/users"):
        return "admin"
    if (method, path) in {("PATCH", "/api/v1/assessments/{period}/parameters"), ("POST", "/api/v1/assessments/{period}/publish"),
                          ("POST", "/api/v1/assessments/{period}/corrections")}:
        return "admin"
    if re.fullmatch(r"/api/v1/dispatches/\{id\}/(accept|contact|reply|return|extension)", path):
        return "chaoyang"
    if path.startswith(("/api/v1/themes", "/api/v1/proactive-tasks")):
        return "planner"
    return "supervisor"


@schemathesis.auth()
class DemoAccounts:
    def get(self, case, ctx):
        return token("supervisor")

    def set(self, case, data, ctx):
        path = case.operation.path
        if path == "/api/v1/auth/logout":
            bearer = login("supervisor")
        else:
            bearer = token(account_for(case.operation.method.upper(), path))
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {bearer}"
