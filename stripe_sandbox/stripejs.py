"""The Stripe.js v3 stand-in: the script, the card input frame and the 3-D Secure page.

A shop page loads ``<sandbox>/v3/`` where it would load ``https://js.stripe.com/v3/``.
The card fields live in ``/v3/elements-frame``, an iframe on the sandbox's own origin, so
card numbers never touch the embedding page; ``/v3/challenge`` is the test 3-D Secure
page with its "Complete" and "Fail" buttons. All code is in external files under
``static/`` so the pages work under a strict Content-Security-Policy.
"""

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

STATIC_DIR = Path(__file__).with_name("static")

blueprint = Blueprint(
    "stripejs",
    __name__,
    url_prefix="/v3",
    static_folder=STATIC_DIR,
    static_url_path="/static",
)

# The frame pages run no inline code and talk only to their own origin. They must be
# embeddable by any shop (as Stripe's frames are), hence frame-ancestors * and no
# X-Frame-Options.
FRAME_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors *",
    ]
)


@blueprint.get("/")
def stripe_js() -> Response:
    """Serve the script that defines the global ``Stripe``."""
    return send_from_directory(
        STATIC_DIR, "stripe.js", mimetype="application/javascript", max_age=0
    )


@blueprint.get("/elements-frame")
def elements_frame() -> Response:
    """Serve the card input frame that the Payment Element mounts."""
    return _frame_page("elements-frame.html")


@blueprint.get("/challenge")
def challenge() -> Response:
    """Serve the test 3-D Secure challenge (in the modal, or as a full-page redirect)."""
    return _frame_page("challenge.html")


@blueprint.after_request
def allow_any_embedder(response: Response) -> Response:
    """Let pages on any origin load the script and static files, as js.stripe.com does."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.pop("X-Frame-Options", None)
    return response


def _frame_page(name: str) -> Response:
    response = send_from_directory(STATIC_DIR, name, mimetype="text/html", max_age=0)
    response.headers["Content-Security-Policy"] = FRAME_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    return response
