"""`flask stripe events handled`: the event types to enable on the Stripe webhook endpoint."""

import os
import subprocess
import sys
from pathlib import Path

from shop.services import webhooks

ROOT = Path(__file__).resolve().parents[2]


def test_lists_exactly_the_types_with_handlers(runner):
    result = runner.invoke(args=["stripe", "events", "handled"])
    assert result.exit_code == 0, result.output
    listed = result.output.splitlines()
    assert listed == sorted(set(listed)) == webhooks.handled_event_types()
    assert set(listed) == set(webhooks.HANDLERS)
    for handled in ("payment_intent.succeeded", "payment_intent.payment_failed",
                    "charge.refunded", "refund.updated", "charge.dispute.created",
                    "setup_intent.succeeded", "payment_method.detached", "customer.deleted"):
        assert handled in listed
    for ignored in ("charge.succeeded", "payment_intent.created", "customer.created"):
        assert ignored not in listed


def test_a_fresh_process_loads_the_handlers_first(runner, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SHOP_"))}
    env.update(FLASK_APP="wsgi.py", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run([str(flask), "stripe", "events", "handled"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == runner.invoke(args=["stripe", "events", "handled"]
                                                     ).output.splitlines()
    assert "payment_intent.succeeded" in done.stdout.splitlines()
