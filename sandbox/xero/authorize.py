"""``/identity/connect/authorize``: where a browser signs in to Xero and consents (Xero's real
address is ``https://login.xero.com/identity/connect/authorize``).

``GET`` checks the authorization request the way an OAuth 2.0 server must (RFC 6749 §4.1, PKCE RFC
7636): an unknown ``client_id`` or a ``redirect_uri`` that is not registered gets an error page and
no redirect; any other problem is sent back to the ``redirect_uri`` as ``error=…`` with the
``state``. A good request gets the consent page: a plain HTML form naming the app and what it asks
for, a checkbox per organisation, *Allow access* and *Cancel*. ``POST`` is that form: *Allow*
records the chosen organisations as this auth event's connections and redirects with a code
(single-use, 5 minutes on the sandbox clock) and the unchanged ``state``; *Cancel* redirects with
``error=access_denied``. With the app's ``auto_approve`` setting the consent is given at once, to
every organisation.

Registered redirect URIs must match exactly, except that a registered loopback URI without a port
(``http://localhost/callback``) accepts any port, as RFC 8252 §7.3 asks of servers for native apps.
"""

from __future__ import annotations

import html
import re
import secrets
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit

from sandbox.xero import identity, jsonio, organisations, scopes
from sandbox.xero.store import Store

REQUEST_MS = 30 * 60 * 1000  # how long a consent page stays valid
_CHALLENGE = re.compile(r"^[A-Za-z0-9_\-]{43,128}$")
SCOPE_TEXT = {
    "offline_access": "Stay connected when you are not using the app",
    "accounting.contacts": "View and manage your contacts",
    "accounting.invoices": "View and manage your invoices, credit notes and items",
    "accounting.payments": "View and manage your payments, prepayments and overpayments",
    "accounting.banktransactions": "View and manage your bank transactions",
    "accounting.manualjournals": "View and manage your manual journals",
    "accounting.settings": "View and manage your organisation settings",
    "accounting.transactions": "View and manage your business transactions",
}


