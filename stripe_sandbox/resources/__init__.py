"""One module per Stripe resource; ``api`` imports them so their endpoints register."""
