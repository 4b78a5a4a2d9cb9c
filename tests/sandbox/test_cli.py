"""The command line explains every option."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_option():
    result = subprocess.run([sys.executable, "-m", "stripe_sandbox", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30, check=True)
    for option in ("--host", "--port", "--forward-to", "--webhook-secret", "--retry-base",
                   "--max-attempts", "--webhook-timeout", "--webhook-concurrency",
                   "--processing-delay", "--quiet"):
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


def test_flask_command_wraps_the_same_options():
    from click.testing import CliRunner

    from stripe_sandbox.cli import flask_command

    command = flask_command()
    assert command.name == "stripe-sandbox"
    result = CliRunner().invoke(command, ["--help"])
    assert "--forward-to" in result.output
