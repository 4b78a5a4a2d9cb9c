"""The signed-in customer's account pages: saved cards (and, alongside, orders)."""
