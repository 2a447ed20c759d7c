"""`make run`: moto's server, the resources, demo data and the API on http://127.0.0.1:8000, until Ctrl-C.

Ports: COCREATE_API_PORT (8000) and COCREATE_MOTO_PORT (5000), both on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import boto3
from chalice.cli.factory import CLIFactory

from chalicelib.wiring import services
from infra.local import stage
from infra.local.gateway import server
from infra.local.moto_server import moto_server, port_free
from infra.local.provision import provision
from infra.local.seed import CUSTOMERS, PRODUCT_TEAM_MEMBER, seed
from infra.local.tokens import token

HOST = "127.0.0.1"


def main() -> int:
    api_port = int(os.environ.get("COCREATE_API_PORT", "8000"))
    moto_port = int(os.environ.get("COCREATE_MOTO_PORT", "5000"))

    for name, port in (("COCREATE_API_PORT", api_port), ("COCREATE_MOTO_PORT", moto_port)):
        if not port_free(HOST, port):
            print(f"Port {port} on {HOST} is taken. Stop what uses it, or set {name} to another port.", file=sys.stderr)
            return 1

    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())

    env = stage.environment()
    with moto_server(HOST, moto_port) as moto_url:
        os.environ.update(env, AWS_ENDPOINT_URL=moto_url)  # boto3 sends every call to moto

        provision(boto3.session.Session(), stage.resource_names(env))
        config = CLIFactory(project_dir=str(stage.ROOT), environ=os.environ).create_config_obj(stage.STAGE)
        app = config.chalice_app
        seed(services())

        api = server(app, config, HOST, api_port)
        threading.Thread(target=api.serve_forever, name="api", daemon=True).start()
        print(_banner(f"http://{HOST}:{api_port}", moto_url), flush=True)
        stop.wait()
        print("\nStopping: API, then moto.", flush=True)
        api.shutdown()
    return 0


def _banner(api_url: str, moto_url: str) -> str:
    return f"""
cocreate is running locally, with demo products and ideas.

  API             {api_url}        try: curl {api_url}/products/roadster/ideas
  AWS (moto)      {moto_url}

  Sign in as a demo customer, or as the product team:
    export CUSTOMER='Authorization: Bearer {token(CUSTOMERS[0])}'
    export TEAM='Authorization: Bearer {token(PRODUCT_TEAM_MEMBER, "product-team")}'
    curl -H "$CUSTOMER" -H 'Content-Type: application/json' -X POST {api_url}/products/roadster/ideas \\
         -d '{{"kind": "customisation", "options": {{"colour": "midnight blue", "interior": "cork"}}}}'

Ctrl-C stops everything.
"""


if __name__ == "__main__":
    sys.exit(main())
