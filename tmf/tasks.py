"""django-q2 entry points of the TMF edge."""

from __future__ import annotations

from tmf.services import product_order_request_fulfil


def product_order_request_fulfil_task(request_id: int) -> None:
    """Capture the order of a queued TMF622 request (safe to run twice)."""
    product_order_request_fulfil(request_id=request_id)