class Page(Exception):
    """An error shown in the browser (no redirect: the client or redirect URI is not trusted)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def redirect_allowed(uri: str, registered: list[str]) -> bool:
    if uri in registered:
        return True
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1") and port:
        return urlunsplit((parts.scheme, parts.hostname, parts.path, parts.query, "")) in registered
    return False


def with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _error_redirect(params: dict[str, str], error: str, description: str) -> tuple[str, str]:
    reply = {"error": error, "error_description": description}
    if params.get("state"):
        reply["state"] = params["state"]
    return "redirect", with_query(params["redirect_uri"], reply)


def begin(store: Store, params: dict[str, str]) -> tuple[str, str]:
    """``("page", html)`` for the consent page or ``("redirect", url)``; ``Page`` for an untrusted request."""
    creds = store.credentials()
    with store.write(documents=False) as tx:
        app = identity.app_config(tx)
        if params.get("client_id") != creds["client_id"]:
            raise Page(400, "unauthorized_client", "Unknown client_id: no app is registered with it.")
        if not redirect_allowed(params.get("redirect_uri", ""), list(app["redirect_uris"])):
            raise Page(400, "invalid_request", "The redirect_uri is not one of the app's registered redirect URIs.")
        if params.get("response_type") != "code":
            return _error_redirect(params, "unsupported_response_type", "response_type must be code")
        if "authorization_code" not in app["grant_types"]:
            return _error_redirect(params, "unauthorized_client", "this app may not use the authorization code flow")
        problem = scopes.refused(params.get("scope", "").split(), app["created"])
        if problem:
            return _error_redirect(params, "invalid_scope", problem)
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if (challenge or method) and (method != "S256" or not _CHALLENGE.match(challenge or "")):
            return _error_redirect(params, "invalid_request",
                                   "PKCE needs a code_challenge (43-128 characters) with code_challenge_method=S256")
        tx.conn.execute("DELETE FROM auth_requests WHERE created_ms < ?", (tx.now_ms - REQUEST_MS,))
        request_id = secrets.token_urlsafe(24)
        kept = {k: params.get(k, "") for k in ("client_id", "redirect_uri", "scope", "state", "code_challenge")}
        tx.conn.execute("INSERT INTO auth_requests(id, params, created_ms) VALUES(?,?,?)",
                        (request_id, jsonio.dumps(kept), tx.now_ms))
        auto = bool(app.get("auto_approve"))
    orgs = organisations.listing(store)
    if auto:
        return decide(store, {"request_id": request_id, "decision": "allow"}, [o["tenant_id"] for o in orgs])
    return "page", consent_page(str(app["name"]), request_id, params.get("scope", "").split(), orgs)


def decide(store: Store, form: dict[str, str], tenants: list[str]) -> tuple[str, str]:
    """The consent form posted: redirect with a code (Allow) or ``access_denied`` (Cancel)."""
    known = {o["tenant_id"].lower(): o["tenant_id"] for o in organisations.listing(store)}
    with store.write(documents=False) as tx:
        row = tx.conn.execute("SELECT params, created_ms FROM auth_requests WHERE id=?",
                              (form.get("request_id", ""),)).fetchone()
        if row is None or tx.now_ms - row[1] > REQUEST_MS:
            raise Page(400, "invalid_request", "This sign-in has expired or was already used: start again from the app.")
        tx.conn.execute("DELETE FROM auth_requests WHERE id=?", (form["request_id"],))
        params = jsonio.loads(row[0])
        state = {"state": params["state"]} if params.get("state") else {}
        if form.get("decision") != "allow":
            return "redirect", with_query(params["redirect_uri"], {
                "error": "access_denied", "error_description": "The user cancelled the authorisation", **state})
        chosen = list(dict.fromkeys(known[t.lower()] for t in tenants if t.lower() in known))
        if not chosen:
            raise Page(400, "invalid_request", "Choose at least one organisation to connect.")
        event = str(uuid.uuid4())
        identity.connect_tenants(tx, event, chosen)
        code = secrets.token_urlsafe(32)
        tx.conn.execute("INSERT INTO auth_codes(code, client_id, redirect_uri, scope, code_challenge, auth_event_id,"
                        " created_ms) VALUES(?,?,?,?,?,?,?)",
                        (code, params["client_id"], params["redirect_uri"], params["scope"],
                         params.get("code_challenge") or None, event, tx.now_ms))
        return "redirect", with_query(params["redirect_uri"], {"code": code, "scope": params["scope"], **state})


def consent_page(app_name: str, request_id: str, requested: list[str], orgs: list[dict]) -> str:
    e = html.escape
    wants = "".join(f"<li>{e(SCOPE_TEXT.get(s.removesuffix('.read'), s))}"
                    f"{' (read only)' if s.endswith('.read') else ''} <code>{e(s)}</code></li>" for s in requested)
    boxes = "".join(f'<label><input type="checkbox" name="tenant" value="{e(o["tenant_id"])}"'
                    f'{" checked" if i == 0 else ""}> {e(o["name"])}</label><br>' for i, o in enumerate(orgs))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Xero sandbox: allow access to {e(app_name)}</title></head>
<body>
<h1>{e(app_name)} wants access to your Xero organisation</h1>
<p>It is asking to:</p>
<ul>{wants}</ul>
<form method="post" action="/identity/connect/authorize">
<input type="hidden" name="request_id" value="{e(request_id)}">
<fieldset><legend>Choose the organisations to connect</legend>
{boxes}
</fieldset>
<button type="submit" name="decision" value="allow">Allow access</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>
</body></html>
"""


def error_page(exc: Page) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Xero sandbox: {exc.error}"
            f"</title></head><body><h1>Something went wrong</h1><p>{html.escape(exc.description)}</p>"
            f"<p><code>{exc.error}</code></p></body></html>")
