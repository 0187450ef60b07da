"""OAuth client credentials: tokens, their expiry, and Shopware's 401/400 bodies."""

from __future__ import annotations

import base64

import requests

from .conftest import Api


def token_call(server, **kwargs) -> requests.Response:
    return requests.post(f"{server.url}/api/oauth/token", **kwargs)


def test_client_credentials_in_json_body(server, shop):
    response = token_call(
        server,
        json={
            "grant_type": "client_credentials",
            "client_id": "pimflow",
            "client_secret": "pimflow-secret",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["access_token"].count(".") == 2  # a JWT, as Shopware issues


def test_client_credentials_as_form_and_basic_auth(server, shop):
    form = token_call(
        server,
        data={
            "grant_type": "client_credentials",
            "client_id": "pimflow",
            "client_secret": "pimflow-secret",
        },
    )
    assert form.status_code == 200
    basic = token_call(
        server,
        json={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(b"pimflow:pimflow-secret").decode()},
    )
    assert basic.status_code == 200


def test_wrong_secret_is_refused_without_echoing_it(server, shop):
    response = token_call(
        server,
        json={
            "grant_type": "client_credentials",
            "client_id": "pimflow",
            "client_secret": "nope-xyz",
        },
    )
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert error == {
        "code": "4",
        "status": "401",
        "title": "Client authentication failed",
        "detail": "Client authentication failed",
    }
    assert "nope-xyz" not in response.text


def test_missing_and_unsupported_grant(server, shop):
    missing = token_call(server, json={"client_id": "pimflow"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["code"] == "3"
    password = token_call(server, json={"grant_type": "password", "username": "admin"})
    assert password.status_code == 400
    assert password.json()["errors"][0]["code"] == "2"


def test_api_needs_a_token(server, shop):
    response = requests.post(f"{server.url}/api/search/product", json={})
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert error["status"] == "401" and error["code"] == "9"
    assert error["detail"] == 'Missing "Authorization" header'


def test_forged_token_is_refused(api):
    head, body, _ = api.token.split(".")
    api.token = f"{head}.{body}.AAAA"
    response = api.call("POST", "/api/search/product", {})
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] == "Access token could not be verified"


def test_token_expires_after_its_lifetime(app, server, shop):
    now = [1_000_000.0]
    app.clock = lambda: now[0]
    try:
        api = Api(server.url).authenticate()
        assert api.call("POST", "/api/search/tax", {}).status_code == 200
        now[0] += 599
        assert api.call("POST", "/api/search/tax", {}).status_code == 200
        now[0] += 2
        expired = api.call("POST", "/api/search/tax", {})
        assert expired.status_code == 401
        assert expired.json()["errors"][0]["title"].startswith("The resource owner")
        assert api.authenticate().call("POST", "/api/search/tax", {}).status_code == 200
    finally:
        import time

        app.clock = time.time


def test_token_lifetime_option(server):
    from pimflow_sandbox.server import SandboxServer
    from pimflow_sandbox.shopware6 import create_app

    short = create_app(seed=1, options={"token_lifetime": "60"})
    with SandboxServer(short, port=0) as srv:
        response = token_call(
            srv,
            json={
                "grant_type": "client_credentials",
                "client_id": "pimflow",
                "client_secret": "pimflow-secret",
            },
        )
        assert response.json()["expires_in"] == 60
