"""An offline, stateful stand-in for the Stripe API, Stripe.js and Stripe's webhooks.

The real ``stripe`` SDK talks to it unchanged through
``stripe.StripeClient("sk_test_...", base_addresses={"api": url})``. It imports nothing
from the shop. See ``python -m stripe_sandbox --help`` and ``stripe_sandbox.testing``.
"""

from .app import create_app

__all__ = ["create_app"]
