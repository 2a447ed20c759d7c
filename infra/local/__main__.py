"""`make run`: moto's server, the resources, demo data, the API on http://127.0.0.1:8000 and the event pump,
until Ctrl-C.

Ports, all on 127.0.0.1: COCREATE_API_PORT (8000), COCREATE_MOTO_PORT (5000) and COCREATE_PUMP_PORT (8001), where
`POST /drain` answers once every vote so far is counted, `POST /schedule/<name>` runs a schedule now and
`GET /mailbox` shows the mail sent.
Schedules run at the app's own rates; COCREATE_SCHEDULE_SECONDS runs them more often.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading

import boto3
from chalice.cli.factory import CLIFactory

from chalicelib.wiring import services
from infra.local import stage
from infra.local.control import ControlServer, Mailbox
from infra.local.gateway import server
from infra.local.moto_server import moto_server, port_free
from infra.local.provision import provision
from infra.local.pump import EventPump, schedules_of
from infra.local.seed import CUSTOMERS, PRODUCT_TEAM_MEMBER, seed
from infra.local.tokens import token

HOST = "127.0.0.1"
PORTS = {"COCREATE_API_PORT": "8000", "COCREATE_MOTO_PORT": "5000", "COCREATE_PUMP_PORT": "8001"}


def main() -> int:
    ports = {name: int(os.environ.get(name, default)) for name, default in PORTS.items()}
    for name, port in ports.items():
        if not port_free(HOST, port):
            print(f"Port {port} on {HOST} is taken. Stop what uses it, or set {name} to another port.", file=sys.stderr)
            return 1

    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())

    env = stage.environment(overrides=os.environ)  # COCREATE_WRITE_LIMIT_PER_MINUTE=1000 make run, say
    env["COCREATE_PUBLIC_URL"] = f"http://{HOST}:{ports['COCREATE_API_PORT']}/"  # what unsubscribe links open
    with moto_server(HOST, ports["COCREATE_MOTO_PORT"]) as moto:
        os.environ.update(env, AWS_ENDPOINT_URL=moto.url)  # boto3 sends every call to moto
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # keep metrics' JSON off the console

        session = boto3.session.Session()
        provision(session, stage.resource_names(env))
        # Chalice sets the stage's variables as it loads the app: on a copy, so that overrides stay.
        config = CLIFactory(project_dir=str(stage.ROOT), environ=dict(os.environ)).create_config_obj(stage.STAGE)
        app = config.chalice_app
        functions = importlib.import_module("app")  # what Chalice loaded: the Lambda functions' module
        every = float(os.environ["COCREATE_SCHEDULE_SECONDS"]) if "COCREATE_SCHEDULE_SECONDS" in os.environ else None
        pump = EventPump(
            session,
            env["COCREATE_TABLE"],
            functions.on_table_change,
            schedules=list(schedules_of(app, functions, every)),
        )
        seed(services())
        pump.drain()  # the demo's votes counted before the first request

        api = server(app, config, HOST, ports["COCREATE_API_PORT"])
        control = ControlServer(HOST, ports["COCREATE_PUMP_PORT"], pump, moto.peak_memory_mb, Mailbox(moto.url))
        threads = [
            threading.Thread(target=api.serve_forever, name="api"),
            threading.Thread(target=control.serve_forever, name="control"),
            threading.Thread(target=pump.run, args=(stop,), name="pump"),
        ]
        for thread in threads:
            thread.start()
        print(_banner(f"http://{HOST}:{ports['COCREATE_API_PORT']}", moto.url, ports["COCREATE_PUMP_PORT"]), flush=True)
        stop.wait()
        print("\nStopping: API, event pump, then moto.", flush=True)
        api.shutdown()
        control.shutdown()
        for thread in threads:
            thread.join()
    return 0


def _banner(api_url: str, moto_url: str, pump_port: int) -> str:
    return f"""
cocreate is running locally, with demo products, ideas and votes.

  API             {api_url}        try: curl {api_url}/products/roadster/ideas
  AWS (moto)      {moto_url}
  Event pump      counts follow votes within a second; to wait for them:
                  curl -X POST http://{HOST}:{pump_port}/drain
                  demand reports publish every 15 minutes; to publish them now:
                  curl -X POST http://{HOST}:{pump_port}/schedule/publish_demand_reports
  Mailbox         what SES has sent (notifications by email): curl http://{HOST}:{pump_port}/mailbox

  Sign in as a demo customer, or as the product team:
    export CUSTOMER='Authorization: Bearer {token(CUSTOMERS[0])}'
    export TEAM='Authorization: Bearer {token(PRODUCT_TEAM_MEMBER, "product-team")}'
    curl -H "$CUSTOMER" -H 'Content-Type: application/json' -X POST {api_url}/products/roadster/ideas \\
         -d '{{"kind": "customisation", "options": {{"colour": "midnight blue", "interior": "cork"}}}}'
    curl -H "$TEAM" -X POST {api_url}/products/roadster/demand
    curl -H "$TEAM" "{api_url}/products/roadster/demand?format=csv"

Ctrl-C stops everything.
"""


if __name__ == "__main__":
    sys.exit(main())
