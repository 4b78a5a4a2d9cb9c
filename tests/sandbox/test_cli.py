"""The command line explains every option."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from stripe_sandbox.testing import SandboxControl

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_help_lists_every_option():
    result = subprocess.run([sys.executable, "-m", "stripe_sandbox", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30, check=True)
    for option in ("--host", "--port", "--forward-to", "--events", "--webhook-secret",
                   "--retry-base", "--max-attempts", "--webhook-timeout",
                   "--webhook-concurrency", "--processing-delay", "--quiet"):
        assert option in result.stdout
    assert "control API" in result.stdout


def test_parser_defaults():
    from stripe_sandbox.cli import build_parser

    options = build_parser().parse_args(["--forward-to", "http://127.0.0.1:5000/webhooks"])
    assert options.port == 12111
    assert options.webhook_secret == "whsec_sandbox"
    assert options.forward_to == "http://127.0.0.1:5000/webhooks"
    assert options.processing_delay == 3.0
    assert options.webhook_concurrency == 8
    assert build_parser().parse_args(["--webhook-concurrency", "1"]).webhook_concurrency == 1
    assert options.events == ["*"]


def test_events_flag_takes_a_comma_separated_list():
    from stripe_sandbox.cli import build_parser

    parse = build_parser().parse_args
    events = parse(["--events", "payment_intent.succeeded, charge.refunded"]).events
    assert events == ["payment_intent.succeeded", "charge.refunded"]
    assert parse(["--events", "*"]).events == ["*"]


@pytest.mark.parametrize("value", ["", "payment_intent", "Charge.Refunded",
                                   "charge.refunded,,refund.created", "*,charge.refunded"])
def test_events_flag_refuses_what_is_not_an_event_type(value, capsys):
    from stripe_sandbox.cli import build_parser

    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["--events", value])
    assert caught.value.code == 2
    assert "argument --events:" in capsys.readouterr().err


def test_started_sandbox_sends_only_the_events_given():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--quiet",
         "--forward-to", "http://127.0.0.1:9/hooks", "--events", "charge.refunded"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = ""
        for line in process.stdout:  # ends when the banner is printed or the process exits
            if line.startswith("Stripe sandbox on"):
                banner = line
                break
        assert "(webhooks to http://127.0.0.1:9/hooks, 1 event type(s) only)" in banner
        config = SandboxControl(f"http://127.0.0.1:{port}").config()
        assert config["enabled_events"] == ["charge.refunded"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_flask_command_wraps_the_same_options():
    from click.testing import CliRunner

    from stripe_sandbox.cli import flask_command

    command = flask_command()
    assert command.name == "stripe-sandbox"
    result = CliRunner().invoke(command, ["--help"])
    assert "--forward-to" in result.output
