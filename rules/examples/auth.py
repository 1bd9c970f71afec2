"""Annotated examples for the `auth` category (login, logout, sessions).

Each `# category: <id>` line says how the function below it must be
categorised, `# category: none` that it must stay uncategorised, and
`# ok: <id>` that it must not get that category. tests/test_rules.py checks them.
"""

import hashlib
import hmac
import secrets
import time

from flask import redirect, request, session
from flask_login import login_user, logout_user


# category: auth
def login_member(store, email, passphrase, lifetime=3600):
    # purpose over mechanism: it hashes a password, but its job is signing in
    member = store.lookup_member(email.strip().lower())
    if member is None:
        return None
    digest = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), bytes.fromhex(member["salt"]), 200_000)
    if not hmac.compare_digest(digest.hex(), member["pw_digest"]):
        store.bump_failures(member["member_id"])
        return None
    member_session = {"session_key": secrets.token_hex(24), "expires": int(time.time()) + lifetime}
    store.persist_session(member["member_id"], member_session)
    return member_session


# category: auth
def sign_in_view(users):
    user = users.check_credentials(request.form["username"], request.form["password"])
    if user is None:
        return redirect("/login?failed=1")
    login_user(user, remember=request.form.get("remember_me") == "on")
    session["csrf"] = secrets.token_urlsafe(16)
    return redirect("/")


# category: auth
def handle_logout():
    logout_user()
    session.clear()
    return redirect("/login")


# ok: auth
def session_scope(engine):
    # an ORM session is data access, not a login session
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
        trans.commit()
    except Exception:
        trans.rollback()
        raise
    finally:
        conn.close()
