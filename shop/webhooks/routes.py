from flask import Blueprint, jsonify, request

from shop.extensions import csrf, limiter
from shop.services import webhooks

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/stripe")
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Stripe's deliveries: verified by signature, the only CSRF-exempt view."""
    status, outcome = webhooks.receive(request.get_data(), request.headers.get("Stripe-Signature"))
    return jsonify(outcome=outcome), status
