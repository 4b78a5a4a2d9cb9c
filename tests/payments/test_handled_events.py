"""`flask stripe events handled`: the event types to enable on the Stripe webhook endpoint."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# DESIGN.md §6, "Handled at least": each must be enabled on the endpoint, or Stripe never
# sends it and what it reports (a Dashboard refund, a dispute, a detached card) is lost.
REQUIRED_BY_DESIGN = (
    "payment_intent.succeeded", "payment_intent.processing", "payment_intent.payment_failed",
    "payment_intent.canceled", "payment_intent.requires_action",
    "charge.refunded", "refund.created", "refund.updated", "refund.failed",
    "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
    "setup_intent.succeeded",
    "payment_method.attached", "payment_method.detached", "payment_method.updated",
    "payment_method.automatically_updated",
    "customer.deleted",
)


def test_lists_every_type_the_design_requires_once_each(runner):
    result = runner.invoke(args=["stripe", "events", "handled"])
    assert result.exit_code == 0, result.output
    listed = result.output.splitlines()
    assert listed == sorted(set(listed))
    assert set(REQUIRED_BY_DESIGN) - set(listed) == set()  # none missing
    for ignored in ("charge.succeeded", "payment_intent.created", "customer.created"):
        assert ignored not in listed


def test_the_readme_names_the_same_types_in_the_same_order(runner):
    # Whoever sets up the endpoint by hand copies the README's list.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("`flask stripe events handled` prints one a line")
    passage = readme[start:readme.index("The Stripe CLI", start)]
    named = re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", passage)
    listed = runner.invoke(args=["stripe", "events", "handled"]).output.splitlines()
    assert named == listed


def test_a_fresh_process_loads_the_handlers_first(runner, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SHOP_"))}
    env.update(FLASK_APP="wsgi.py", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run([str(flask), "stripe", "events", "handled"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == runner.invoke(args=["stripe", "events", "handled"]
                                                     ).output.splitlines()
    assert "payment_intent.succeeded" in done.stdout.splitlines()
